"""`cruddur stream redrive`: the local poller's dead letters, and the Lambda's on-failure queue
(moto's SQS) over DynamoDB Local's real stream."""

from __future__ import annotations

import json
from typing import Any

from cruddur import storage
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.domain import keys
from cruddur.domain.model import UserRef
from cruddur.services import group_changes, groups, sending
from cruddur.services.context import MessagingContext
from cruddur.stream.redrive import Redrive
from tests.boto import client_of
from tests.conftest import make_user
from tests.fakes import FakeDirectory
from tests.integration.helpers import drain
from tests.integration.test_cli import run as cli
from tests.integration.test_cli import target
from tests.own_loop import run


def drop_row(store: Any, owner: UserRef, group: str) -> None:
    client_of(store).delete_item(
        TableName=store.table.name,
        Key={k: {"S": v} for k, v in keys.inbox_key(owner.uuid, group).items()},
    )


def shown(store: Any, owner: UserRef, group: str) -> str | None:
    row = run(store.get_inbox_row(owner.uuid, group))
    return None if row is None else row.last_message


def test_local_dead_letters_are_mended_and_removed(ctx: MessagingContext, settings, store):
    alice, bob = make_user("alice"), make_user("bob")
    group = run(sending.start_conversation(ctx, alice, bob, "hi")).group_uuid
    drain(settings, None)
    drop_row(store, bob, group)  # bob's row is gone: the reply can never apply to it
    run(sending.send_message(ctx, alice, group, "are you there?"))
    poller = drain(settings, None)
    assert len(poller.dead_letters.entries()) == 1
    args = ["stream", "redrive", *target(settings), "--data-dir", str(settings.data_dir)]

    first = cli(*args)
    again = cli(*args)

    assert first.exit_code == 0, first.output
    assert "1 failed batches redriven" in first.output
    assert "1 conversations rebuilt (1 rows changed), 0 left" in first.output
    assert poller.dead_letters.entries() == []
    assert shown(store, bob, group) == "are you there?"
    assert "0 failed batches redriven" in again.output


def stream_records(settings) -> tuple[str, list[dict[str, Any]]]:
    """Every record on the table's stream now: (stream arn, records with their shard)."""
    streams = AwsClients(settings).streams_wire
    arn = dynamo_schema.stream_arn(AwsClients(settings).wire, settings.table_name)
    found = []
    description = streams.call("DescribeStream", {"StreamArn": arn})["StreamDescription"]
    for shard in description["Shards"]:
        iterator = streams.call(
            "GetShardIterator",
            {"StreamArn": arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"},
        )["ShardIterator"]
        for _ in range(20):
            page = streams.call("GetRecords", {"ShardIterator": iterator})
            found += [{**r, "shard": shard["ShardId"]} for r in page.get("Records", [])]
            iterator = page.get("NextShardIterator")
            if not iterator or not page.get("Records"):
                break
    return arn, found


def failure(arn: str, shard: str, first: str, last: str, at: str) -> str:
    """What Lambda sends its on-failure destination for a stream batch it gave up on."""
    return json.dumps(
        {
            "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 3},
            "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": at,
            "DDBStreamBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": first,
                "endSequenceNumber": last,
                "approximateArrivalOfFirstRecord": at,
                "approximateArrivalOfLastRecord": at,
                "batchSize": 2,
                "streamArn": arn,
            },
        }
    )


def test_the_on_failure_queue_is_redriven_from_the_stream_or_by_rebuilding(
    ctx: MessagingContext, settings, store, moto_url
):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    group = run(sending.start_conversation(ctx, alice, bob, "hi")).group_uuid
    other = run(sending.start_conversation(ctx, carol, bob, "hello")).group_uuid
    drain(settings, None)
    # Two messages the Lambda gave up on: their records are still on the stream.
    arn, before = stream_records(settings)
    run(sending.send_message(ctx, alice, group, "one"))
    sent = run(sending.send_message(ctx, alice, group, "two"))
    _, after = stream_records(settings)
    failed = [
        r
        for r in after
        if r["dynamodb"]["SequenceNumber"] not in {b["dynamodb"]["SequenceNumber"] for b in before}
    ]
    # And a batch the stream no longer holds (its shard is gone), from the time carol's
    # conversation lost bob's row.
    drop_row(store, bob, other)
    settings = settings.model_copy(update={"sqs_endpoint_url": moto_url})
    sqs = AwsClients(settings).sqs()
    url = sqs.create_queue(QueueName="stream-failures")["QueueUrl"]
    seqs = [r["dynamodb"]["SequenceNumber"] for r in failed]
    now = sent.created_at
    sqs.send_message(
        QueueUrl=url, MessageBody=failure(arn, failed[0]["shard"], seqs[0], seqs[-1], now)
    )
    gone = failure(arn, "shardId-00000001700000000000-00000000", "1" * 21, "2" * 21, now)
    sqs.send_message(QueueUrl=url, MessageBody=gone)
    sqs.send_message(QueueUrl=url, MessageBody="not a failure record")
    meter = CapacityMeter()
    mend = Redrive(
        storage.build_inbox_updates(settings, meter),
        storage.build_inbox_repair(settings, meter),
    )

    report = mend.queue(sqs, url, AwsClients(settings).streams_wire)

    assert report.batches == 3
    assert report.reapplied >= 2
    assert report.repaired >= 1
    assert report.left == 1
    assert shown(store, bob, group) == "two"
    assert shown(store, bob, other) == "hello"  # rebuilt
    # The two mended messages are deleted; the bad one stays, hidden until its timeout ends.
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == "0"
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "1"


def test_a_group_members_lost_row_is_dead_lettered_and_rebuilt_a_removed_ones_is_not(
    ctx: MessagingContext, settings, store
):
    directory = FakeDirectory()
    ada, bruno, chen, dana = (directory.add(name) for name in ("ada", "bruno", "chen", "dana"))
    started, _ = run(groups.start(ctx, directory, ada, [bruno.handle, chen.handle, dana.handle]))
    group = started.entry.group_uuid
    drain(settings, None)
    # Dana is removed (her row goes with her membership, in one transaction): nothing to mend.
    run(group_changes.remove_member(ctx, ada, group, dana.handle))
    drain(settings, None)
    # Bruno's row is lost while he is still a member: the stream must not pass over it.
    drop_row(store, bruno, group)
    run(sending.send_message(ctx, chen, group, "still there?"))
    poller = drain(settings, None)
    assert len(poller.dead_letters.entries()) == 1
    assert shown(store, chen, group) == "still there?"  # the other rows landed

    done = cli("stream", "redrive", *target(settings), "--data-dir", str(settings.data_dir))

    assert done.exit_code == 0, done.output
    assert poller.dead_letters.entries() == []
    assert shown(store, bruno, group) == "still there?"
    assert shown(store, dana, group) is None  # never brought back
