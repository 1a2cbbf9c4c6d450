"""How every AWS client is configured: the data-plane wires (`dynamodb/wire.py`) of the API, the
poller and the Lambda, and the boto3 clients of the control plane (ops CLI).

Kept apart from bootstrap.py (which builds the whole app) so the stream Lambda can build its one
wire without importing the app. Plain arguments, not Settings: the Lambda reads no pydantic.
Credentials come from botocore's chain; boto3 itself (and its service models) is imported only
where a control-plane client is made.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import botocore.session
from botocore.config import Config
from botocore.credentials import Credentials

from cruddur.adapters.dynamodb.wire import DYNAMODB, Endpoint, SyncWire

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

CLIENT_OPTIONS: dict[str, Any] = {
    "retries": {"mode": "standard", "max_attempts": 5},
    "connect_timeout": 3,
    "read_timeout": 20,
    "max_pool_connections": 64,
    "tcp_keepalive": True,
}
CLIENT_CONFIG = Config(**CLIENT_OPTIONS)
# For a client whose endpoint is given explicitly (or AWS's own): AWS_ENDPOINT_URL and the config
# file's endpoint_url are not applied. (Spelled as a mapping: the stubs predate the option.)
_IGNORE_CONFIGURED: dict[str, Any] = {"ignore_configured_endpoint_urls": True}
OWN_ENDPOINT_CONFIG = CLIENT_CONFIG.merge(Config(**_IGNORE_CONFIGURED))


@cache
def _chain() -> Credentials | None:
    # One session per process, as boto3's default session is: the chain is walked once (each new
    # session re-reads the config files and re-walks it, ~10 ms a time), and what it finds
    # refreshes itself where it can expire (SSO, assumed roles, container and instance roles).
    return botocore.session.get_session().get_credentials()


def local_credentials(endpoint_url: str | None) -> Credentials | None:
    """DynamoDB Local accepts any credentials but the clients insist on having some."""
    if endpoint_url and _chain() is None:
        return Credentials("local", "local")
    return None


def credentials(endpoint_url: str | None) -> Credentials | None:
    """botocore's chain (environment, profile, SSO, container, instance, web identity): one
    chain for every client of the process."""
    return local_credentials(endpoint_url) or _chain()


def dynamodb_wire(region: str, endpoint_url: str | None, target: str = DYNAMODB) -> SyncWire:
    """The blocking wire to DynamoDB, or with target=STREAMS to its streams."""
    return SyncWire(Endpoint.of(target, region, endpoint_url), credentials(endpoint_url))


def client_args(region: str, endpoint_url: str | None) -> dict[str, Any]:
    args: dict[str, Any] = {"region_name": region, "config": CLIENT_CONFIG}
    if endpoint_url:
        args["endpoint_url"] = endpoint_url
        if local_credentials(endpoint_url) is not None:
            args["aws_access_key_id"] = "local"
            args["aws_secret_access_key"] = "local"  # noqa: S105 - not a secret: DynamoDB Local
    return args


def dynamodb_client(region: str, endpoint_url: str | None) -> DynamoDBClient:
    import boto3  # here: the data plane never loads boto3 (nor its service models)

    return boto3.client("dynamodb", **client_args(region, endpoint_url))
