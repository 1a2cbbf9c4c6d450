"""Your data: the export holds everything you see; erasure makes what you wrote unreadable
everywhere — the live table and a raw copy of it (a backup), restored under another name too —
while the other member's words still open; and a wrong password changes nothing."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from click.testing import CliRunner

from cruddur import storage
from cruddur.adapters.dynamodb import message_items
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.adapters.dynamodb.attributes import USER_UUID
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.cli import main
from cruddur.config import Settings
from cruddur.errors import Erased
from tests.boto import control_of
from tests.e2e.conftest import Api, Member, eventually, running, snapshot
from tests.e2e.test_api_attachments import jpeg_with_gps, upload
from tests.e2e.test_api_chat import inbox_row, messages
from tests.e2e.test_restore import _restore_copy
from tests.own_loop import in_own_thread

PASSWORD = "correct horse battery"
SECRET = "the combination is 4-8-15-16"


def _talk(api: Api) -> tuple[Member, Member, str, list[dict[str, Any]]]:
    ada, bob = api.signup(), api.signup()
    first = api.send(ada, handle=bob.handle, message=SECRET)
    group = first["message_group_uuid"]
    reply = api.send(bob, message_group_uuid=group, message="noted", reply_to=first["uuid"])
    photo = upload(api, ada, group, "holiday.jpg", jpeg_with_gps((40, 30)))
    with_photo = api.send(ada, message_group_uuid=group, message="look", attachments=[photo])
    edited = api.http.patch(
        f"/api/messages/{group}/{with_photo['uuid']}", json={"message": "look at this"},
        headers=ada.auth,
    )  # fmt: skip
    assert edited.status_code == 200
    react = f"/api/messages/{group}/{reply['uuid']}/reactions/%F0%9F%91%8D"
    assert api.http.put(react, headers=ada.auth).status_code == 204
    api.send(bob, message_group_uuid=group, message="bob's own words")
    eventually(lambda: (inbox_row(api, ada, group) or {}).get("message") == "bob's own words")
    eventually(lambda: (inbox_row(api, bob, group) or {}).get("message") == "bob's own words")
    return ada, bob, group, [first, reply, with_photo]


def test_the_export_holds_every_conversation_message_and_file(api: Api):
    ada, bob, group, _ = _talk(api)
    response = api.http.get("/api/me/export", headers=ada.auth)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    document = json.loads(archive.read("cruddur-export.json"))
    assert document["profile"]["handle"] == ada.handle
    [conversation] = document["conversations"]
    assert conversation["uuid"] == group
    assert conversation["with"]["handle"] == bob.handle
    assert conversation["read_until"] is None  # Ada never opened it since Bob wrote
    assert conversation["other_read_until"] is None or conversation["other_read_at"]
    texts = [m["text"] for m in conversation["messages"]]
    assert texts == [SECRET, "noted", "look at this", "bob's own words"]
    shown = conversation["messages"]
    assert shown[1]["reply_to"]["preview"] == SECRET
    assert shown[1]["reactions"] == [{"emoji": "👍", "count": 1, "mine": True}]
    assert shown[2]["edited_at"] is not None
    [photo] = shown[2]["attachments"]
    assert archive.read(photo["file"])[:3] == b"\xff\xd8\xff"
    page = archive.read("index.html").decode()
    assert SECRET in page
    assert "<script" not in page
    # Once an hour.
    again = api.http.get("/api/me/export", headers=ada.auth)
    assert again.status_code == 429
    # Bob read it all: his export says how far, and Ada's position is "Seen" in it.
    assert api.http.post(f"/api/message_groups/{group}/read", headers=bob.auth).status_code == 204
    theirs = api.http.get("/api/me/export", headers=bob.auth)
    [read] = json.loads(zipfile.ZipFile(io.BytesIO(theirs.content)).read("cruddur-export.json"))[
        "conversations"
    ]
    assert read["read_until"] == read["messages"][-1]["created_at"]
    assert read["read_at"] is not None


def _opens(settings: Settings, raw: list[dict[str, Any]], author: str) -> tuple[int, int]:
    """Of the sealed values of `author`'s message items in `raw`: how many open, how many are
    erased, with every key the system still holds."""
    sealer = storage.build_sealer(settings)
    opened = erased = 0
    for item in raw:
        if item.get(USER_UUID, {}).get("S") != author or not item["pk"]["S"].startswith("MSG#"):
            continue
        for value in message_items.opened_fields(item, sealer).values():
            if value.startswith("unreadable"):
                erased += 1
            else:
                opened += 1
        try:
            message_items.sender_of(item, sealer)
        except Erased:  # pragma: no cover - sender_of answers "Deleted account" instead
            erased += 1
    return opened, erased


def test_erasure_reaches_a_backup_and_leaves_the_other_members_words(
    api: Api, settings: Settings, store: ConversationTable
):
    ada, bob, group, _ = _talk(api)
    backup = snapshot(api)  # every item, as a backup holds them
    assert _opens(settings, backup, ada.uuid)[0] > 0
    # A wrong password (or none) changes nothing.
    for body in ({"password": "not it at all"}, {}):
        refused = api.http.request("DELETE", "/api/me", json=body, headers=ada.auth)
        assert refused.status_code == 403, refused.text
    assert snapshot(api) == backup
    photo_url = messages(api, bob, group)[2]["attachments"][0]["url"]
    assert api.http.get(photo_url).status_code == 200

    gone = api.http.request("DELETE", "/api/me", json={"password": PASSWORD}, headers=ada.auth)
    assert gone.status_code == 204, gone.text
    # Signed out everywhere, and no sign-in.
    assert api.http.get("/api/me", headers=ada.auth).status_code in {401, 403}
    login = api.http.post("/api/auth/login", json={"handle": ada.handle, "password": PASSWORD})
    assert login.status_code == 401
    # Bob's view: her messages read as a deleted account, his own as before; the row stays.
    shown = messages(api, bob, group)
    assert [(m["display_name"], m["message"]) for m in shown if m["deleted"]] == [
        ("Deleted account", ""),
        ("Deleted account", ""),
    ]
    mine = [m["message"] for m in shown if not m["deleted"]]
    assert mine == ["noted", "bob's own words"]
    assert shown[1]["reply_to"]["deleted"] is True
    assert shown[1]["reply_to"]["preview"] == ""
    row = inbox_row(api, bob, group)
    assert row is not None
    assert row["display_name"] == "Deleted account"
    assert ada.handle not in json.dumps(row)
    assert api.http.get(photo_url).status_code == 404  # her files are gone
    # The backup taken before: nothing of hers opens with any key still held; his does.
    opened, erased = _opens(settings, backup, ada.uuid)
    assert opened == 0
    assert erased >= 5  # texts, previews, names, the file list
    assert _opens(settings, backup, bob.uuid)[0] >= 2
    assert SECRET not in json.dumps(snapshot(api), default=str)
    # Restored under another name, as a point-in-time restore makes it: the same.
    restored = _restore_copy(store, settings.table_name)
    try:
        with running(settings, store, table_name=restored) as copy:
            page = copy.http.get(f"/api/messages/{group}", headers=bob.auth)
            assert page.status_code == 200
            assert [m["message"] for m in page.json() if not m["deleted"]] == mine
        scanned = in_own_thread(
            lambda: CliRunner().invoke(
                main,
                ["ddb", "scan", "--decrypt", "--endpoint-url", str(settings.aws_endpoint_url),
                 "--table", restored, "--data-dir", str(settings.data_dir)],
                catch_exceptions=False,
            )
        )  # fmt: skip
        assert scanned.exit_code == 0, scanned.output
        assert SECRET not in scanned.output
        assert "look at this" not in scanned.output
        assert "unreadable: its author's account was deleted" in scanned.output
        assert "bob's own words" in scanned.output
    finally:
        dynamo_schema.drop_table(control_of(store), restored)
    # Her handle is free: a new account takes it and sees nothing of the old one.
    newcomer = api.signup(ada.handle)
    assert newcomer.uuid != ada.uuid
    assert api.http.get("/api/message_groups", headers=newcomer.auth).json() == []
    assert api.http.get(f"/api/messages/{group}", headers=newcomer.auth).status_code == 404
    # Bob cannot write to the deleted account; to her handle now is to the newcomer.
    body = {"message_group_uuid": group, "message": "hello?"}
    assert api.http.post("/api/messages", json=body, headers=bob.auth).status_code == 403
    fresh = api.send(bob, handle=ada.handle, message="hello?")
    assert fresh["message_group_uuid"] != group
