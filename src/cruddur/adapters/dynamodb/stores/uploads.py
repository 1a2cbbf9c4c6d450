"""Uploads begun and not attached yet, kept in the messages table with a TTL.

An upload names its uploader, its conversation and its time limit; attaching it is one
conditional write, so an upload is attached once, by its uploader, in time, however many sends
race for it. Its name is sealed like a message's text (it says as much).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cruddur.adapters.dynamodb import operations
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.attributes import GROUP_UUID, Item, s, sealed, to_attrs
from cruddur.adapters.dynamodb.errors import CONDITION_FAILED
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain import keys
from cruddur.domain.attachments import Upload

UPLOADER = "uploader_uuid"
NAME = "name"
DECLARED_TYPE = "declared_type"
DECLARED_SIZE = "declared_size"
ATTACHED_TO = "attached_to"
FILE_IDS = "ids"  # on the files item: a string set of the attachment ids a user sent


def _context(attachment_id: str) -> str:
    return keys.upload_key(attachment_id)[keys.PK]


class UploadTable:
    def __init__(self, table: AsyncTable, clock: Callable[[], float] = time.time) -> None:
        self.table = table
        self.clock = clock

    async def begin(self, upload: Upload) -> None:
        await self.table.ready_to_seal(upload.uploader_uuid)
        sealed = self.table.sealer.seal(
            upload.name, upload.group_uuid, _context(upload.attachment_id), upload.uploader_uuid
        )
        item = {
            **to_attrs(keys.upload_key(upload.attachment_id)),
            UPLOADER: s(upload.uploader_uuid),
            GROUP_UUID: s(upload.group_uuid),
            NAME: {"B": sealed},
            DECLARED_TYPE: s(upload.declared_type),
            DECLARED_SIZE: {"N": str(upload.declared_size)},
            keys.EXPIRES_AT: {"N": str(upload.expires_at)},
        }
        await self.table.put_new(item)

    async def get(self, attachment_id: str) -> Upload | None:
        item = await self.table.get(keys.upload_key(attachment_id))
        if item is None:
            return None
        upload = Upload(
            attachment_id=attachment_id,
            uploader_uuid=item[UPLOADER]["S"],
            group_uuid=item[GROUP_UUID]["S"],
            name=self.table.sealer.open(
                sealed(item, NAME),
                item[GROUP_UUID]["S"],
                _context(attachment_id),
            ),
            declared_type=item[DECLARED_TYPE]["S"],
            declared_size=int(item[DECLARED_SIZE]["N"]),
            expires_at=int(item[keys.EXPIRES_AT]["N"]),
        )
        if upload.expires_at <= self.clock():
            return None  # TTL deletion lags: an expired upload counts as gone
        return upload

    async def attach(self, upload: Upload, message_uuid: str, now: int) -> bool:
        return await self._set(
            upload,
            f"SET {ATTACHED_TO} = :message",
            f"{UPLOADER} = :uploader AND {keys.EXPIRES_AT} > :now"
            f" AND (attribute_not_exists({ATTACHED_TO}) OR {ATTACHED_TO} = :message)",
            {":message": s(message_uuid), ":now": {"N": str(now)}},
        )

    async def release(self, upload: Upload, message_uuid: str) -> None:
        await self._set(
            upload,
            f"REMOVE {ATTACHED_TO}",
            f"{UPLOADER} = :uploader AND {ATTACHED_TO} = :message",
            {":message": s(message_uuid)},
        )

    async def _set(self, upload: Upload, expression: str, condition: str, values: Item) -> bool:
        try:
            update = operations.update(
                self.table.name,
                keys.upload_key(upload.attachment_id),
                expression,
                {":uploader": s(upload.uploader_uuid), **values},
                condition=f"attribute_exists({keys.PK}) AND {condition}",
            )
            await self.table.call("UpdateItem", update, passthrough=(CONDITION_FAILED,))
        except DynamoError:
            return False
        return True

    async def kept(self, uploader_uuid: str, attachment_ids: list[str]) -> None:
        update = operations.update(
            self.table.name,
            keys.files_key(uploader_uuid),
            f"ADD {FILE_IDS} :ids",
            {":ids": {"SS": list(attachment_ids)}},
        )
        await self.table.call("UpdateItem", update)

    async def files_of(self, uploader_uuid: str) -> list[str]:
        item = await self.table.get(keys.files_key(uploader_uuid))
        return sorted(item[FILE_IDS]["SS"]) if item and FILE_IDS in item else []

    async def forget_files(self, uploader_uuid: str) -> None:
        await self.table.call(
            "DeleteItem", operations.delete(self.table.name, keys.files_key(uploader_uuid))
        )
