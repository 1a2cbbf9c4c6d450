"""Web Push subscriptions (RFC 8030 delivery, RFC 8291 encryption): which addresses the server
may post to, and the keys a browser hands over, checked before anything is kept.

A subscription's endpoint is a URL the server will later POST to. Taken as given, it would let
anyone aim the server at any address it can reach (an internal service, the cloud's metadata
endpoint): so only HTTPS origins of known push services are accepted, from an allow-list the
operator can change. An address that is an IP literal in a private, loopback, link-local or
otherwise special range is accepted only if that exact origin is listed (a local push service
in the tests); a wildcard entry matches names, never an address.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from cruddur.errors import Invalid

# The public push services of the browsers people use; `*.` matches any name under it.
DEFAULT_PUSH_ORIGINS = ",".join(
    (
        "https://fcm.googleapis.com",  # Chrome, Edge, Opera, Samsung Internet
        "https://updates.push.services.mozilla.com",  # Firefox
        "https://web.push.apple.com",  # Safari
        "https://*.notify.windows.com",  # Windows' own (WNS)
    )
)
ENDPOINT_MAX = 2048  # the push services' own are ~200–500 characters
P256DH_BYTES = 65  # an uncompressed P-256 point (RFC 8291 §3.1)
AUTH_BYTES = 16  # the authentication secret (RFC 8291 §3.2)


@dataclass(frozen=True)
class PushOrigins:
    """The origins a subscription's endpoint may have: exact ones and `*.name` wildcards."""

    exact: frozenset[str]
    # (scheme, ".notify.windows.com", ":port" or ""): a wildcard entry, the part after its `*`
    suffixes: tuple[tuple[str, str, str], ...]

    @classmethod
    def parse(cls, setting: str) -> PushOrigins:
        """From the setting's comma-separated list; a bad entry is a ValueError naming it."""
        exact, suffixes = set(), []
        for entry in (part.strip() for part in setting.split(",")):
            if not entry:
                continue
            parts = urlsplit(entry)
            host = parts.hostname or ""
            if (
                parts.scheme not in {"https", "http"}
                or not host
                or parts.path not in {"", "/"}
                or parts.query
                or parts.fragment
                or parts.username is not None
            ):
                raise ValueError(f"push origin {entry!r} is not an origin (https://host[:port])")
            if parts.scheme == "http" and not _is_loopback(host):
                raise ValueError(f"push origin {entry!r}: only a loopback address may be http")
            if host.startswith("*."):
                suffixes.append((parts.scheme, host[1:], _port(parts.port)))
            else:
                exact.add(_origin(parts.scheme, host, parts.port))
        return cls(frozenset(exact), tuple(suffixes))

    def allows(self, scheme: str, host: str, port: int | None) -> bool:
        if _origin(scheme, host, port) in self.exact:
            return True
        if _address(host) is not None:  # a wildcard names hosts, never addresses
            return False
        return any(
            scheme == wanted and host.endswith(domain) and _port(port) == at
            for wanted, domain, at in self.suffixes
        )


def check_endpoint(endpoint: str, origins: PushOrigins) -> str:
    """The endpoint if the server may post to it; else Invalid saying why."""
    if len(endpoint) > ENDPOINT_MAX or not endpoint.isascii() or not endpoint.isprintable():
        raise _refused("endpoint", f"a URL of at most {ENDPOINT_MAX} printable characters")
    if any(char.isspace() for char in endpoint):
        raise _refused("endpoint", "a URL without spaces")
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError as exc:
        raise _refused("endpoint", "not a URL") from exc
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme not in {"https", "http"} or not host:
        raise _refused("endpoint", "an https:// URL of a push service")
    if parts.username is not None or parts.fragment:
        raise _refused("endpoint", "a push service's URL has no user name and no fragment")
    origin = _origin(parts.scheme, host, port)
    address = _address(host)
    if address is not None and not address.is_global and origin not in origins.exact:
        raise _refused("endpoint", "not a push service's public address")
    if not origins.allows(parts.scheme, host, port):
        raise _refused("endpoint", f"{origin} is not a push service this server sends to")
    return endpoint


def decode_keys(p256dh: str, auth: str) -> tuple[bytes, bytes]:
    """The subscription's public key (a P-256 point) and authentication secret, from the
    base64url of `PushSubscription.toJSON()`; Invalid if either is not what a browser sends."""
    point, secret = _base64url(p256dh, "keys.p256dh"), _base64url(auth, "keys.auth")
    if len(point) != P256DH_BYTES or point[0] != 4:
        raise _refused("keys.p256dh", "an uncompressed P-256 public key (65 bytes, base64url)")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError as exc:
        raise _refused("keys.p256dh", "not a point on P-256") from exc
    if len(secret) != AUTH_BYTES:
        raise _refused("keys.auth", "a 16-byte secret, base64url")
    return point, secret


def base64url(data: bytes) -> str:
    """Unpadded base64url, as the Push API writes keys."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def origin_of(endpoint: str) -> str:
    """scheme://host[:port] of a stored endpoint: what a device list shows of it."""
    parts = urlsplit(endpoint)
    return _origin(parts.scheme, parts.hostname or "", parts.port)


def _base64url(text: str, name: str) -> bytes:
    if not text or len(text) > 128 or text.strip("=").rstrip() != text.rstrip("="):
        raise _refused(name, "base64url")
    try:
        return base64.b64decode(
            text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4), altchars=b"-_", validate=True
        )
    except (binascii.Error, ValueError) as exc:
        raise _refused(name, "base64url") from exc


def _refused(field: str, why: str) -> Invalid:
    return Invalid(f"{field}: {why}", field=field)


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_loopback(host: str) -> bool:
    address = _address(host)
    return host == "localhost" if address is None else address.is_loopback


def _origin(scheme: str, host: str, port: int | None) -> str:
    return f"{scheme}://{f'[{host}]' if ':' in host else host}{_port(port)}"


def _port(port: int | None) -> str:
    return "" if port is None else f":{port}"
