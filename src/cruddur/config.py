"""Settings: the only reader of the environment.

Embedded default: DynamoDB Local started by `cruddur up`, data under `.data/`.
Production: leave `AWS_ENDPOINT_URL` unset (AWS DynamoDB) and set the rest by environment.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cruddur.domain.push import DEFAULT_PUSH_ORIGINS, PushOrigins

USER_POOL_ID = re.compile(r"[a-z]{2}(-[a-z]+)+-\d_[0-9A-Za-z]+")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
CURSOR_SECRET_MIN = 16  # bytes of HMAC key: shorter ones can be guessed


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRUDDUR_", extra="ignore", populate_by_name=True)

    data_dir: Path = Path(".data")
    table_name: str = "cruddur-messages"
    # The stable name of the data set the table holds: data keys are bound to it, not to the
    # table's name, so a backup restored under another table name opens with the same keys.
    # Keep it when the table is restored or renamed; give another deployment another one.
    data_set: str = Field(default="cruddur-messages", pattern=r"^[A-Za-z0-9._-]{1,64}$")
    # The keys table: each person's key, which erasing them destroys (no backups of it, ever).
    # Unset: "{data_set}-keys" (it follows the data set, not the table: a restored table opens
    # with the same keys).
    keys_table_name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]{3,255}$")
    aws_endpoint_url: str | None = Field(
        default=None, validation_alias=AliasChoices("AWS_ENDPOINT_URL", "CRUDDUR_AWS_ENDPOINT_URL")
    )
    aws_region: str = Field(
        default="us-east-1",
        validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION", "CRUDDUR_AWS_REGION"),
    )
    # Users directory: SQLAlchemy URL, e.g. postgresql+psycopg://user@127.0.0.1:5432/cruddur.
    # Unset: a SQLite file in data_dir.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "CRUDDUR_DATABASE_URL")
    )
    # Live events between the stream processor and API processes; unset: in-process only.
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "CRUDDUR_REDIS_URL")
    )
    # Regions (comma-separated) where user data may be held: with --prod every process refuses
    # to start in any other. Unset: no lock (a warning with --prod).
    allowed_regions: str = ""
    # Message text is encrypted before it is stored. AWS KMS keys (ids or ARNs, comma-separated):
    # the first wraps new data keys, every one listed unwraps (keep a replaced key listed while
    # data keys it wrapped are in use). Unset: a key file made on first run in data_dir.
    kms_key_ids: str = ""
    # KMS at another address (e.g. a local emulator); never AWS_ENDPOINT_URL, which is DynamoDB's.
    kms_endpoint_url: str | None = None
    # Without KMS: the key file (0600, made on first run). Unset: wrapping-keys.json in data_dir.
    # Processes that share a table but not a data dir must share this file.
    wrapping_key_file: Path | None = None
    billing_mode: Literal["PAY_PER_REQUEST", "PROVISIONED"] = "PAY_PER_REQUEST"
    read_capacity: int = Field(default=5, ge=1)
    write_capacity: int = Field(default=5, ge=1)
    # Signs paging cursors. Unset: a random secret is generated once and kept in data_dir.
    cursor_secret: SecretStr | None = None
    message_max_chars: int = Field(default=1024, ge=1, le=100_000)
    # Messages older than this many days expire: no read shows them, and DynamoDB's TTL deletes
    # them (within about two days; the table's TTL attribute is expires_at). Unset: kept
    # forever. A change applies to messages sent after it (docs/operations.md: older ones).
    retention_days: int | None = Field(default=None, ge=1, le=36_500)
    page_max: int = Field(default=100, ge=1, le=1000)
    stream_max_attempts: int = Field(default=3, ge=1)
    stream_poll_interval: float = Field(default=0.05, gt=0, le=10)
    # On AWS: the stream Lambda's on-failure queue (the stream stack's DeadLetterQueueUrl
    # output), which `cruddur stream redrive --prod` reads; SQS at another address (an
    # emulator), never AWS_ENDPOINT_URL, which is DynamoDB's.
    stream_failure_queue_url: str | None = None
    sqs_endpoint_url: str | None = None

    # Sign-in. "local": accounts in the users directory, tokens signed by a key kept in data_dir.
    # "cognito": Cognito access tokens, verified against the pool's JWKS.
    auth_mode: Literal["local", "cognito"] = "local"
    cognito_user_pool_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("COGNITO_USER_POOL_ID", "CRUDDUR_COGNITO_USER_POOL_ID"),
    )
    cognito_client_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("COGNITO_USER_POOL_CLIENT_ID", "CRUDDUR_COGNITO_CLIENT_ID"),
    )
    # Where the pool's keys are fetched; unset: Cognito's own address for the pool.
    cognito_jwks_url: str | None = None
    # Cognito's API (ListUsers, for `cruddur db update-cognito-user-ids`) at another address,
    # e.g. a local emulator. Never AWS_ENDPOINT_URL: that one is DynamoDB's.
    cognito_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("COGNITO_ENDPOINT_URL", "CRUDDUR_COGNITO_ENDPOINT_URL"),
    )
    # Local accounts: the PEM of the RSA key that signs their tokens. Every API process of one
    # deployment must share it (on AWS it comes from Secrets Manager). Unset: one is generated
    # once and kept in data_dir, which suits a single machine.
    signing_key: SecretStr | None = None
    # Local accounts: the `iss` and `client_id` of the tokens this server issues.
    local_issuer: str = "urn:cruddur:local"
    local_client_id: str = "cruddur-web"
    # Rate limits (429 + Retry-After past them), counted in Redis when REDIS_URL is set so every
    # API process shares them, else in this process. Per user: messages sent (or edited, or
    # deleted) a minute, typing notices a minute, blocks and unblocks an hour, live-event
    # streams opened a minute and held open at once. Per client address: sign-ups an hour,
    # sign-in attempts per 15 minutes. Per (account, client address): failed sign-ins per 15
    # minutes (so no one can lock an account out from elsewhere).
    limit_send_per_minute: int = Field(default=60, ge=1)
    limit_typing_per_minute: int = Field(default=30, ge=1)
    limit_blocks_per_hour: int = Field(default=60, ge=1)
    limit_signups_per_hour: int = Field(default=10, ge=1)
    limit_logins_per_address: int = Field(default=100, ge=1)
    limit_login_failures: int = Field(default=10, ge=1)
    limit_stream_opens_per_minute: int = Field(default=30, ge=1)
    # Per client address: public profile lookups (`/api/users/@{handle}/short`, no sign-in).
    limit_profile_lookups_per_minute: int = Field(default=60, ge=1)
    limit_streams_per_user: int = Field(default=5, ge=1)
    # Addresses (or CIDR ranges, comma-separated) of proxies whose X-Forwarded-For names the
    # client: the limits count by client address, and behind a load balancer the peer is the
    # balancer. Unset: none, the peer is the client (anyone could claim any address otherwise).
    trusted_proxies: str = ""
    # Local accounts: password hashes computed at once (7 MiB each; unset: half the cores, at
    # least one); more wait a tenth of a second, then get 503 with Retry-After.
    password_hash_slots: int | None = Field(default=None, ge=1, le=64)
    access_token_ttl: int = Field(default=3600, ge=60, le=86_400)
    jwks_min_refetch_seconds: float = Field(default=5.0, ge=0)
    idempotency_ttl_hours: int = Field(default=25, ge=24)
    # Origins (scheme://host[:port], comma-separated) whose pages may call the JSON API with a
    # bearer token, e.g. a React front end on its own origin. Unset: none.
    cors_origins: str = ""
    # The interactive API docs (/docs, /openapi.json): on locally; `serve --prod` turns them off
    # unless this is set true.
    api_docs: bool = True
    # Where the API listens (`serve`, `up`): loopback by default; 0.0.0.0 exposes it. Port 0
    # picks a free one.
    host: str = "127.0.0.1"
    port: int = Field(default=4567, ge=0, le=65535)
    # Prometheus metrics (/metrics) on a port of their own, not the API's (which a load balancer
    # publishes): `cruddur up` serves them on 9464 unless told (a free port if 9464 is taken);
    # `cruddur serve` and `cruddur stream run` only when this is set. 0: a free port.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    # The same figures as CloudWatch embedded-metric-format lines on stdout, one a minute: how
    # the API tasks on AWS publish them through their awslogs driver (the api stack sets it).
    metrics_emf: bool = False
    # Off: the process keeps no figure at all (no /metrics, no EMF): what the bench measures
    # the figures' cost against.
    metrics_enabled: bool = True
    # A request's line and headers must arrive within this many seconds, its body within the
    # next; past them 408 (a slow client cannot hold connections open). Open connections at
    # most (live-event streams count); past it new ones get 503.
    request_head_timeout: float = Field(default=10.0, gt=0, le=300)
    request_body_timeout: float = Field(default=30.0, gt=0, le=600)
    max_connections: int = Field(default=2000, ge=10)
    # Photos and files on messages. On AWS: the attachments bucket (the api stack's output),
    # S3 at another address only for an emulator (never AWS_ENDPOINT_URL, DynamoDB's). Unset:
    # files under data_dir/files, uploaded to and served by the API itself.
    attachments_bucket: str | None = None
    s3_endpoint_url: str | None = None
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    # An upload must be attached to a message within this many seconds, else it is gone; a
    # file's link serves it this long.
    attach_within_seconds: int = Field(default=3600, ge=60, le=7 * 86_400)
    attachment_link_seconds: int = Field(default=300, ge=10, le=86_400)
    # Per user: uploads begun an hour; exports of their data an hour.
    limit_uploads_per_hour: int = Field(default=100, ge=1)
    limit_exports_per_hour: int = Field(default=1, ge=1)
    # Group conversations: members at most (the creator counts; a start or a change is one
    # transaction of the members' rows, so at most 98); per user, groups started an hour and
    # people added to groups an hour.
    group_max_members: int = Field(default=50, ge=3, le=98)
    limit_group_starts_per_hour: int = Field(default=20, ge=1)
    limit_members_added_per_hour: int = Field(default=200, ge=1)
    # Web sessions: mark cookies Secure (true behind TLS termination); unset: by request scheme.
    cookie_secure: bool | None = None
    # Web Push: the origins of the push services a subscription's endpoint may name (`*.name`:
    # any name under it; an http origin only on a loopback address, for a local push service);
    # devices a person keeps (past it the longest subscribed go); days a device lives unless
    # its browser subscribes again; subscriptions per user an hour. The VAPID key is derived
    # from CRUDDUR_VAPID_SECRET (on AWS from Secrets Manager), else from a file in the data dir.
    push_allowed_origins: str = DEFAULT_PUSH_ORIGINS
    push_max_devices: int = Field(default=5, ge=1, le=20)
    push_lifetime_days: int = Field(default=60, ge=1, le=365)
    limit_push_subscriptions_per_hour: int = Field(default=20, ge=1)
    vapid_secret: SecretStr | None = None

    @field_validator("cursor_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < CURSOR_SECRET_MIN:
            raise ValueError(f"must be at least {CURSOR_SECRET_MIN} bytes (e.g. 32 random ones)")
        return value

    @field_validator("push_allowed_origins")
    @classmethod
    def _push_origins(cls, value: str) -> str:
        PushOrigins.parse(value)  # a bad entry: a ValueError naming it, at start
        return value

    @field_validator("vapid_secret")
    @classmethod
    def _vapid_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < CURSOR_SECRET_MIN:
            raise ValueError(f"must be at least {CURSOR_SECRET_MIN} bytes (e.g. 32 random ones)")
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        for origin in (part.strip() for part in value.split(",") if part.strip()):
            parts = urlsplit(origin)
            if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path.strip("/"):
                raise ValueError(f"{origin!r} is not an origin like https://app.example.org")
        return value

    @field_validator("allowed_regions")
    @classmethod
    def _regions(cls, value: str) -> str:
        for region in _parts(value):
            if not REGION.fullmatch(region):
                raise ValueError(f"{region!r} is not a region like eu-central-1")
        return value

    @property
    def keys_table(self) -> str:
        return self.keys_table_name or f"{self.data_set}-keys"

    @property
    def allowed_region_list(self) -> list[str]:
        return _parts(self.allowed_regions)

    @property
    def kms_key_id_list(self) -> list[str]:
        return _parts(self.kms_key_ids)

    @property
    def cors_origin_list(self) -> list[str]:
        return [part.strip().rstrip("/") for part in self.cors_origins.split(",") if part.strip()]

    @field_validator("cognito_user_pool_id")
    @classmethod
    def _pool_id(cls, value: str | None) -> str | None:
        if value and not USER_POOL_ID.fullmatch(value):
            raise ValueError("is not a user pool id like eu-west-1_AbCdEf123")
        return value

    @property
    def cognito_region(self) -> str:
        """The pool's region, from its id: the pool may live elsewhere than the table."""
        if self.cognito_user_pool_id:
            return self.cognito_user_pool_id.split("_", 1)[0]
        return self.aws_region

    def cognito_issuer(self) -> str:
        region = self.cognito_region
        return f"https://cognito-idp.{region}.amazonaws.com/{self.cognito_user_pool_id}"

    @property
    def users_database_url(self) -> str:
        return self.database_url or f"sqlite:///{Path(self.data_dir).resolve() / 'users.sqlite3'}"


def _parts(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def variable(name: str) -> str:
    """The environment variable a Settings field is read from (its first alias, else prefixed)."""
    alias = Settings.model_fields[name].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"CRUDDUR_{name.upper()}"


def describe_invalid(exc: ValidationError) -> str:
    """One line per bad setting, named by its variable; never the value (it may be a secret)."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        field = str(error["loc"][0]) if error["loc"] else ""
        name = variable(field) if field in Settings.model_fields else field
        problems.append(f"{name}: {error['msg']}")
    return "invalid settings: " + "; ".join(problems)
