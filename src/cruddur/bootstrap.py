"""The composition root: the API's runtime, assembled from Settings once per process.

What data lives where is built by `storage.py`, and every AWS client by
`adapters/aws_clients.py`; this module puts them together with the services. What only some
configurations use is imported where it is built: boto3 for Cognito and KMS, httpx for Cognito's
keys, redis-py for REDIS_URL. A process that does not use them does not carry them.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from cruddur import storage
from cruddur.adapters.auth import signing_key
from cruddur.adapters.auth.jwks import KeySource, StaticKeys
from cruddur.adapters.auth.passwords import DEFAULT_SLOTS, Passwords
from cruddur.adapters.auth.tokens import TokenIssuer, TokenVerifier
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.crypto import secret_files, vapid
from cruddur.adapters.crypto.sealing import Sealer
from cruddur.adapters.dynamodb.stores.account_data import AccountData
from cruddur.adapters.dynamodb.stores.blocks import BlockTable
from cruddur.adapters.dynamodb.stores.claims import ClaimTable
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.dynamodb.stores.edits import MessageEdits
from cruddur.adapters.dynamodb.stores.groups import GroupTable
from cruddur.adapters.dynamodb.stores.push_devices import PushDevices
from cruddur.adapters.dynamodb.stores.revocations import RevocationTable
from cruddur.adapters.files.local import LocalFiles
from cruddur.adapters.shared_state.local import LocalState
from cruddur.adapters.users.directory import UsersDirectory
from cruddur.cache import TtlCache
from cruddur.config import Settings
from cruddur.domain.cursors import CursorCodec
from cruddur.domain.push import PushOrigins
from cruddur.errors import Invalid
from cruddur.live_events.hub import EventHub, Publisher
from cruddur.live_events.local_hub import LocalHub
from cruddur.services.accounts import Accounts
from cruddur.services.context import MessagingContext, NoEvents
from cruddur.services.erasure import Erasure
from cruddur.services.limits import Limits, rules_from
from cruddur.services.ports.people import SharedState
from cruddur.services.ports.push import PushRegistry
from cruddur.services.revocations import Revocations
from cruddur.services.sending import Idempotency


def cursor_secret(settings: Settings) -> bytes:
    """The configured secret, else one generated once and kept (0600) in the data directory.
    Read once per process: the keys of cursors, CSRF tokens, idempotency records, local file
    links and the log's user ids are derived from it (`derived`).

    Several API processes behind a load balancer must share CRUDDUR_CURSOR_SECRET.
    """
    if settings.cursor_secret is not None:
        return settings.cursor_secret.get_secret_value().encode()
    return secret_files.load_or_create(Path(settings.data_dir) / "cursor-secret")


def derived(secret: bytes, purpose: bytes) -> bytes:
    """A key of its own for each use of the one secret."""
    return hmac.new(secret, purpose, hashlib.sha256).digest()


def build_messaging(
    settings: Settings,
    store: ConversationTable | None = None,
    limits: Limits | None = None,
    events: Publisher | None = None,
    secret: bytes | None = None,
) -> MessagingContext:
    store = store or storage.build_store(settings)
    # One table object: the stores of edits and blocks are composed around it.
    return MessagingContext(
        store=store,
        cursors=CursorCodec(secret or cursor_secret(settings)),
        edits=MessageEdits(store.table),
        blocks=BlockTable(store.table),
        groups=GroupTable(store.table),
        max_group_members=settings.group_max_members,
        max_chars=settings.message_max_chars,
        retention_days=settings.retention_days,
        page_max=settings.page_max,
        limits=limits,
        events=events or NoEvents(),
    )


def build_shared_state(settings: Settings) -> SharedState:
    if not settings.redis_url:
        return LocalState()
    from cruddur.adapters.shared_state.in_redis import RedisState

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
        group_starts_per_hour=settings.limit_group_starts_per_hour,
        members_added_per_hour=settings.limit_members_added_per_hour,
        push_subscriptions_per_hour=settings.limit_push_subscriptions_per_hour,
    )
    return Limits(state, rules, settings.limit_streams_per_user)


def build_idempotency(
    settings: Settings, store: ConversationTable, secret: bytes | None = None
) -> Idempotency:
    # Same client and table as the messages: the records live beside them, with a TTL.
    table = ClaimTable(store.table)
    # Keyed: a plain hash of a request would let a reader of the table confirm a guessed text.
    key = derived(secret or cursor_secret(settings), b"cruddur idempotency")
    return Idempotency(table, settings.idempotency_ttl_hours * 3600, key)


def build_accounts(
    settings: Settings,
    users: UsersDirectory,
    limits: Limits | None = None,
    clients: AwsClients | None = None,
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
            RevocationTable(storage.build_table(settings, clients=clients)),
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

    async def aclose(self) -> None:
        """In the loop that served: the store's connections belong to it."""
        await self.store.close()
        self.close()

    def close(self) -> None:
        self.users.engine.dispose()
        self.limits.state.close()
        self.hub.close()


def build_runtime(settings: Settings, store: ConversationTable | None = None) -> Runtime:
    clients = AwsClients(settings)
    secret = cursor_secret(settings)
    store = store or storage.build_store(settings, clients=clients)
    users = storage.build_users(settings)
    limits = build_limits(settings, build_shared_state(settings))
    hub = build_hub(settings)
    messaging = build_messaging(settings, store, limits, hub, secret)
    messaging.shelf, local_files = storage.build_shelf(settings, store.table, secret, clients)
    messaging.push = build_push(settings, store)
    records = AccountData(store.table)
    return Runtime(
        settings=settings,
        store=store,
        messaging=messaging,
        users=users,
        accounts=build_accounts(settings, users, limits, clients),
        idempotency=build_idempotency(settings, store, secret),
        hub=hub,
        limits=limits,
        csrf_key=derived(secret, b"cruddur csrf"),
        local_files=local_files,
        records=records,
        erasure=build_erasure(store, records, float(settings.access_token_ttl)),
    )


def vapid_secret(settings: Settings) -> bytes:
    """CRUDDUR_VAPID_SECRET, else one generated once and kept (0600) in the data directory. The
    push services know this server by the key derived from it: keep it for good."""
    if settings.vapid_secret is not None:
        return settings.vapid_secret.get_secret_value().encode()
    return secret_files.load_or_create(Path(settings.data_dir) / "vapid-secret")


def build_push(settings: Settings, store: ConversationTable) -> PushRegistry:
    return PushRegistry(
        store=PushDevices(store.table),
        origins=PushOrigins.parse(settings.push_allowed_origins),
        public_key=vapid.application_server_key(vapid.signing_key(vapid_secret(settings))),
        max_devices=settings.push_max_devices,
        lifetime_days=settings.push_lifetime_days,
    )


def build_erasure(
    store: ConversationTable, records: AccountData, token_ttl: float
) -> Erasure | None:
    """Erasure destroys the keys the store's sealer holds (None: a store sealing without
    per-person keys, which no one can erase from)."""
    sealer = store.table.sealer
    if not isinstance(sealer, Sealer) or sealer.user_keys is None:
        return None
    return Erasure(records, sealer.user_keys, token_ttl)


def build_hub(settings: Settings) -> EventHub:
    if not settings.redis_url:
        return LocalHub()
    from cruddur.live_events.redis_hub import RedisHub

    return RedisHub(settings.redis_url)
