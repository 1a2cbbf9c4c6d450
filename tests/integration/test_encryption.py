"""Message text is sealed before it reaches DynamoDB: nothing people write is in a raw scan, the
stream processor needs no key, rotation keeps old text readable, KMS (moto's, on 127.0.0.1)
wraps the data keys in production."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from cruddur import bootstrap, storage
from cruddur.adapters.crypto.envelope import Envelope
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.dynamodb.stores.data_keys import DataKeys
from cruddur.cli import main
from cruddur.config import Settings
from cruddur.domain import keys
from cruddur.domain.text import preview
from cruddur.errors import Unreadable
from cruddur.services import sending
from cruddur.services.context import MessagingContext
from tests.conftest import NewStore, make_user
from tests.integration.helpers import drain
from tests.own_loop import run

LONG = "The quarterly numbers look better than expected;" * 5  # past a preview's length
SHORT = "see you at the lighthouse"


def _raw_scan(settings: Settings) -> list[dict[str, Any]]:
    """The table as anyone with read access sees it: boto3, none of our code."""
    client = boto3.client(
        "dynamodb",
        endpoint_url=settings.aws_endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return list(client.scan(TableName=settings.table_name)["Items"])


def _fragments(text: str) -> list[str]:
    return [text[i : i + 12] for i in range(0, len(text) - 12, 6)]


def test_a_raw_scan_shows_no_text_nor_preview_and_the_app_reads_both(
    settings: Settings, store: ConversationTable, ctx: MessagingContext, inbox
):
    ada, bo = make_user("ada"), make_user("bo")
    group = run(sending.start_conversation(ctx, ada, bo, SHORT)).group_uuid
    run(sending.send_message(ctx, bo, group, LONG))
    drain(settings, inbox)

    dumped = json.dumps(_raw_scan(settings), default=repr)
    for fragment in _fragments(SHORT) + _fragments(LONG):
        assert fragment not in dumped
    page, _ = run(store.query_messages(group, 10))
    assert [m.text for m in page] == [LONG, SHORT]  # newest first
    row = run(store.get_inbox_row(ada.uuid, group))
    assert row is not None
    assert row.last_message == preview(LONG)
    assert row.last_message.endswith("…")


def test_the_stream_processor_copies_sealed_previews_without_any_key(
    settings: Settings, store: ConversationTable, ctx: MessagingContext, tmp_path: Path
):
    ada, bo = make_user("ada"), make_user("bo")
    group = run(sending.start_conversation(ctx, ada, bo, "first")).group_uuid
    run(sending.send_message(ctx, bo, group, LONG))
    # A processor with its own, empty data dir and no KMS: it has no key to open anything with.
    keyless = tmp_path / "processor"
    drain(settings, None, keyless)
    row = run(store.get_inbox_row(ada.uuid, group))
    assert row is not None
    assert row.last_message == preview(LONG)
    assert not keyless.exists() or not any(keyless.rglob("wrapping-keys.json"))


def test_a_rotation_seals_new_text_under_a_new_key_and_old_text_still_reads(
    settings: Settings, store: ConversationTable, ctx: MessagingContext, new_store: NewStore
):
    ada, bo = make_user("ada"), make_user("bo")
    group = run(sending.start_conversation(ctx, ada, bo, "before the rotation")).group_uuid
    target = ["--endpoint-url", str(settings.aws_endpoint_url), "--table", settings.table_name]
    rotated = CliRunner().invoke(
        main, ["keys", "rotate", *target, "--data-dir", str(settings.data_dir)]
    )
    assert rotated.exit_code == 0, rotated.output
    assert "new wrapping key" in rotated.output

    # Another API process (or this one, within a minute) seals under the new generation.
    later = bootstrap.build_messaging(settings, new_store(settings))
    run(sending.send_message(later, bo, group, "after the rotation"))
    sealed = {
        item["sk"]["S"]: bytes(item["message"]["B"])
        for item in _raw_scan(settings)
        if item["pk"]["S"] == keys.message_pk(group)
    }
    assert len({value[1:9] for value in sealed.values()}) == 2  # two generations' ids
    texts = [m.text for m in run(store.query_messages(group, 10))[0]]
    assert texts == ["after the rotation", "before the rotation"]
    listed = CliRunner().invoke(
        main, ["keys", "list", *target, "--data-dir", str(settings.data_dir)]
    )
    assert listed.output.count("cruddur-local:local-") == 2
    wrapping = json.loads((Path(settings.data_dir) / "wrapping-keys.json").read_text())
    assert len(wrapping["keys"]) == 2
    assert (Path(settings.data_dir) / "wrapping-keys.json").stat().st_mode & 0o077 == 0


def test_a_generation_ends_after_its_period_and_is_looked_up_once_a_minute(
    settings: Settings, store: ConversationTable
):
    now = [1_800_000_000.0]
    table = storage.build_table(settings, CapacityMeter())
    data_keys = DataKeys(table, Envelope(storage.build_wrapping(settings)), clock=lambda: now[0])
    first, _ = data_keys.current()
    calls = table.meter.calls
    now[0] += 30
    assert data_keys.current()[0] == first
    assert table.meter.calls == calls  # within the minute: no read
    now[0] += 31 * 86_400
    second, _ = data_keys.current()
    assert second != first
    assert [g.key_id for g in data_keys.generations()] == [first.hex(), second.hex()]


@pytest.fixture
def kms(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return boto3.client("kms", endpoint_url=moto_url, region_name="us-east-1")


def test_kms_wraps_the_data_keys_and_a_replaced_key_still_unwraps_old_ones(
    settings: Settings, store: ConversationTable, kms: Any, moto_url: str, new_store: NewStore
):
    old_arn = kms.create_key(Description="cruddur old")["KeyMetadata"]["Arn"]
    new_arn = kms.create_key(Description="cruddur new")["KeyMetadata"]["Arn"]
    on_kms = settings.model_copy(update={"kms_key_ids": old_arn, "kms_endpoint_url": moto_url})
    first = bootstrap.build_messaging(on_kms, new_store(on_kms))
    ada, bo = make_user("ada"), make_user("bo")
    group = run(sending.start_conversation(first, ada, bo, "wrapped by the old key")).group_uuid
    generations = [i for i in _raw_scan(settings) if i["pk"]["S"] == keys.DATA_KEY_PK]
    assert [g["wrapped_by"]["S"] for g in generations] == [f"kms:{old_arn}"]

    # Only the new key: the old data key does not unwrap, and the read says so (no plaintext).
    only_new = on_kms.model_copy(update={"kms_key_ids": new_arn})
    with pytest.raises(Unreadable):
        run(new_store(only_new).query_messages(group, 10))
    # The new key first, the old one still listed: old text reads, a rotation wraps with the new.
    both = on_kms.model_copy(update={"kms_key_ids": f"{new_arn},{old_arn}"})
    rotated = new_store(both)
    later = bootstrap.build_messaging(both, rotated)
    DataKeys(storage.build_table(both), Envelope(storage.build_wrapping(both))).rotate()
    run(sending.send_message(later, bo, group, "wrapped by the new key"))
    texts = [m.text for m in run(rotated.query_messages(group, 10))[0]]
    assert texts == ["wrapped by the new key", "wrapped by the old key"]
    wrapped_by = sorted(
        i["wrapped_by"]["S"] for i in _raw_scan(settings) if i["pk"]["S"] == keys.DATA_KEY_PK
    )
    assert wrapped_by == sorted([f"kms:{old_arn}", f"kms:{new_arn}"])


def test_idempotency_records_hold_a_keyed_fingerprint_not_a_hash_of_the_text(
    settings: Settings, store: ConversationTable, ctx: MessagingContext
):
    from cruddur.adapters.users.directory import UsersDirectory, make_engine
    from cruddur.adapters.users.migrations import upgrade
    from cruddur.services.sending import post_message

    upgrade(settings.users_database_url)
    users = UsersDirectory(make_engine(settings.users_database_url))
    ada, bo = make_user("ada"), make_user("bo")
    group = run(sending.start_conversation(ctx, ada, bo, "hi")).group_uuid
    idempotency = bootstrap.build_idempotency(settings, store)
    run(
        post_message(
            ctx, users, ada, SHORT, group_uuid=group, idempotency=idempotency, key="retry-1"
        )
    )
    (record,) = [i for i in _raw_scan(settings) if i["pk"]["S"].startswith(keys.IDEMPOTENCY_PREFIX)]
    request = {"handle": None, "message": SHORT, "message_group_uuid": group}
    plain = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()
    assert record["fingerprint"]["S"] != plain  # a guess of the text cannot be confirmed
