"""Retention: with CRUDDUR_RETENTION_DAYS a message carries the table's TTL attribute; once
past it no read shows it, before DynamoDB deletes it — a page, one message, a reply's quote, an
edit, a reply to it, the export; the inbox says it expired; the stream passes over TTL
deletions. (tests/unit/test_retention.py has each read path on the fakes.)"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

from cruddur.domain import keys
from cruddur.domain.clock import utc_now
from cruddur.stream.records import message_of
from tests.e2e.conftest import Api, Member, eventually, running, snapshot, stream_caught_up
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


def test_the_export_leaves_out_what_expired_and_no_change_brings_it_back(settings, store):
    with running(settings, store, retention_days=30) as api:
        ada, bob = api.signup(), api.signup()
        old = api.send(ada, handle=bob.handle, message="old news")
        group = old["message_group_uuid"]
        ctx = api.runtime.messaging
        sent_at = utc_now()
        ctx.clock = lambda: sent_at + timedelta(days=20)
        api.send(bob, message_group_uuid=group, message="about that", reply_to=old["uuid"])
        # Thirty-one days after the first message: its retention has passed, the reply's not.
        ctx.clock = lambda: sent_at + timedelta(days=31)
        document, page = _export(api, ada)
        [conversation] = document["conversations"]
        [kept] = conversation["messages"]
        assert kept["text"] == "about that"
        assert kept["reply_to"] == {"uuid": old["uuid"], "preview": "", "deleted": True}
        assert "old news" not in page
        # Nor does a change bring it back: an edit finds nothing, a reply to it is refused, and
        # neither writes.
        stream_caught_up(api, group, ada.uuid, bob.uuid)
        before = snapshot(api)
        edit = api.http.patch(
            f"/api/messages/{group}/{old['uuid']}", json={"message": "revived"}, headers=ada.auth
        )
        assert edit.status_code == 404, edit.text
        body = {"message": "still?", "message_group_uuid": group, "reply_to": old["uuid"]}
        answer = api.http.post("/api/messages", json=body, headers=bob.auth)
        assert answer.status_code == 400, answer.text
        assert snapshot(api) == before


def _export(api: Api, member: Member) -> tuple[dict[str, Any], str]:
    response = api.http.get("/api/me/export", headers=member.auth)
    assert response.status_code == 200, response.text
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    document: dict[str, Any] = json.loads(archive.read("cruddur-export.json"))
    return document, archive.read("index.html").decode()


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
