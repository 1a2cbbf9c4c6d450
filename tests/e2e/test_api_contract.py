"""The API's contract, walked over every route rather than sampled: each JSON body refuses every
wrong-typed value (422, the JSON error body naming the field, nothing written); a 405's Allow
names every method its path takes; and /openapi.json says what the server enforces (the rate
limits each route is held to, the formats, the limits of a page, a message, a file)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.routing import BaseRoute, Mount, Route, compile_path

from cruddur.api.emoji_pattern import emoji_pattern
from cruddur.api.errors import METHODS
from cruddur.api.http_protocol import MAX_HEAD_BYTES
from cruddur.api.params import RATE_LIMITS
from cruddur.api.schemas.common import HANDLE_PATTERN
from cruddur.app import create_app
from cruddur.errors import TooManyAttempts
from tests.e2e.conftest import Api, Member, eventually, snapshot

PASSWORD = "correct horse battery"  # Api.signup's


@dataclass
class World:
    """A conversation with a message in it, and the people the requests name."""

    member: Member
    peer: Member
    bystander: Member  # blocked and unblocked: blocking the peer would close the conversation
    leaver: Member  # signs out: not the token the other requests use
    group: str
    message: str
    team: str  # a group of the member (its admin), the peer and `spare`
    spare: Member  # removed from the team by the requests
    newcomer: Member  # added to it


def _team(api: Api, member: Member, *others: Member) -> str:
    body = {"handles": [m.handle for m in others]}
    response = api.http.post("/api/message_groups", json=body, headers=member.auth)
    assert response.status_code == 201, response.text
    group: str = response.json()["uuid"]
    return group


@pytest.fixture
def world(api: Api) -> World:
    member, peer = api.signup(), api.signup()
    sent = api.send(member, message="the first", handle=peer.handle)
    # The stream's inbox rows written: a snapshot taken now changes only if a request writes.
    group = sent["message_group_uuid"]
    spare = api.signup()
    team = _team(api, member, peer, spare)
    eventually(lambda: all(_in_inbox(api, who, group) for who in (member, peer)))
    return World(
        member, peer, api.signup(), api.signup(), group, sent["uuid"], team, spare, api.signup()
    )


def _in_inbox(api: Api, member: Member, group: str) -> bool:
    rows = api.http.get("/api/message_groups", headers=member.auth).json()
    return any(row["uuid"] == group for row in rows)


# A browser's key as `PushSubscription.toJSON()` gives it: a P-256 point, base64url.
P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"


def _requests(w: World) -> dict[str, dict[str, Any]]:
    """One valid request per operationId: path parameters, and the JSON body where one is taken."""
    message = {"message_group_uuid": w.group, "message_uuid": w.message}
    return {
        "signUp": {"json": {"handle": "contract_new", "display_name": "New", "password": PASSWORD,
                            "email": "contract_new@example.org"}},
        "logIn": {"json": {"handle": w.member.handle, "password": PASSWORD}},
        "logOut": {"auth": w.leaver},
        "getMe": {}, "getJwks": {}, "exportMe": {}, "listBlocks": {},
        "deleteMe": {"json": {"password": "not the password"}},  # 403: nothing erased
        "getUserShort": {"path": {"handle": w.peer.handle}},
        "blockUser": {"path": {"handle": w.bystander.handle}},
        "unblockUser": {"path": {"handle": w.bystander.handle}},
        "listConversations": {},
        "getConversation": {"path": {"message_group_uuid": w.group}},
        "changeConversation": {"path": {"message_group_uuid": w.group}, "json": {"muted": True}},
        "markConversationRead": {"path": {"message_group_uuid": w.group}},
        "sendTyping": {"path": {"message_group_uuid": w.group}},
        "beginUpload": {"path": {"message_group_uuid": w.group},
                        "json": {"name": "a.txt", "content_type": "text/plain", "size": 3}},
        "receiveUpload": {"files": {"key": (None, "k"), "file": ("a.txt", b"abc")}},
        "listMessages": {"path": {"message_group_uuid": w.group}},
        "getMessage": {"path": message},
        "editMessage": {"path": message, "json": {"message": "edited"}},
        "deleteMessage": {"path": message},
        "putReaction": {"path": {**message, "emoji": "👍"}},
        "deleteReaction": {"path": {**message, "emoji": "👍"}},
        "sendMessage": {"json": {"message": "hello", "message_group_uuid": w.group}},
        "startConversation": {"json": {"handles": [w.peer.handle, w.newcomer.handle]}},
        "addMembers": {"path": {"message_group_uuid": w.team},
                       "json": {"handles": [w.newcomer.handle]}},
        "removeMember": {"path": {"message_group_uuid": w.team, "handle": w.spare.handle}},
        "setMemberRole": {"path": {"message_group_uuid": w.team, "handle": w.peer.handle},
                          "json": {"role": "admin"}},
        "pushKey": {},
        "pushSubscribe": {"json": {"endpoint": "https://fcm.googleapis.com/fcm/send/contract",
                                   "expirationTime": None,
                                   "keys": {"p256dh": P256DH, "auth": "MDEyMzQ1Njc4OWFiY2RlZg"}}},
        "pushUnsubscribe": {"json": {"endpoint": "https://fcm.googleapis.com/fcm/send/contract"}},
        "getHealth": {}, "getReadiness": {},
    }  # fmt: skip


# Chosen, stable names (not FastAPI's generated `send_message_api_messages_post`): clients
# generated from the document call them, so a rename is a change of the contract.
OPERATION_IDS = {
    "POST /api/auth/signup": "signUp",
    "POST /api/auth/login": "logIn",
    "POST /api/auth/logout": "logOut",
    "GET /api/me": "getMe",
    "DELETE /api/me": "deleteMe",
    "GET /api/me/export": "exportMe",
    "GET /.well-known/jwks.json": "getJwks",
    "GET /api/users/@{handle}/short": "getUserShort",
    "POST /api/users/@{handle}/block": "blockUser",
    "DELETE /api/users/@{handle}/block": "unblockUser",
    "GET /api/blocks": "listBlocks",
    "GET /api/message_groups": "listConversations",
    "GET /api/message_groups/{message_group_uuid}": "getConversation",
    "PATCH /api/message_groups/{message_group_uuid}": "changeConversation",
    "POST /api/message_groups/{message_group_uuid}/read": "markConversationRead",
    "POST /api/message_groups/{message_group_uuid}/typing": "sendTyping",
    "POST /api/message_groups/{message_group_uuid}/attachments": "beginUpload",
    "POST /api/uploads": "receiveUpload",
    "GET /api/messages/{message_group_uuid}": "listMessages",
    "GET /api/messages/{message_group_uuid}/{message_uuid}": "getMessage",
    "PATCH /api/messages/{message_group_uuid}/{message_uuid}": "editMessage",
    "DELETE /api/messages/{message_group_uuid}/{message_uuid}": "deleteMessage",
    "PUT /api/messages/{message_group_uuid}/{message_uuid}/reactions/{emoji}": "putReaction",
    "DELETE /api/messages/{message_group_uuid}/{message_uuid}/reactions/{emoji}": "deleteReaction",
    "POST /api/messages": "sendMessage",
    "POST /api/message_groups": "startConversation",
    "POST /api/message_groups/{message_group_uuid}/members": "addMembers",
    "DELETE /api/message_groups/{message_group_uuid}/members/@{handle}": "removeMember",
    "PATCH /api/message_groups/{message_group_uuid}/members/@{handle}": "setMemberRole",
    "GET /api/push/key": "pushKey",
    "POST /api/push/subscriptions": "pushSubscribe",
    "DELETE /api/push/subscriptions": "pushUnsubscribe",
    "GET /healthz": "getHealth",
    "GET /readyz": "getReadiness",
}


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def _call(api: Api, w: World, method: str, path: str, request: dict[str, Any]) -> Any:
    for name, value in request.get("path", {}).items():
        path = path.replace("{" + name + "}", value)
    auth = request.get("auth", w.member).auth
    extra = {key: request[key] for key in ("json", "files") if key in request}
    return api.http.request(method, path, headers=auth, **extra)


def _body_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    ref = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    schema: dict[str, Any] = document["components"]["schemas"][ref]
    return schema


def _declared(schema: dict[str, Any]) -> tuple[str, bool]:
    """A property's JSON type, and whether null is one of its values."""
    branches = schema.get("anyOf", [schema])
    types = [branch.get("type", "object" if "$ref" in branch else None) for branch in branches]
    return next(t for t in types if t != "null"), "null" in types


