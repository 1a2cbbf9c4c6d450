"""Every AWS client, configured in one place: the wires to DynamoDB (`dynamodb/wire.py`) of the
API, the poller, the Lambda and the table's control plane, and the boto3 clients of Cognito,
KMS, SQS and S3.

The functions take plain arguments, so the stream Lambda builds its one wire without pydantic or
the app; `AwsClients` builds everything else from Settings, one of each per process. Credentials
come from botocore's chain; boto3 itself (and its service models) is imported only where a
client is made.
"""

from __future__ import annotations

from functools import cache, cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import botocore.session
from botocore.config import Config
from botocore.credentials import Credentials

from cruddur.adapters.dynamodb.wire import DYNAMODB, STREAMS, Endpoint, SyncWire

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

    from cruddur.adapters.dynamodb.async_wire import AsyncWire
    from cruddur.config import Settings

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


class AwsClients:
    """The AWS clients of one process, from its settings. The wires to DynamoDB are made once:
    the blocking one (data keys, user keys, revocations, the ops CLI) and the awaited one (the
    API's requests) share one credential chain and one retry quota, as botocore's clients of one
    session do, so a throttled table drains one budget, not one per store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def wire(self) -> SyncWire:
        return dynamodb_wire(self.settings.aws_region, self.settings.aws_endpoint_url)

    @cached_property
    def awaited_wire(self) -> AsyncWire:
        from cruddur.adapters.dynamodb.async_wire import AsyncWire  # aiohttp: the API's only

        return AsyncWire(self.wire.endpoint, self.wire.credentials, self.wire.policy)

    @cached_property
    def streams_wire(self) -> SyncWire:
        """The stream poller's reads of the table's stream."""
        return dynamodb_wire(self.settings.aws_region, self.settings.aws_endpoint_url, STREAMS)

    def dynamodb(self) -> DynamoDBClient:
        """boto3's DynamoDB client: for the tests and the benchmark, which look at the table
        through a client independent of the product's wire (the product itself never makes one:
        it would load botocore's DynamoDB model, ~8 MiB)."""
        return dynamodb_client(self.settings.aws_region, self.settings.aws_endpoint_url)

    # Cognito, KMS, SQS and S3 at their own endpoint setting or AWS's address.
    # AWS_ENDPOINT_URL (and endpoints from the AWS config file) point at DynamoDB Local: boto3
    # would apply them to every service, so these clients ignore them.
    def cognito(self) -> CognitoIdentityProviderClient:
        import boto3

        settings = self.settings  # in the pool's region, which its id names
        return boto3.client(
            "cognito-idp", **_own_endpoint(settings.cognito_region, settings.cognito_endpoint_url)
        )

    def kms(self) -> KMSClient:
        import boto3

        settings = self.settings
        return boto3.client("kms", **_own_endpoint(settings.aws_region, settings.kms_endpoint_url))

    def sqs(self) -> SQSClient:
        import boto3

        settings = self.settings
        return boto3.client("sqs", **_own_endpoint(settings.aws_region, settings.sqs_endpoint_url))

    def s3(self) -> S3Client:
        import boto3

        # Signature v4 at the regional address: presigned POSTs and GETs are valid from the
        # start (the global address redirects a new bucket's requests for a while). An emulator
        # at an address of its own takes the bucket in the path.
        settings = self.settings
        emulated = settings.s3_endpoint_url is not None
        config = OWN_ENDPOINT_CONFIG.merge(
            Config(
                signature_version="s3v4",
                s3={"addressing_style": "path" if emulated else "virtual"},
            )
        )
        endpoint = settings.s3_endpoint_url or f"https://s3.{settings.aws_region}.amazonaws.com"
        return boto3.client(
            "s3", region_name=settings.aws_region, endpoint_url=endpoint, config=config
        )

    def file_origin(self) -> str | None:
        """The origin photos and files are served from and uploaded to, when it is not the
        API's: the bucket's virtual-hosted address (or the emulator's)."""
        settings = self.settings
        if not settings.attachments_bucket:
            return None
        if settings.s3_endpoint_url:
            parts = urlsplit(settings.s3_endpoint_url)
            return f"{parts.scheme}://{parts.netloc}"
        return f"https://{settings.attachments_bucket}.s3.{settings.aws_region}.amazonaws.com"


def _own_endpoint(region: str, endpoint_url: str | None) -> dict[str, Any]:
    return {"region_name": region, "endpoint_url": endpoint_url, "config": OWN_ENDPOINT_CONFIG}
