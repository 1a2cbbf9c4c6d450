"""What the services' ports are made of, a folder per backend:

- `dynamodb/`: the messages table — the wire (`wire.py`, signed with `sigv4.py`, retried by
  `retry.py`), the table core that builds requests and reads answers with no I/O
  (`operations.py`) and the two tables that drive it over a wire (`table.py`,
  `async_table.py`), the reads of patterns A and B (`reads.py`) and their opaque positions
  (`positions.py`), the attribute names (`attributes.py`) and one module per item kind
  (`message_items.py`, `inbox_items.py`, `block_items.py`, `pair_items.py`, `claim_items.py`,
  `data_key_items.py`), its definition (`schema.py`), and under `stores/` one module per kind of
  thing the table stores.
- `crypto/`: envelope encryption of what people write (`envelope.py`, `sealing.py`).
- `auth/`: tokens, their keys and JWKS, passwords.
- `users/`: the relational users directory and its migrations.
- `shared_state/`: small state every API process shares (in this process, or in Redis).
- `aws_clients.py`: every AWS client, configured in one place.
"""
