"""What `cruddur cost` prices for a group's message, against DynamoDB Local: the stream writes
each member's row once (50 rows for a group of 50) and reads the membership item once a batch,
at the read units of its size as sizes.py computes it; a row of a group stays within one write
unit."""

from __future__ import annotations

import math
import time
from collections import Counter

from cruddur import storage
from cruddur.adapters.dynamodb.attributes import to_attrs
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.dynamodb.stores.inbox_rows import InboxUpdates
from cruddur.config import Settings
from cruddur.costs.sizes import item_bytes, sample_group_sizes
from cruddur.domain import keys
from cruddur.services import groups, sending
from cruddur.services.context import MessagingContext
from cruddur.stream.processor import process_records
from tests.boto import client_of
from tests.fakes import FakeDirectory
from tests.integration.helpers import counted_calls
from tests.integration.records import insert_record
from tests.own_loop import run


def test_a_message_into_a_group_of_50_writes_50_rows_and_reads_its_members_once(
    ctx: MessagingContext, store: ConversationTable, settings: Settings
):
    directory = FakeDirectory()
    people = [directory.add(f"member{index:02d}") for index in range(50)]
    handles = [p.handle for p in people[1:]]
    conversation, _ = run(groups.start(ctx, directory, people[0], handles))
    group = conversation.entry.group_uuid
    meter = CapacityMeter()
    # One UpdateItem a row, as DynamoDB bills each of the processor's PartiQL statements:
    # DynamoDB Local reports no capacity for BatchExecuteStatement.
    inbox = InboxUpdates(storage.build_table(settings, meter), statements=False)
    calls = counted_calls(inbox)
    sent = [run(sending.send_message(ctx, people[i], group, "x" * 100)) for i in range(3)]

    result = process_records(
        [insert_record(message, 100 + i, store.sealer) for i, message in enumerate(sent)], inbox
    )

    assert result.failed == []
    # Three messages coalesced: one conditional update of each member's row, one read of the
    # membership item for the batch.
    assert calls == Counter({"UpdateItem": 50, "GetItem": 1})
    assert inbox.groups.reads == 1
    members = client_of(store).get_item(
        TableName=store.table.name, Key=to_attrs(keys.members_key(group)), ConsistentRead=True
    )["Item"]
    size = item_bytes(members)
    # A consistent read: a unit per 4 KB of the item, as the cost model's sizes say.
    assert meter.read_units == math.ceil(size / 4096)
    modelled, row = sample_group_sizes(50, 100)
    assert math.ceil(modelled / 4096) == math.ceil(size / 4096)
    assert row < 1024
    # Each row under 1 KB: its update and its index entry moving (out, in) are 3 units.
    assert meter.write_units == 50 * 3


def test_a_single_message_reads_the_membership_item_again_in_each_batch(
    ctx: MessagingContext, store: ConversationTable, settings: Settings
):
    directory = FakeDirectory()
    people = [directory.add(f"person{index}") for index in range(3)]
    conversation, _ = run(groups.start(ctx, directory, people[0], [p.handle for p in people[1:]]))
    group = conversation.entry.group_uuid
    inbox = InboxUpdates(storage.build_table(settings, CapacityMeter()))
    calls = counted_calls(inbox)
    for index in range(3):
        message = run(sending.send_message(ctx, people[index], group, f"hello {index}"))
        record = insert_record(message, 200 + index, store.sealer)
        record["dynamodb"]["ApproximateCreationDateTime"] = float(int(time.time()))  # as AWS's
        assert process_records([record], inbox).failed == []
    # A kept copy serves only records written over a minute before it was read: live traffic's
    # never are, so each batch of a group reads its membership item again.
    assert inbox.groups.reads == 3
    # Each batch's three rows in one call of three PartiQL statements.
    assert calls == Counter({"BatchExecuteStatement": 3, "GetItem": 3})