# Values of every other JSON type, for each declared one (1.0 is a float, not an integer).
WRONG: dict[str, list[Any]] = {
    "boolean": [0, 1, 1.0, "true", "yes", [], {}],
    "integer": ["12", 12.5, 1.0, True, [], {}],
    "string": [12, 1.5, True, [], {}],
    "array": ["x", 1, True, {}, [1], [True], [None], [{}]],
    "number": ["12", True, [], {}],
    "object": ["x", 1, 1.5, True, []],
}


def test_every_json_body_refuses_every_wrong_type_and_writes_nothing(api: Api, world: World):
    document = api.http.get("/openapi.json").json()
    requests = _requests(world)
    before, users = snapshot(api), api.runtime.users.count()
    walked = set()
    for method, path, operation in _operations(document):
        schema = _body_schema(document, operation)
        if schema is None:
            continue
        operation_id = OPERATION_IDS[f"{method} {path}"]
        walked.add(operation_id)
        valid = requests[operation_id]
        for name, prop in schema["properties"].items():
            kind, nullable = _declared(prop)
            for wrong in WRONG[kind] + ([] if nullable else [None]):
                request = {**valid, "json": {**valid["json"], name: wrong}}
                response = _call(api, world, method, path, request)
                case = (method, path, name, wrong, response.text)
                assert response.status_code == 422, case
                errors = response.json()["errors"]
                assert errors[0]["code"] == "invalid", case
                assert errors[0]["field"].split(".")[0] == name, case
    assert walked == {"signUp", "logIn", "deleteMe", "changeConversation", "beginUpload",
                      "editMessage", "sendMessage", "startConversation", "addMembers",
                      "setMemberRole", "pushSubscribe", "pushUnsubscribe"}  # fmt: skip
    assert snapshot(api) == before
    assert api.runtime.users.count() == users


