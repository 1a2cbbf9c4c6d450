"""Which endpoints a push subscription may name, which keys a browser may hand over, and the
server's VAPID key: no DynamoDB, no network."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cruddur.adapters.crypto import vapid
from cruddur.domain.push import (
    DEFAULT_PUSH_ORIGINS,
    PushOrigins,
    base64url,
    check_endpoint,
    decode_keys,
    origin_of,
)
from cruddur.errors import Invalid

PUBLIC = PushOrigins.parse(DEFAULT_PUSH_ORIGINS)
LOCAL = PushOrigins.parse(DEFAULT_PUSH_ORIGINS + ",http://127.0.0.1:8123,https://[::1]:9443")


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bH",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",
        "https://web.push.apple.com/QGuQyavXutnMH",
        "https://wns2-by3p.notify.windows.com/w/?token=BQYAAAB",
        "https://FCM.googleapis.com/fcm/send/x",  # a host in any case
    ],
)
def test_the_public_push_services_are_accepted(endpoint: str):
    assert check_endpoint(endpoint, PUBLIC) == endpoint


@pytest.mark.parametrize(
    ("endpoint", "why"),
    [
        ("http://fcm.googleapis.com/fcm/send/x", "not a push service"),  # not https
        ("https://fcm.googleapis.com.evil.example/x", "not a push service"),
        ("https://evil.example/fcm.googleapis.com", "not a push service"),
        ("https://notify.windows.com/x", "not a push service"),  # the wildcard needs a name
        ("https://fcm.googleapis.com:8443/x", "not a push service"),  # another port
        ("https://user:pw@fcm.googleapis.com/x", "no user name"),
        ("https://fcm.googleapis.com/x#frag", "no user name and no fragment"),
        ("ftp://fcm.googleapis.com/x", "an https:// URL"),
        ("fcm.googleapis.com/x", "an https:// URL"),
        ("https://fcm.googleapis.com/a b", "without spaces"),
        ("https://fcm.googleapis.com/" + "x" * 2100, "printable"),
        ("https://fcm.googleapis.com:99999/x", "not a URL"),
        ("https://169.254.169.254/latest/meta-data", "public address"),  # the cloud's metadata
        ("https://10.0.0.7/push", "public address"),
        ("https://127.0.0.1:8123/push", "public address"),  # listed as http, not https
        ("https://[::1]/push", "public address"),
        ("https://8.8.8.8/push", "not a push service"),  # public, but not listed
    ],
)
def test_anything_else_is_refused_saying_why(endpoint: str, why: str):
    with pytest.raises(Invalid, match=why):
        check_endpoint(endpoint, LOCAL)


def test_a_private_address_only_where_the_operator_lists_that_origin():
    assert check_endpoint("http://127.0.0.1:8123/push/abc", LOCAL)
    assert check_endpoint("https://[::1]:9443/push", LOCAL)
    with pytest.raises(Invalid):
        check_endpoint("http://127.0.0.1:8123/push/abc", PUBLIC)
    # A wildcard names hosts: never an address, even one that would end like it.
    anywhere = PushOrigins.parse("https://*.example.org")
    assert check_endpoint("https://push.example.org/x", anywhere)
    with pytest.raises(Invalid):
        check_endpoint("https://10.0.0.1/x", anywhere)


@pytest.mark.parametrize(
    "setting",
    [
        "http://push.example.org",  # http only on a loopback address
        "https://push.example.org/path",
        "push.example.org",
        "https://user@push.example.org",
        "https://",
    ],
)
def test_a_bad_allow_list_entry_is_named(setting: str):
    with pytest.raises(ValueError, match="push origin"):
        PushOrigins.parse(setting)


def _browser_keys() -> tuple[str, str]:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return base64url(point), base64url(b"0123456789abcdef")


def test_a_browsers_keys_are_decoded_padded_or_not():
    p256dh, auth = _browser_keys()
    point, secret = decode_keys(p256dh, auth)
    assert len(point) == 65
    assert secret == b"0123456789abcdef"
    assert decode_keys(p256dh + "=", auth + "==") == (point, secret)


def test_keys_that_are_not_a_browsers_are_refused():
    p256dh, auth = _browser_keys()
    not_on_curve = base64url(b"\x04" + b"\x01" * 64)
    for bad_point in ("", "***", base64url(b"\x04" * 33), not_on_curve, p256dh[:-4]):
        with pytest.raises(Invalid, match=r"keys\.p256dh"):
            decode_keys(bad_point, auth)
    for bad_secret in ("", base64url(b"short"), auth + "AAAA", "a b"):
        with pytest.raises(Invalid, match=r"keys\.auth"):
            decode_keys(p256dh, bad_secret)


def test_one_secret_one_vapid_key_in_every_process():
    key = vapid.application_server_key(vapid.signing_key(b"a secret of 32 bytes, or so ....."))
    again = vapid.application_server_key(vapid.signing_key(b"a secret of 32 bytes, or so ....."))
    other = vapid.application_server_key(vapid.signing_key(b"another secret of 32 bytes ....."))
    assert key == again != other
    assert len(key) == 87  # 65 bytes, unpadded base64url
    point, _ = decode_keys(key, base64url(b"0123456789abcdef"))
    assert point[0] == 4
    with pytest.raises(ValueError, match="too short"):
        vapid.signing_key(b"short")


def test_a_device_list_shows_the_origin_only():
    assert origin_of("https://fcm.googleapis.com/fcm/send/secret-token") == (
        "https://fcm.googleapis.com"
    )
