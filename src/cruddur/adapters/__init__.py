"""What the services' ports are made of, a folder per backend:

- `dynamodb/`: the messages table — the wire (`wire.py`, signed with `sigv4.py`, retried by
  `retry.py`), the table over it (`table.py`, `async_table.py`), the requests and items it reads
  and writes (`requests.py`, `items.py`), its definition (`schema.py`), and under `stores/` one
  module per kind of thing the table stores.
- `crypto/`: envelope encryption of what people write (`envelope.py`, `sealing.py`).
- `auth/`: tokens, their keys and JWKS, passwords.
- `users/`: the relational users directory and its migrations.
- `state/`: small state every API process shares (in this process, or in Redis).
- `aws_clients.py`: how every AWS client is configured.
"""
