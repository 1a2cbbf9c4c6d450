"""The cost model sizes items as DynamoDB does: checked against the write units it charges."""

from __future__ import annotations

import math
import uuid

from cruddur.adapters.dynamodb import message_items
from cruddur.adapters.dynamodb.attributes import Item
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.costs.sizes import SIZE_ONLY, item_bytes
from cruddur.domain.model import Message, UserRef
from tests.boto import client_of


def _message(chars: int) -> Item:
    a, b = UserRef(str(uuid.uuid4()), "ann", "Ann"), UserRef(str(uuid.uuid4()), "bo", "Bo")
    return message_items.message_item(
        Message(
            group_uuid=str(uuid.uuid4()),
            message_uuid=str(uuid.uuid4()),
            text="é" * (chars // 2) + "x" * (chars % 2),  # two UTF-8 bytes per é
            created_at="2026-01-01T00:00:00.000000+00:00",
            sender=a,
            member_uuids=(a.uuid, b.uuid),
        ),
        SIZE_ONLY,
    )


def test_item_bytes_crosses_each_write_unit_where_dynamodb_does(store: ConversationTable):
    # The message item's own attributes take a few hundred bytes: vary the text so the
    # computed size lands just under and just over each kilobyte boundary.
    # Past a preview's length the item also holds the sealed preview, of a fixed size once the
    # text is long: measure the rest of the item there.
    base = item_bytes(_message(400)) - 400
    for boundary in (2048, 3072):  # a text past a preview's length at each
        for target in (boundary - 1, boundary, boundary + 1):
            item = _message(target - base)
            size = item_bytes(item)
            assert size == target
            # No table index covers message items: their write units are the item's alone.
            put = client_of(store).put_item(
                TableName=store.table.name, Item=item, ReturnConsumedCapacity="TOTAL"
            )
            assert put["ConsumedCapacity"]["CapacityUnits"] == math.ceil(size / 1024), size
