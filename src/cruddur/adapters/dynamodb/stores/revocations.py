"""Signed-out tokens, kept with the data: one item per token digest, deleted by the table's TTL
when the token would have expired anyway (reads check the expiry too: TTL deletes late).

The durable half of the deny-list (services/revocations.py keeps a cache in front of it): a
restart of every process, or of Redis, loses nothing here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from cruddur.adapters.dynamodb import operations
from cruddur.adapters.dynamodb.attributes import Item, to_attrs
from cruddur.adapters.dynamodb.table import DynamoTable
from cruddur.domain import keys


class RevocationTable:
    def __init__(self, table: DynamoTable, clock: Callable[[], float] = time.time) -> None:
        self.table = table
        self.clock = clock

    def revoke(self, token_digest: str, expires_at: float) -> None:
        """Idempotent: signing out twice writes the same item."""
        item = {
            **to_attrs(keys.revocation_key(token_digest)),
            keys.EXPIRES_AT: {"N": str(int(expires_at) + 1)},
        }
        self.table.call("PutItem", operations.put(self.table.name, item))

    def is_revoked(self, token_digest: str) -> bool:
        found = self.table.get(keys.revocation_key(token_digest), keys.EXPIRES_AT)
        return found is not None and self._remaining(found) > 0

    def live(self) -> Iterator[tuple[str, float]]:
        """Every revocation not yet expired: (digest, seconds it still has to live)."""
        request = operations.query(self.table.name, keys.REVOKED_PK)
        for item in self.table.each_item("Query", request):
            remaining = self._remaining(item)
            if remaining > 0:
                yield item[keys.SK]["S"], remaining

    def _remaining(self, item: Item) -> float:
        return float(item[keys.EXPIRES_AT]["N"]) - self.clock()
