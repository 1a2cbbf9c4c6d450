"""Web Push subscriptions over HTTP, on DynamoDB Local: the server's key, a browser subscribing,
renewing and unsubscribing, the cap, bad endpoints and keys refused with nothing written, the
devices in the export and gone with the account."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.config import Settings
from cruddur.domain.push import base64url
from tests.e2e.conftest import Api, Member, running, snapshot
from tests.e2e.test_api_chat import error_code

FCM = "https://fcm.googleapis.com/fcm/send/"
PASSWORD = "correct horse battery"


def subscription(endpoint: str) -> dict[str, Any]:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    keys = {"p256dh": base64url(point), "auth": base64url(b"0123456789abcdef")}
    return {"endpoint": endpoint, "expirationTime": None, "keys": keys}


def subscribe(api: Api, member: Member, body: dict[str, Any]) -> Any:
    return api.http.post("/api/push/subscriptions", json=body, headers=member.auth)


def devices(api: Api, member: Member) -> list[str]:
    """The endpoints kept for this person, as the table holds them."""
    return sorted(
        item["endpoint"]["S"] for item in snapshot(api) if item["pk"]["S"] == f"PUSH#{member.uuid}"
    )


def test_a_browser_subscribes_renews_and_unsubscribes(api: Api):
    ada = api.signup("ada")
    key = api.http.get("/api/push/key", headers=ada.auth)
    assert key.status_code == 200
    assert len(key.json()["public_key"]) == 87  # a P-256 point, base64url
    # The same key for everyone, every time: browsers bind subscriptions to it.
    assert api.http.get("/api/push/key", headers=api.signup().auth).json() == key.json()
    assert api.http.get("/api/push/key").status_code == 401

    body = subscription(FCM + "abc")
    made = subscribe(api, ada, body)
    assert made.status_code == 201, made.text
    assert made.json()["origin"] == "https://fcm.googleapis.com"
    assert "abc" not in made.text  # the endpoint is not shown again
    assert subscribe(api, ada, body).status_code == 201  # renewed, not doubled
    assert devices(api, ada) == [FCM + "abc"]

    gone = api.http.request(
        "DELETE", "/api/push/subscriptions", json={"endpoint": FCM + "abc"}, headers=ada.auth
    )
    assert gone.status_code == 204
    assert devices(api, ada) == []
    again = api.http.request(
        "DELETE", "/api/push/subscriptions", json={"endpoint": FCM + "abc"}, headers=ada.auth
    )
    assert again.status_code == 204  # nothing kept: nothing to do


def test_past_the_cap_the_longest_subscribed_device_goes(
    settings: Settings, store: ConversationTable
):
    with running(settings, store, push_max_devices=2) as api:
        ada = api.signup("ada")
        for name in ("first", "second", "third"):
            assert subscribe(api, ada, subscription(FCM + name)).status_code == 201
        assert devices(api, ada) == [FCM + "second", FCM + "third"]


def test_an_endpoint_or_keys_no_browser_would_send_write_nothing(api: Api):
    ada = api.signup("ada")
    before = snapshot(api)
    for endpoint in (
        "https://169.254.169.254/latest/meta-data/",
        "http://fcm.googleapis.com/fcm/send/x",
        "https://push.evil.example/x",
        "https://127.0.0.1:8080/x",
    ):
        refused = subscribe(api, ada, subscription(endpoint))
        assert refused.status_code == 400, refused.text
        assert error_code(refused)  # the JSON error body
    bad_keys = subscription(FCM + "x")
    bad_keys["keys"]["p256dh"] = base64url(b"\x04" + b"\x01" * 64)  # not on the curve
    assert subscribe(api, ada, bad_keys).status_code == 400
    for body in (
        {"endpoint": FCM + "x"},  # no keys
        {**subscription(FCM + "x"), "user_uuid": "someone else's"},  # a field it does not take
        {**subscription(FCM + "x"), "endpoint": 7},
    ):
        assert subscribe(api, ada, body).status_code == 422
    assert snapshot(api) == before


def test_a_local_push_service_only_when_the_operator_lists_it(
    settings: Settings, store: ConversationTable
):
    local = "http://127.0.0.1:8123"
    with running(settings, store) as api:
        assert subscribe(api, api.signup(), subscription(local + "/push/a")).status_code == 400
    listed = f"{settings.push_allowed_origins},{local}"
    with running(settings, store, push_allowed_origins=listed) as api:
        assert subscribe(api, api.signup(), subscription(local + "/push/a")).status_code == 201


def test_devices_are_in_the_export_and_gone_with_the_account(api: Api):
    ada = api.signup("ada")  # password: PASSWORD
    assert subscribe(api, ada, subscription(FCM + "mine")).status_code == 201
    export = api.http.get("/api/me/export", headers=ada.auth)
    assert export.status_code == 200
    document = json.loads(zipfile.ZipFile(io.BytesIO(export.content)).read("cruddur-export.json"))
    assert [d["endpoint"] for d in document["push_devices"]] == [FCM + "mine"]

    gone = api.http.request("DELETE", "/api/me", json={"password": PASSWORD}, headers=ada.auth)
    assert gone.status_code == 204, gone.text
    assert devices(api, ada) == []
