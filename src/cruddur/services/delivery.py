"""One message, checked and written: its text cleaned, its sender a member (or starting a
conversation with the recipient), a reply's original found, and the one write path of every
send (`deliver`). `sending.py` puts these together for each way a message is sent."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, replace

from cruddur.domain.attachments import Attachment
from cruddur.domain.clock import format_timestamp
from cruddur.domain.ids import message_uuid_at
from cruddur.domain.model import Message, MessageIdentity, Reply, UserRef, parse_uuid
from cruddur.domain.text import clean_message, has_visible
from cruddur.errors import Conflict, Invalid, NotFound, PairExists
from cruddur.metrics import figures
from cruddur.services.blocking import require_no_block
from cruddur.services.context import MessagingContext
from cruddur.services.membership import members_of
from cruddur.services.retention import expires_at, past_retention

log = logging.getLogger(__name__)
START_TRIES = 6


@dataclass(frozen=True)
class Delivery:
    """A message whose text is cleaned and whose sender is a member of the group, or is writing
    to `recipient` (then `group_uuid` is their conversation, looked up once: None if they never
    talked)."""

    sender: UserRef
    text: str
    # A direct conversation's two members, the sender's uuid first; () for a group's.
    members: tuple[str, ...]
    group_uuid: str | None = None
    recipient: UserRef | None = None  # set when sent to a person rather than into a group
    reply_to: Message | None = None  # the message of the same conversation it answers
    attachments: tuple[Attachment, ...] = ()  # its files, kept (services/attachments.py)


def _text(ctx: MessagingContext, text: str, with_files: bool) -> str:
    """The cleaned text; a message with files may have none."""
    if with_files and not has_visible(text):
        return ""
    return clean_message(text, ctx.max_chars)


async def into_group(
    ctx: MessagingContext, sender: UserRef, group_uuid: str, text: str, *, with_files: bool = False
) -> Delivery:
    """A message into a group (pattern C): its text and the sender's membership checked."""
    text = _text(ctx, text, with_files)
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    access = await members_of(ctx, sender.uuid, group_uuid)
    return Delivery(sender, text, access.members, group_uuid=group_uuid)


async def to_user(
    ctx: MessagingContext,
    sender: UserRef,
    recipient: UserRef,
    text: str,
    *,
    with_files: bool = False,
) -> Delivery:
    """A message to a user (pattern F): its text checked, that it is not to oneself, and their
    conversation, if they have one (the only look-up of the pair before the write)."""
    text = _text(ctx, text, with_files)
    if sender.uuid == recipient.uuid:
        raise Invalid("you cannot send a message to yourself", field="handle")
    group_uuid = await ctx.store.find_pair(sender.uuid, recipient.uuid)
    members = (sender.uuid, recipient.uuid)
    return Delivery(sender, text, members, group_uuid=group_uuid, recipient=recipient)


async def replying(ctx: MessagingContext, delivery: Delivery, reply_to: str) -> Delivery:
    """The delivery as a reply: `reply_to` must be a message of its conversation, not deleted."""
    message_uuid = parse_uuid(reply_to, "reply_to")
    try:
        if delivery.group_uuid is None:
            raise NotFound("no conversation yet")
        original = await ctx.edits.get(delivery.group_uuid, message_uuid)
    except NotFound:
        raise Invalid("reply_to is not a message of this conversation", field="reply_to") from None
    if past_retention(ctx, [original]):  # gone for every read: no quote of it either
        raise Invalid("reply_to is not a message of this conversation", field="reply_to")
    if original.deleted:
        raise Invalid("the message you reply to was deleted", field="reply_to")
    return replace(delivery, reply_to=original)


async def require_permitted(ctx: MessagingContext, delivery: Delivery) -> None:
    """Blocked if either member of a direct conversation blocked the other (a group both
    share stays shared)."""
    if delivery.members:
        await require_no_block(ctx, delivery.sender, delivery.members[1])


async def deliver(
    ctx: MessagingContext, delivery: Delivery, identity: MessageIdentity | None = None
) -> Message:
    """Write a checked message: the one write path of every send. Into its group; or, for a
    first message, a new conversation, unless the pair started one meanwhile (then into it)."""
    if delivery.group_uuid is not None:
        return await _put(ctx, delivery, delivery.group_uuid, identity)
    assert delivery.recipient is not None
    existing: str | None = None
    for attempt in range(START_TRIES):
        if attempt:
            existing = await ctx.store.find_pair(delivery.sender.uuid, delivery.recipient.uuid)
        if existing is not None:
            return await _put(ctx, delivery, existing, identity)
        group_uuid = identity.group_uuid if identity else str(uuid.uuid4())
        first = _new_message(ctx, group_uuid, delivery, identity)
        try:
            await ctx.store.create_conversation(delivery.sender, delivery.recipient, first)
        except PairExists:
            continue  # someone started it first: the next look finds the pair
        except Conflict:
            await asyncio.sleep(0.01 * 2**attempt)  # a concurrent transaction held an item
            continue
        log.info("conversation started group=%s", first.group_uuid)
        figures.CONVERSATIONS_STARTED.inc()
        figures.MESSAGES_SENT.inc()
        return first
    raise Conflict("could not start the conversation; try again")


async def _put(
    ctx: MessagingContext, delivery: Delivery, group_uuid: str, identity: MessageIdentity | None
) -> Message:
    message = await ctx.store.put_message(_new_message(ctx, group_uuid, delivery, identity))
    log.debug("message sent group=%s", message.group_uuid)
    figures.MESSAGES_SENT.inc()
    return message


def new_identity(ctx: MessagingContext) -> MessageIdentity:
    now = ctx.clock()
    # The id names its time (domain/ids.py): an edit finds the message from the id alone.
    return MessageIdentity(
        message_uuid=message_uuid_at(now),
        created_at=format_timestamp(now),
        group_uuid=str(uuid.uuid4()),
    )


def _new_message(
    ctx: MessagingContext, group_uuid: str, delivery: Delivery, identity: MessageIdentity | None
) -> Message:
    identity = identity or new_identity(ctx)
    original = delivery.reply_to
    return Message(
        group_uuid=group_uuid,
        message_uuid=identity.message_uuid,
        text=delivery.text,
        created_at=identity.created_at,
        sender=delivery.sender,
        member_uuids=delivery.members,
        reply_to_uuid=None if original is None else original.message_uuid,
        reply_to=None if original is None else Reply.of(original),
        attachments=delivery.attachments,
        expires_at=expires_at(ctx),
    )
