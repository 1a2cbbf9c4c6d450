"""The composition root: builds clients and stores from Settings. Nothing else makes a client."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from cruddur.adapters.capacity import CapacityMeter
from cruddur.adapters.cursors import CursorCodec
from cruddur.adapters.dynamo_store import DynamoStore
from cruddur.adapters.users import UsersDirectory, make_engine
from cruddur.config import Settings
from cruddur.services.context import MessagingContext

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient

CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=3,
    read_timeout=20,
    max_pool_connections=64,
    tcp_keepalive=True,
)


def _client_args(settings: Settings) -> dict[str, Any]:
    args: dict[str, Any] = {"region_name": settings.aws_region, "config": CLIENT_CONFIG}
    if settings.aws_endpoint_url:
        args["endpoint_url"] = settings.aws_endpoint_url
        # DynamoDB Local accepts any credentials but boto3 insists on having some.
        if boto3.Session().get_credentials() is None:
            args["aws_access_key_id"] = "local"
            args["aws_secret_access_key"] = "local"  # noqa: S105 - not a secret: DynamoDB Local
    return args


def dynamodb_client(settings: Settings) -> DynamoDBClient:
    return boto3.client("dynamodb", **_client_args(settings))


def streams_client(settings: Settings) -> DynamoDBStreamsClient:
    return boto3.client("dynamodbstreams", **_client_args(settings))


def build_store(
    settings: Settings, client: DynamoDBClient | None = None, meter: CapacityMeter | None = None
) -> DynamoStore:
    return DynamoStore(client or dynamodb_client(settings), settings.table_name, meter)


def cursor_secret(settings: Settings) -> bytes:
    """The configured secret, else one generated once and kept (0600) in the data directory.

    Several API processes behind a load balancer must share CRUDDUR_CURSOR_SECRET.
    """
    if settings.cursor_secret is not None:
        return settings.cursor_secret.get_secret_value().encode()
    path = Path(settings.data_dir) / "cursor-secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(32))
    return path.read_bytes().strip()


def build_messaging(settings: Settings, store: DynamoStore | None = None) -> MessagingContext:
    return MessagingContext(
        store=store or build_store(settings),
        cursors=CursorCodec(cursor_secret(settings)),
        max_chars=settings.message_max_chars,
        page_max=settings.page_max,
    )


def build_users(settings: Settings) -> UsersDirectory:
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    return UsersDirectory(make_engine(settings.users_database_url))
