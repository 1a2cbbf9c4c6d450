"""Where data lives, built from Settings: the table and the stores composed on it, the keys that
seal what people write, the users directory and the shelf of photos and files.

The API (`bootstrap.build_runtime`), the ops CLI, the stream processor and the benchmark open
their data through these. Pass one `AwsClients` to everything a process builds: its wires to
DynamoDB are then made once, with one retry quota.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.crypto.envelope import (
    KEY_FILE,
    Envelope,
    KmsWrapping,
    LocalWrapping,
    Wrapping,
)
from cruddur.adapters.crypto.sealing import Sealer
from cruddur.adapters.dynamodb import message_items
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.adapters.dynamodb.schema import create_keys_table
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.dynamodb.stores.data_keys import DataKeys
from cruddur.adapters.dynamodb.stores.inbox_repair import InboxRepair
from cruddur.adapters.dynamodb.stores.inbox_rows import InboxUpdates
from cruddur.adapters.dynamodb.stores.uploads import UploadTable
from cruddur.adapters.dynamodb.stores.user_keys import UserKeys
from cruddur.adapters.dynamodb.table import DynamoTable
from cruddur.adapters.dynamodb.text_sealer import TextSealer
from cruddur.adapters.files.local import LocalFiles
from cruddur.adapters.users.directory import UsersDirectory, make_engine
from cruddur.config import Settings
from cruddur.domain.attachments import Reencoded
from cruddur.domain.model import UserRef
from cruddur.services.context import Shelf
from cruddur.services.ports.files import FileStore


def build_table(
    settings: Settings, meter: CapacityMeter | None = None, clients: AwsClients | None = None
) -> DynamoTable:
    """The table behind the blocking wire: the ops CLI's, the data keys', the tests'."""
    clients = clients or AwsClients(settings)
    return DynamoTable(clients.wire, settings.table_name, meter)


def build_wrapping(settings: Settings, clients: AwsClients | None = None) -> Wrapping:
    """AWS KMS when CRUDDUR_KMS_KEY_IDS names keys, else the key file in the data dir."""
    if settings.kms_key_id_list:
        return KmsWrapping((clients or AwsClients(settings)).kms(), settings.kms_key_id_list)
    return LocalWrapping(settings.wrapping_key_file or Path(settings.data_dir) / KEY_FILE)


def build_data_keys(
    settings: Settings, wrapping: Wrapping | None = None, table: DynamoTable | None = None
) -> DataKeys:
    """The data key generations of the data set, wrapped as the settings say."""
    return DataKeys(
        table or build_table(settings, CapacityMeter()),
        Envelope(wrapping or build_wrapping(settings)),
        data_set=settings.data_set,
    )


def build_user_keys(
    settings: Settings, data_keys: DataKeys, clients: AwsClients | None = None
) -> UserKeys:
    """Each person's key, in the keys table, over the data keys' wire. Against DynamoDB Local a
    missing keys table is made on first use (the stacks make it on AWS)."""
    clients = clients or AwsClients(settings)

    def create() -> None:
        create_keys_table(clients.wire, settings.keys_table)

    local = settings.aws_endpoint_url is not None
    table = DynamoTable(
        data_keys.table.wire,
        settings.keys_table,
        data_keys.table.meter,
        create_missing=create if local else None,
    )
    return UserKeys(table, data_keys)


def build_sealer(
    settings: Settings, table: DynamoTable | None = None, clients: AwsClients | None = None
) -> Sealer:
    clients = clients or AwsClients(settings)
    table = table or build_table(settings, clients=clients)
    data_keys = build_data_keys(settings, build_wrapping(settings, clients), table)
    return Sealer(data_keys, build_user_keys(settings, data_keys, clients))


def build_store(
    settings: Settings,
    meter: CapacityMeter | None = None,
    sealer: TextSealer | None = None,
    clients: AwsClients | None = None,
) -> ConversationTable:
    """The API's store, awaited on the event loop (its connections open in the loop of its
    first call; `await store.close()` in that loop). It seals what people write, so it holds
    the data keys (looked up and unwrapped on a thread, over the blocking table)."""
    clients = clients or AwsClients(settings)
    meter = meter if meter is not None else CapacityMeter()
    sealer = sealer or build_sealer(settings, build_table(settings, meter, clients), clients)
    return ConversationTable(AsyncTable(clients.awaited_wire, settings.table_name, sealer, meter))


def build_inbox_updates(settings: Settings, meter: CapacityMeter | None = None) -> InboxUpdates:
    """The stream processor's writer: it copies sealed previews and holds no key."""
    return InboxUpdates(build_table(settings, meter))


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
        found, gone = message_items.sender_of(item, sealer)
        return None if gone else found

    return InboxRepair(build_table(settings, meter), profile, senders=sender)


def build_users(settings: Settings) -> UsersDirectory:
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    return UsersDirectory(make_engine(settings.users_database_url))


def _reencode(data: bytes, content_type: str) -> Reencoded:
    # Pillow (~6 MiB of RSS) loads with the first photo someone sends, not at every start.
    from cruddur.adapters.files.images import reencode

    return reencode(data, content_type)


def build_shelf(
    settings: Settings, table: AsyncTable, secret: bytes, clients: AwsClients | None = None
) -> tuple[Shelf, LocalFiles | None]:
    """Where photos and files go: the attachments bucket, or the data dir (then also the local
    files, which the API's own upload and file endpoints serve, their links signed with a key
    derived from `secret`)."""
    local: LocalFiles | None = None
    files: FileStore
    if settings.attachments_bucket:
        from cruddur.adapters.files.s3 import S3Files

        s3 = (clients or AwsClients(settings)).s3()
        files = S3Files(s3, settings.attachments_bucket)
    else:
        key = hmac.new(secret, b"cruddur files", hashlib.sha256).digest()
        files = local = LocalFiles(Path(settings.data_dir) / "files", key)
    shelf = Shelf(
        files=files,
        uploads=UploadTable(table),
        reencode=_reencode,
        max_bytes=settings.attachment_max_bytes,
        attach_within_seconds=settings.attach_within_seconds,
        link_seconds=settings.attachment_link_seconds,
    )
    return shelf, local
