"""Retention: with CRUDDUR_RETENTION_DAYS a message carries the table's TTL attribute; once
past it no read shows it, before DynamoDB deletes it; the inbox says it expired; the stream
passes over TTL deletions."""

from __future__ import annotations

from datetime import timedelta

from cruddur.domain import keys
from cruddur.domain.clock import utc_now
from cruddur.stream.records import message_of
from tests.e2e.conftest import eventually, running
from tests.e2e.test_api_chat import inbox_row, messages
from tests.e2e.test_api_reactions import stored


def test_expired_messages_are_never_shown_and_the_inbox_says_so(settings, store):
    with running(settings, store, retention_days=30) as api:
        ada, bob = api.signup(), api.signup()
        first = api.send(ada, handle=bob.handle, message="old news")
        group = first["message_group_uuid"]
        expires = int(stored(api, group, first)[keys.EXPIRES_AT]["N"])
        assert abs(expires - (utc_now().timestamp() + 30 * 86_400)) < 120
        eventually(lambda: (inbox_row(api, bob, group) or {}).get("message") == "old news")
        # Thirty-one days on (DynamoDB's TTL may take two more to delete it).
        ctx = api.runtime.messaging
        ctx.clock = lambda: utc_now() + timedelta(days=31)
        assert messages(api, bob, group) == []
        one = api.http.get(f"/api/messages/{group}/{first['uuid']}", headers=bob.auth)
        assert one.status_code == 404
        row = inbox_row(api, bob, group)
        assert row is not None
        assert (row["message"], row["expired"]) == ("", True)
        # A new message is shown, with its own expiry.
        fresh = api.send(bob, message_group_uuid=group, message="new news")
        assert [m["uuid"] for m in messages(api, ada, group)] == [fresh["uuid"]]


def test_without_retention_messages_carry_no_expiry(api):
    ada, bob = api.signup(), api.signup()
    first = api.send(ada, handle=bob.handle, message="kept")
    assert keys.EXPIRES_AT not in stored(api, first["message_group_uuid"], first)


def test_a_ttl_deletion_is_no_user_delete_for_the_stream():
    record = {
        "eventName": "REMOVE",
        "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
        "dynamodb": {"Keys": {"pk": {"S": "MSG#g"}, "sk": {"S": "x"}}, "SequenceNumber": "1"},
    }
    assert message_of(record) is None
