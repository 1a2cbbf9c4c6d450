"""Photos and files, as use cases: begin an upload (members only, limited), attach it to one
message of its conversation, by its uploader, once, in time; delete a message's files with it.

The bytes go straight to the store (an S3 presigned POST on AWS): the API sees them only when
they are attached, to decide what they are from the bytes themselves and to draw an image again
without its metadata. Until then an upload is nothing anyone can see.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from cruddur.domain.attachments import (
    CONTENT_TYPES,
    IMAGE_TYPES,
    MOST_PER_MESSAGE,
    THUMBNAIL_TYPE,
    Attachment,
    Upload,
    clean_name,
    file_key,
    sniff,
    thumbnail_key,
    upload_key,
)
from cruddur.domain.model import UserRef, parse_uuid
from cruddur.errors import Conflict, Invalid
from cruddur.services.context import MessagingContext, Shelf, within_limit
from cruddur.services.membership import require_member, require_no_block_in

log = logging.getLogger(__name__)
ACCEPTED = "photos (JPEG, PNG, WebP, GIF), PDF, plain text or zip"


@dataclass(frozen=True)
class UploadForm:
    attachment_id: str
    url: str
    fields: dict[str, str]


def shelf_of(ctx: MessagingContext) -> Shelf:
    if ctx.shelf is None:
        raise Invalid("this server takes no files", field="attachments")
    return ctx.shelf


async def begin_upload(
    ctx: MessagingContext,
    sender: UserRef,
    group_uuid: str,
    name: str,
    content_type: str,
    size: int,
) -> UploadForm:
    """An upload into a conversation of the sender's: where to POST the bytes. What it is gets
    decided from the bytes at attach time; a declared type we never take is refused now."""
    shelf = shelf_of(ctx)
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    access = await require_member(ctx, sender.uuid, group_uuid)
    await require_no_block_in(ctx, sender, access)
    name = clean_name(name)
    if content_type not in CONTENT_TYPES:
        raise Invalid(f"files may be {ACCEPTED}", field="content_type")
    if not 1 <= size <= shelf.max_bytes:
        raise Invalid(f"a file is 1 to {shelf.max_bytes} bytes", field="size")
    await within_limit(ctx, "upload", sender.uuid)
    now = int(ctx.clock().timestamp())
    upload = Upload(
        attachment_id=str(uuid.uuid4()),
        uploader_uuid=sender.uuid,
        group_uuid=group_uuid,
        name=name,
        declared_type=content_type,
        declared_size=size,
        expires_at=now + shelf.attach_within_seconds,
    )
    await shelf.uploads.begin(upload)
    url, fields = await asyncio.to_thread(
        shelf.files.upload_form, upload_key(upload.attachment_id), size, shelf.attach_within_seconds
    )
    log.info("upload begun group=%s attachment=%s", group_uuid, upload.attachment_id)
    return UploadForm(upload.attachment_id, url, fields)


async def check_uploads(
    ctx: MessagingContext, sender_uuid: str, group_uuid: str | None, ids: Sequence[str]
) -> list[Upload]:
    """The uploads a send names: each the sender's, begun in this conversation, not expired.
    Read only: nothing is taken before every other check of the send has passed."""
    if not ids:
        return []
    shelf = shelf_of(ctx)
    if len(ids) > MOST_PER_MESSAGE:
        raise Invalid(f"at most {MOST_PER_MESSAGE} files on one message", field="attachments")
    parsed = [parse_uuid(value, "attachments") for value in ids]
    if len(set(parsed)) != len(parsed):
        raise Invalid("the same file is named twice", field="attachments")
    found = []
    for attachment_id in parsed:
        upload = await shelf.uploads.get(attachment_id)
        if upload is None or upload.uploader_uuid != sender_uuid or upload.group_uuid != group_uuid:
            # Another's upload, another conversation's, an expired or unknown one: all alike.
            raise Invalid(
                f"{attachment_id} is not an upload of yours to this conversation (it may have"
                " expired: upload it again)",
                field="attachments",
            )
        found.append(upload)
    return found


async def take(
    ctx: MessagingContext, uploads: Sequence[Upload], message_uuid: str
) -> tuple[Attachment, ...]:
    """The uploads' bytes checked and kept as the message's files, each upload attached to the
    message (once: a second send naming it is refused). On any failure nothing stays taken."""
    if not uploads:
        return ()
    shelf = shelf_of(ctx)
    taken: list[Upload] = []
    attachments = []
    try:
        for upload in uploads:
            attachment = await asyncio.to_thread(_keep, shelf, upload)
            now = int(ctx.clock().timestamp())
            if not await shelf.uploads.attach(upload, message_uuid, now):
                raise Conflict(
                    f"{upload.attachment_id} is already on a message", field="attachments"
                )
            taken.append(upload)
            attachments.append(attachment)
    except BaseException:
        await untake(ctx, taken, message_uuid)
        raise
    return tuple(attachments)


async def untake(ctx: MessagingContext, uploads: Sequence[Upload], message_uuid: str) -> None:
    """The send failed after `take`: the uploads are attachable again (their files are kept
    again at the next attempt)."""
    shelf = shelf_of(ctx)
    for upload in uploads:
        await shelf.uploads.release(upload, message_uuid)


async def taken(ctx: MessagingContext, uploads: Sequence[Upload]) -> None:
    """The send is stored: the uploaded originals are no longer needed, and the uploader's
    list of files (what erasing their account deletes) names these."""
    if uploads:
        shelf = shelf_of(ctx)
        await shelf.uploads.kept(uploads[0].uploader_uuid, [u.attachment_id for u in uploads])
        keys = [upload_key(upload.attachment_id) for upload in uploads]
        await asyncio.to_thread(shelf.files.delete, keys)


async def delete_files(ctx: MessagingContext, attachments: Sequence[Attachment]) -> None:
    """A deleted message's files go with it."""
    if attachments and ctx.shelf is not None:
        keys = [key for attachment in attachments for key in attachment.keys]
        await asyncio.to_thread(ctx.shelf.files.delete, keys)


def _keep(shelf: Shelf, upload: Upload) -> Attachment:
    """On a thread: the upload's bytes, decided by what they are, stored as the message's file
    (an image drawn again, with its thumbnail)."""
    data = shelf.files.read(upload_key(upload.attachment_id), upload.declared_size)
    if data is None:
        raise Invalid(
            f"{upload.attachment_id} has not arrived (or is larger than declared): upload it",
            field="attachments",
        )
    kind = sniff(data)
    if kind is None:
        raise Invalid(f"this file is none of {ACCEPTED}", field="attachments")
    key = file_key(upload.attachment_id)
    if kind not in IMAGE_TYPES:
        shelf.files.write(key, data, kind)
        return Attachment(upload.attachment_id, upload.name, kind, len(data))
    image = shelf.reencode(data, kind)
    shelf.files.write(key, image.data, kind)
    shelf.files.write(thumbnail_key(upload.attachment_id), image.thumbnail, THUMBNAIL_TYPE)
    return Attachment(
        upload.attachment_id, upload.name, kind, len(image.data), image.width, image.height
    )
