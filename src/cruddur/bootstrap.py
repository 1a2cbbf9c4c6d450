"""The composition root: builds clients and stores from Settings. Nothing else makes a client.

What only some configurations use is imported where it is built: boto3 for Cognito and KMS,
httpx for Cognito's keys, redis-py for REDIS_URL. A process that does not use them does not
carry them (together about 40 MB of the API's memory).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cruddur.adapters import aws_clients
from cruddur.adapters.auth import signing_key
from cruddur.adapters.auth.jwks import KeySource, StaticKeys
from cruddur.adapters.auth.passwords import DEFAULT_SLOTS, Passwords
from cruddur.adapters.auth.tokens import TokenIssuer, TokenVerifier
from cruddur.adapters.crypto import secret_files
from cruddur.adapters.crypto.envelope import (
    KEY_FILE,
    Envelope,
    KmsWrapping,
    LocalWrapping,
    Wrapping,
)
from cruddur.adapters.crypto.sealing import Sealer
from cruddur.adapters.dynamodb import items
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.async_wire import AsyncWire
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.adapters.dynamodb.items import TextSealer
from cruddur.adapters.dynamodb.schema import create_keys_table
from cruddur.adapters.dynamodb.stores.account_data import AccountData
from cruddur.adapters.dynamodb.stores.blocks import BlockTable
from cruddur.adapters.dynamodb.stores.claims import ClaimTable
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.dynamodb.stores.data_keys import DataKeys
from cruddur.adapters.dynamodb.stores.edits import MessageEdits
from cruddur.adapters.dynamodb.stores.inbox_repair import InboxRepair
from cruddur.adapters.dynamodb.stores.inbox_rows import InboxUpdates
from cruddur.adapters.dynamodb.stores.revocations import RevocationTable
from cruddur.adapters.dynamodb.stores.uploads import UploadTable
from cruddur.adapters.dynamodb.stores.user_keys import UserKeys
from cruddur.adapters.dynamodb.table import DynamoTable
from cruddur.adapters.dynamodb.wire import DYNAMODB, STREAMS, Endpoint, SyncWire
from cruddur.adapters.files.local import LocalFiles
from cruddur.adapters.state.local import LocalState
from cruddur.adapters.users.directory import UsersDirectory, make_engine
from cruddur.cache import TtlCache
from cruddur.config import Settings
from cruddur.domain.attachments import Attachment
from cruddur.domain.cursors import CursorCodec
from cruddur.domain.model import UserRef
from cruddur.errors import Invalid
from cruddur.events.hub import EventHub, Publisher
from cruddur.events.local_hub import LocalHub
from cruddur.services.accounts import Accounts
from cruddur.services.context import MessagingContext, NoEvents, Shelf
from cruddur.services.erasure import Erasure
from cruddur.services.limits import Limits, rules_from
from cruddur.services.ports import FileStore, SharedState
from cruddur.services.posting import Idempotency
from cruddur.services.revocations import Revocations

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient


def dynamodb_client(settings: Settings) -> DynamoDBClient:
    """boto3, for the control plane only: creating, describing and dropping the table."""
    return aws_clients.dynamodb_client(settings.aws_region, settings.aws_endpoint_url)


def dynamodb_wire(settings: Settings) -> SyncWire:
    """The data plane for blocking callers: the data keys, the ops CLI, the tests."""
    return aws_clients.dynamodb_wire(settings.aws_region, settings.aws_endpoint_url)


def streams_wire(settings: Settings) -> SyncWire:
    """The stream poller's reads of the table's stream."""
    return aws_clients.dynamodb_wire(settings.aws_region, settings.aws_endpoint_url, STREAMS)


# Cognito and KMS at their own endpoint setting or AWS's address. AWS_ENDPOINT_URL (and endpoints
# from the AWS config file) point at DynamoDB Local: boto3 would apply them to every service, so
# these clients ignore them.
def cognito_client(settings: Settings) -> CognitoIdentityProviderClient:
    import boto3

    # In the pool's region, which its id names.
    return boto3.client(
        "cognito-idp", **_own_endpoint(settings.cognito_region, settings.cognito_endpoint_url)
    )


def kms_client(settings: Settings) -> KMSClient:
    import boto3

    return boto3.client("kms", **_own_endpoint(settings.aws_region, settings.kms_endpoint_url))


def sqs_client(settings: Settings) -> SQSClient:
    import boto3

    return boto3.client("sqs", **_own_endpoint(settings.aws_region, settings.sqs_endpoint_url))


def s3_client(settings: Settings) -> S3Client:
    import boto3
    from botocore.config import Config

    # Signature v4 at the regional address: presigned POSTs and GETs are valid from the start
    # (the global address redirects a new bucket's requests for a while). An emulator at an
    # address of its own takes the bucket in the path.
    emulated = settings.s3_endpoint_url is not None
    config = aws_clients.OWN_ENDPOINT_CONFIG.merge(
        Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"} if emulated else {"addressing_style": "virtual"},
        )
    )
    endpoint = settings.s3_endpoint_url or f"https://s3.{settings.aws_region}.amazonaws.com"
    return boto3.client("s3", region_name=settings.aws_region, endpoint_url=endpoint, config=config)


def file_origin(settings: Settings) -> str | None:
    """The origin photos and files are served from and uploaded to, when it is not the API's:
    the bucket's virtual-hosted address (or the emulator's)."""
    if not settings.attachments_bucket:
        return None
    if settings.s3_endpoint_url:
        parts = urlsplit(settings.s3_endpoint_url)
        return f"{parts.scheme}://{parts.netloc}"
    return f"https://{settings.attachments_bucket}.s3.{settings.aws_region}.amazonaws.com"


def build_shelf(settings: Settings, table: AsyncTable) -> tuple[Shelf, LocalFiles | None]:
    """Where photos and files go: the attachments bucket, or the data dir (then also the local
    files, which the API's own upload and file endpoints serve)."""
    from cruddur.adapters.files.images import reencode

    local: LocalFiles | None = None
    files: FileStore
    if settings.attachments_bucket:
        from cruddur.adapters.files.s3 import S3Files

        files = S3Files(s3_client(settings), settings.attachments_bucket)
    else:
        key = hmac.new(cursor_secret(settings), b"cruddur files", hashlib.sha256).digest()
        files = local = LocalFiles(Path(settings.data_dir) / "files", key)
    shelf = Shelf(
        files=files,
        uploads=UploadTable(table),
        reencode=reencode,
        max_bytes=settings.attachment_max_bytes,
        attach_within_seconds=settings.attach_within_seconds,
        link_seconds=settings.attachment_link_seconds,
    )
    return shelf, local


def build_inbox_repair(settings: Settings, meter: CapacityMeter | None = None) -> InboxRepair:
    """The rebuilder of inbox rows; a member no row or message names is looked up in the users
    directory (opened only then)."""
    users: UsersDirectory | None = None

    def profile(user_uuid: str) -> UserRef | None:
        nonlocal users
        users = users or build_users(settings)
        found = users.by_uuid(user_uuid)
        return None if found is None else UserRef(found.uuid, found.handle, found.display_name)

    sealer: Sealer | None = None

    def sender(item: dict[str, Any]) -> UserRef | None:
        nonlocal sealer
        sealer = sealer or build_sealer(settings)
        found, gone = items.sender_of(item, sealer)
        return None if gone else found

    return InboxRepair(build_table(settings, meter), profile, senders=sender)


def _own_endpoint(region: str, endpoint_url: str | None) -> dict[str, Any]:
    return {
        "region_name": region,
        "endpoint_url": endpoint_url,
        "config": aws_clients.OWN_ENDPOINT_CONFIG,
    }


def build_wrapping(settings: Settings) -> Wrapping:
    """AWS KMS when CRUDDUR_KMS_KEY_IDS names keys, else the key file in the data dir."""
    if settings.kms_key_id_list:
        return KmsWrapping(kms_client(settings), settings.kms_key_id_list)
    return LocalWrapping(settings.wrapping_key_file or Path(settings.data_dir) / KEY_FILE)


def build_table(settings: Settings, meter: CapacityMeter | None = None) -> DynamoTable:
    return DynamoTable(dynamodb_wire(settings), settings.table_name, meter)


def build_data_keys(
    settings: Settings, wrapping: Wrapping | None = None, table: DynamoTable | None = None
) -> DataKeys:
    """The data key generations of the data set, wrapped as the settings say."""
    return DataKeys(
        table or build_table(settings, CapacityMeter()),
        Envelope(wrapping or build_wrapping(settings)),
        data_set=settings.data_set,
    )


def build_user_keys(settings: Settings, data_keys: DataKeys) -> UserKeys:
    """Each person's key, in the keys table. Against DynamoDB Local a missing keys table is
    made on first use (the stacks make it on AWS)."""
    table = DynamoTable(dynamodb_wire(settings), settings.keys_table, data_keys.table.meter)

    def create() -> None:
        create_keys_table(dynamodb_client(settings), settings.keys_table)

    local = settings.aws_endpoint_url is not None
    return UserKeys(table, data_keys, create_missing_table=create if local else None)


def build_sealer(settings: Settings, table: DynamoTable | None = None) -> Sealer:
    data_keys = build_data_keys(settings, table=table or build_table(settings))
    return Sealer(data_keys, build_user_keys(settings, data_keys))


def build_store(
    settings: Settings,
    meter: CapacityMeter | None = None,
    sealer: TextSealer | None = None,
) -> ConversationTable:
    """The API's store, awaited on the event loop (its connections open in the loop of its
    first call; `await store.close()` in that loop). It seals what people write, so it holds
    the data keys (looked up and unwrapped on a thread, over the blocking table)."""
    meter = meter if meter is not None else CapacityMeter()
    sealer = sealer or build_sealer(settings, build_table(settings, meter))
    endpoint = Endpoint.of(DYNAMODB, settings.aws_region, settings.aws_endpoint_url)
    wire = AsyncWire(endpoint, aws_clients.credentials(settings.aws_endpoint_url))
    return ConversationTable(AsyncTable(wire, settings.table_name, sealer, meter))


def build_inbox_updates(settings: Settings, meter: CapacityMeter | None = None) -> InboxUpdates:
    """The stream processor's writer: it copies sealed previews and holds no key."""
    return InboxUpdates(build_table(settings, meter))


def cursor_secret(settings: Settings) -> bytes:
    """The configured secret, else one generated once and kept (0600) in the data directory.

    Several API processes behind a load balancer must share CRUDDUR_CURSOR_SECRET.
    """
    if settings.cursor_secret is not None:
        return settings.cursor_secret.get_secret_value().encode()
    return secret_files.load_or_create(Path(settings.data_dir) / "cursor-secret")


def build_messaging(
    settings: Settings,
    store: ConversationTable | None = None,
    limits: Limits | None = None,
    events: Publisher | None = None,
) -> MessagingContext:
    store = store or build_store(settings)
    # One table object: the stores of edits and blocks are composed around it.
    return MessagingContext(
        store=store,
        cursors=CursorCodec(cursor_secret(settings)),
        edits=MessageEdits(store.table),
        blocks=BlockTable(store.table),
        max_chars=settings.message_max_chars,
        retention_days=settings.retention_days,
        page_max=settings.page_max,
        limits=limits,
        events=events or NoEvents(),
    )


def build_shared_state(settings: Settings) -> SharedState:
    if not settings.redis_url:
        return LocalState()
    from cruddur.adapters.state.in_redis import RedisState

    return RedisState(settings.redis_url)


def build_limits(settings: Settings, state: SharedState) -> Limits:
    rules = rules_from(
        send_per_minute=settings.limit_send_per_minute,
        signups_per_hour=settings.limit_signups_per_hour,
        typing_per_minute=settings.limit_typing_per_minute,
        blocks_per_hour=settings.limit_blocks_per_hour,
        login_failures_per_15_minutes=settings.limit_login_failures,
        logins_per_address_per_15_minutes=settings.limit_logins_per_address,
        stream_opens_per_minute=settings.limit_stream_opens_per_minute,
        profile_lookups_per_minute=settings.limit_profile_lookups_per_minute,
        uploads_per_hour=settings.limit_uploads_per_hour,
        exports_per_hour=settings.limit_exports_per_hour,
    )
    return Limits(state, rules, settings.limit_streams_per_user)


def build_users(settings: Settings) -> UsersDirectory:
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    return UsersDirectory(make_engine(settings.users_database_url))


def build_idempotency(settings: Settings, store: ConversationTable) -> Idempotency:
    # Same client and table as the messages: the records live beside them, with a TTL.
    table = ClaimTable(store.table)
    # Keyed: a plain hash of a request would let a reader of the table confirm a guessed text.
    key = hmac.new(cursor_secret(settings), b"cruddur idempotency", hashlib.sha256).digest()
    return Idempotency(table, settings.idempotency_ttl_hours * 3600, key)


def build_accounts(
    settings: Settings, users: UsersDirectory, limits: Limits | None = None
) -> Accounts:
    """`limits` also gives the shared state that signed-out sessions are kept in."""
    issuer: TokenIssuer | None = None
    keys: KeySource
    if settings.auth_mode == "local":
        key = (
            signing_key.from_pem(
                settings.signing_key.get_secret_value().encode(), "CRUDDUR_SIGNING_KEY"
            )
            if settings.signing_key
            else signing_key.load_or_create(Path(settings.data_dir))
        )
        issuer = TokenIssuer(
            key, settings.local_issuer, settings.local_client_id, settings.access_token_ttl
        )
        keys = StaticKeys(key.jwks())
        verifier = TokenVerifier(keys, settings.local_issuer, settings.local_client_id)
    else:
        if not settings.cognito_user_pool_id or not settings.cognito_client_id:
            raise Invalid(
                "Cognito sign-in needs COGNITO_USER_POOL_ID and COGNITO_USER_POOL_CLIENT_ID",
                field="auth_mode",
            )
        issuer_url = settings.cognito_issuer()
        url = settings.cognito_jwks_url or f"{issuer_url}/.well-known/jwks.json"
        import httpx

        from cruddur.adapters.auth.remote_jwks import RemoteKeys

        http = httpx.Client(timeout=5.0, follow_redirects=False)
        keys = RemoteKeys(url, http, settings.jwks_min_refetch_seconds)
        verifier = TokenVerifier(keys, issuer_url, settings.cognito_client_id)
    return Accounts(
        users=users,
        verifier=verifier,
        issuer=issuer,
        by_sub=TtlCache(60.0),
        passwords=Passwords(settings.password_hash_slots or DEFAULT_SLOTS),
        limits=limits,
        revocations=Revocations(
            RevocationTable(build_table(settings)),
            limits.state if limits is not None else LocalState(),
            settings.table_name,
        ),
    )


@dataclass
class Runtime:
    """Everything the API uses, built once per process (never per request)."""

    settings: Settings
    store: ConversationTable  # the messaging context's, as built: its table and sealer
    messaging: MessagingContext
    users: UsersDirectory
    accounts: Accounts
    idempotency: Idempotency
    hub: EventHub
    limits: Limits
    csrf_key: bytes  # signs the pages' CSRF tokens; derived from the shared cursor secret
    local_files: LocalFiles | None = None  # files under the data dir (no attachments bucket)
    records: AccountData | None = None  # an account's items besides its messages
    erasure: Erasure | None = None

    @property
    def file_links(self) -> Callable[[Attachment], tuple[str, str | None]] | None:
        """The short-lived URLs of a file and its thumbnail (Shelf.links)."""
        shelf = self.messaging.shelf
        return None if shelf is None else shelf.links

    async def aclose(self) -> None:
        """In the loop that served: the store's connections belong to it."""
        await self.store.close()
        self.close()

    def close(self) -> None:
        self.users.engine.dispose()
        self.limits.state.close()
        self.hub.close()


def build_runtime(settings: Settings, store: ConversationTable | None = None) -> Runtime:
    store = store or build_store(settings)
    users = build_users(settings)
    limits = build_limits(settings, build_shared_state(settings))
    hub = build_hub(settings)
    messaging = build_messaging(settings, store, limits, hub)
    messaging.shelf, local_files = build_shelf(settings, store.table)
    records = AccountData(store.table)
    return Runtime(
        settings=settings,
        store=store,
        messaging=messaging,
        users=users,
        accounts=build_accounts(settings, users, limits),
        idempotency=build_idempotency(settings, store),
        hub=hub,
        limits=limits,
        csrf_key=hmac.new(cursor_secret(settings), b"cruddur csrf", hashlib.sha256).digest(),
        local_files=local_files,
        records=records,
        erasure=build_erasure(settings, store, records),
    )


def build_erasure(
    settings: Settings, store: ConversationTable, records: AccountData
) -> Erasure | None:
    """Erasure destroys the keys the store's sealer holds (None: a store sealing without
    per-person keys, which no one can erase from)."""
    sealer = store.table.sealer
    if not isinstance(sealer, Sealer) or sealer.user_keys is None:
        return None
    return Erasure(records, sealer.user_keys, float(settings.access_token_ttl))


def build_hub(settings: Settings) -> EventHub:
    if not settings.redis_url:
        return LocalHub()
    from cruddur.events.redis_hub import RedisHub

    return RedisHub(settings.redis_url)