def test_the_inbox_choices_of_issue_40_are_refused(api: Api, world: World):
    url = f"/api/message_groups/{world.group}"
    before = snapshot(api)
    for body in ({"pinned": 0}, {"muted": "yes"}, {"archived": 1.0}, {"muted": None}):
        response = api.http.patch(url, json=body, headers=world.member.auth)
        assert response.status_code == 422, (body, response.text)
    size = {"name": "a.txt", "content_type": "text/plain", "size": "12"}
    response = api.http.post(f"{url}/attachments", json=size, headers=world.member.auth)
    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "size")
    assert snapshot(api) == before


def _routes(routes: list[BaseRoute]) -> Iterator[tuple[str, frozenset[str]]]:
    """Every route of the app as (path, methods), into the routers FastAPI includes."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)
        elif isinstance(route, Mount):
            yield route.path + "/{rest:path}", frozenset({"GET", "HEAD"})  # the static files
        else:
            assert isinstance(route, Route), route
            yield route.path, frozenset(route.methods or ())


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(:path)?\}", lambda m: "a/b" if m.group(2) else "x", path)


def test_a_405_names_every_method_its_path_takes(api: Api):
    app = create_app(api.runtime.settings, api.runtime)  # the served app's twin: its routes
    routes = list(_routes(app.routes))
    assert len(routes) > 30
    for template, _ in routes:
        path = _concrete(template)
        allowed = set().union(
            *(methods for other, methods in routes if compile_path(other)[0].match(path))
        )
        for method in set(METHODS) - allowed:
            response = api.http.request(method, path)
            assert response.status_code == 405, (method, path, response.text)
            assert set(response.headers["Allow"].split(", ")) == allowed, (method, path)
            if method != "HEAD":
                assert response.json()["errors"][0]["code"] == "method_not_allowed"


def test_each_rate_limited_operation_is_documented_with_its_limits(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch
):
    document = api.http.get("/openapi.json").json()
    limits = api.runtime.limits
    assert api.runtime.messaging.limits is limits
    asked: list[str] = []

    def refuse(name: str, *subject: str, **_: Any) -> None:
        asked.append(name)
        raise TooManyAttempts(limits.rules[name].says, retry_after=7)

    # Every limit refuses: a route that asks any of them answers 429, one that asks none does not.
    monkeypatch.setattr(limits, "hit", refuse)
    monkeypatch.setattr(limits, "check", refuse)
    requests = _requests(world)
    documented_names = set()
    for method, path, operation in _operations(document):
        asked.clear()
        response = _call(api, world, method, path, requests[OPERATION_IDS[f"{method} {path}"]])
        limited = operation["responses"].get("429")
        names = set(limited[RATE_LIMITS]) if limited else set()
        documented_names |= names
        case = (method, path, response.status_code, response.text)
        assert (response.status_code == 429) == bool(names), case
        assert set(asked) <= names, case
        if limited:
            assert response.headers["Retry-After"] == "7", case
            assert "Retry-After" in limited["headers"], case
            for name in names:
                assert f"more than {limits.rules[name].count} per" in limited["description"]
    # The live-update stream's limit guards /web/events, a page's route outside the document.
    assert documented_names == set(limits.rules) - {"stream_opens"}


def test_the_document_says_what_the_server_enforces(api: Api):
    document = api.http.get("/openapi.json").json()
    ids = {f"{method} {path}": op["operationId"] for method, path, op in _operations(document)}
    assert ids == OPERATION_IDS
    formats: dict[str, dict[str, Any]] = {
        "message_group_uuid": {"format": "uuid"},
        "message_uuid": {"format": "uuid"},
        "handle": {"pattern": HANDLE_PATTERN},
        "emoji": {"$ref": "#/components/schemas/Emoji"},
        "limit": {"maximum": api.runtime.messaging.page_max, "minimum": 1},
    }
    for method, path, operation in _operations(document):
        for status in ("408", "413", "431"):
            assert status in operation["responses"], (method, path, status)
        for parameter in operation.get("parameters", []):
            for key, value in formats.get(parameter["name"], {}).items():
                assert parameter["schema"].get(key) == value, (method, path, parameter)
        for name in re.findall(r"\{(\w+)\}", path):
            assert name in formats, (method, path, name)
    schemas = document["components"]["schemas"]
    assert schemas["Emoji"]["pattern"] == emoji_pattern()
    assert (
        str(MAX_HEAD_BYTES)
        in document["paths"]["/healthz"]["get"]["responses"]["431"]["description"]
    )
    send = schemas["MessageCreate"]
    assert [branch["required"] for branch in send["oneOf"]] == [["message_group_uuid"], ["handle"]]
    assert send["properties"]["message"]["maxLength"] == api.runtime.messaging.max_chars
    assert schemas["ConversationChange"]["minProperties"] == 1
    assert "null" not in str(schemas["ConversationChange"]["properties"])
    shelf = api.runtime.messaging.shelf
    assert shelf is not None
    assert schemas["AttachmentCreate"]["properties"]["size"]["maximum"] == shelf.max_bytes


def test_the_upload_form_is_documented_as_the_server_issues_it(api: Api, world: World):
    document = api.http.get("/openapi.json").json()
    upload = document["paths"]["/api/uploads"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    begun = api.http.post(
        f"/api/message_groups/{world.group}/attachments",
        json={"name": "a.txt", "content_type": "text/plain", "size": 3},
        headers=world.member.auth,
    )
    assert begun.status_code == 201, begun.text
    fields = begun.json()["upload"]["fields"]
    assert set(form["required"]) == set(form["properties"]) == {*fields, "file"}
    posted = api.http.post("/api/uploads", data=fields, files={"file": ("a.txt", b"abc")})
    assert posted.status_code == 204, posted.text
    forged = api.http.post(
        "/api/uploads", data={**fields, "signature": "é"}, files={"file": ("a.txt", b"abc")}
    )
    assert forged.status_code == 403, forged.text  # was a 500: non-ASCII reached compare_digest
