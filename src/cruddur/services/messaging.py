"""Use cases of conversations: membership on every read and write, paging, sending, starting.

Every use case is a coroutine, awaited on the API's event loop; the operators' tools and the
tests run them on a loop of their own. One path for each job."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from cruddur.domain.attachments import Attachment
from cruddur.domain.clock import format_timestamp
from cruddur.domain.ids import message_uuid_at
from cruddur.domain.model import (
    InboxChoices,
    InboxEntry,
    Message,
    MessageIdentity,
    Page,
    Position,
    ReadPosition,
    Reply,
    UserRef,
    parse_uuid,
)
from cruddur.domain.text import clean_message, has_visible
from cruddur.errors import Conflict, Invalid, NotFound, PairExists
from cruddur.metrics import figures
from cruddur.services.blocking import require_no_block
from cruddur.services.context import MessagingContext, count, publish

log = logging.getLogger(__name__)
START_TRIES = 6
# No message expires sooner than this after it was sent (Settings.retention_days is at least
# one): a younger one needs no read to know it has not expired.
SHORTEST_RETENTION = timedelta(days=1)


async def require_member(ctx: MessagingContext, user_uuid: str, group_uuid: str) -> tuple[str, str]:
    """Both members of the group, if `user_uuid` is one; NotFound otherwise (pattern E).

    A group you are not in answers exactly as a group that does not exist.
    """
    return await _members(ctx, user_uuid, parse_uuid(group_uuid, "message_group_uuid"))


async def _members(ctx: MessagingContext, user_uuid: str, group_uuid: str) -> tuple[str, str]:
    """`require_member` of a group id already parsed."""
    cached = ctx.members.get(user_uuid, group_uuid)
    if cached is not None:
        return cached
    row = await ctx.store.get_inbox_row(user_uuid, group_uuid)
    return _remember(ctx, user_uuid, group_uuid, row)


async def get_conversation(ctx: MessagingContext, viewer: str, group_uuid: str) -> InboxEntry:
    """The viewer's inbox row of one conversation (members only), read fresh: it carries the
    other member's read position."""
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    row = await ctx.store.get_inbox_row(viewer, group_uuid)
    _remember(ctx, viewer, group_uuid, row)
    assert row is not None
    return expire_previews(ctx, [row])[0]


def _remember(
    ctx: MessagingContext, user_uuid: str, group_uuid: str, row: InboxEntry | None
) -> tuple[str, str]:
    if row is None:
        raise NotFound("no such conversation", field="message_group_uuid")
    members = (user_uuid, row.other.uuid)
    ctx.members.put(user_uuid, group_uuid, members)
    return members


def check_limit(ctx: MessagingContext, limit: int) -> int:
    if not 1 <= limit <= ctx.page_max:
        raise Invalid(f"limit must be between 1 and {ctx.page_max}", field="limit")
    return limit


async def list_messages(
    ctx: MessagingContext, viewer: str, group_uuid: str, limit: int = 20, cursor: str | None = None
) -> Page[Message]:
    """One page of a conversation, oldest first within the page; the cursor leads to older ones."""
    check_limit(ctx, limit)
    await require_member(ctx, viewer, group_uuid)
    group_uuid, scope, after = _messages_start(ctx, viewer, group_uuid, cursor)
    found, last = await ctx.store.query_messages(group_uuid, limit, after)
    return _messages_page(ctx, scope, await as_shown(ctx, group_uuid, found), last)


async def as_shown(
    ctx: MessagingContext, group_uuid: str, found: Sequence[Message]
) -> list[Message]:
    """Messages read from the store as a member sees them: those past their retention left
    out, each reply with its quote. Every reader of pages (the app's, the export) shows these."""
    return await with_replies(ctx, group_uuid, unexpired(ctx, found))


async def with_replies(
    ctx: MessagingContext, group_uuid: str, messages: Sequence[Message]
) -> list[Message]:
    """The messages, each reply with the message it answers as that reads now. Those not
    among `messages` are read at once (one BatchGetItem); a page without replies reads none."""
    wanted = {m.reply_to_uuid for m in messages if m.reply_to_uuid and m.reply_to is None}
    if not wanted:
        return list(messages)
    known = {m.message_uuid: m for m in messages}
    missing = {uuid for uuid in wanted if uuid not in known}
    if missing:
        known |= await ctx.edits.get_many(group_uuid, missing)
    gone = past_retention(ctx, known.values())
    known = {  # a quoted message past its retention reads as gone
        uuid: replace(m, text="", deleted=True) if uuid in gone else m for uuid, m in known.items()
    }
    return [
        replace(m, reply_to=Reply.of(known[m.reply_to_uuid]))
        if m.reply_to is None and m.reply_to_uuid in known
        else m
        for m in messages
    ]


def _messages_start(
    ctx: MessagingContext, viewer: str, group_uuid: str, cursor: str | None
) -> tuple[str, str, Position | None]:
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    scope = f"messages:{viewer}:{group_uuid}"
    return group_uuid, scope, _decode(ctx, scope, cursor)


def _messages_page(
    ctx: MessagingContext, scope: str, found: list[Message], last: Position | None
) -> Page[Message]:
    found.reverse()
    return Page(found, None if last is None else ctx.cursors.encode(scope, last))


async def list_inbox(
    ctx: MessagingContext,
    owner: str,
    limit: int = 20,
    cursor: str | None = None,
    *,
    archived: bool = False,
) -> Page[InboxEntry]:
    """One page of the owner's conversations, newest activity first; the pinned ones (at most
    MAX_PINNED) head the first page, before the rest. Or, `archived`, the archived ones."""
    view = "archived" if archived else "inbox"
    scope, after = _inbox_start(ctx, owner, limit, cursor, view)
    if archived or after is not None:
        return _inbox_page(ctx, scope, *await ctx.store.query_inbox(owner, limit, after, view))
    # The first page: the pinned rows and the newest others at once (a page's worth: the pinned
    # take some of its places, and the cursor follows the last of the others shown).
    pinned, (others, last) = await asyncio.gather(
        ctx.store.pinned_rows(owner), ctx.store.query_inbox(owner, limit, None, view)
    )
    room = max(limit - len(pinned), 0)
    if len(others) > room:
        # The next page starts after the last other row shown; when the pinned rows filled
        # this one, before every row (at the newest other).
        last = ctx.store.inbox_position(owner, others[room - 1] if room else None)
    return _inbox_page(ctx, scope, [*pinned, *others[:room]], last)


async def choose(
    ctx: MessagingContext, owner: str, group_uuid: str, choices: InboxChoices
) -> InboxEntry:
    """The owner's choices for a conversation of theirs (mute, archive, pin); their open pages
    refresh their inbox."""
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    await require_member(ctx, owner, group_uuid)
    entry = await ctx.store.choose(owner, group_uuid, choices, format_timestamp(ctx.clock()))
    await publish(ctx, owner, {"type": "inbox", "group": group_uuid})
    return entry


def _inbox_start(
    ctx: MessagingContext, owner: str, limit: int, cursor: str | None, view: str
) -> tuple[str, Position | None]:
    check_limit(ctx, limit)
    scope = f"inbox:{owner}" if view == "inbox" else f"inbox:{view}:{owner}"
    return scope, _decode(ctx, scope, cursor)


def _inbox_page(
    ctx: MessagingContext, scope: str, found: list[InboxEntry], last: Position | None
) -> Page[InboxEntry]:
    return Page(
        expire_previews(ctx, found), None if last is None else ctx.cursors.encode(scope, last)
    )


def _decode(ctx: MessagingContext, scope: str, cursor: str | None) -> Position | None:
    """The store's position in a cursor signed for this scope (the store checks what it
    names)."""
    return None if cursor is None else ctx.cursors.decode(scope, cursor)


@dataclass(frozen=True)
class Delivery:
    """A message whose text is cleaned and whose sender is a member of the group (or is
    starting one with `recipient`); `permitted` says whether a block stands between them."""

    sender: UserRef
    text: str
    members: tuple[str, str]  # the sender's uuid first
    group_uuid: str | None = None  # None: the first message to `recipient`, if they never talked
    recipient: UserRef | None = None
    reply_to: Message | None = None  # the message of the same conversation it answers
    attachments: tuple[Attachment, ...] = ()  # its files, kept (services/attachments.py)


async def replying(ctx: MessagingContext, delivery: Delivery, reply_to: str) -> Delivery:
    """The delivery as a reply: `reply_to` must be a message of its conversation, not deleted."""
    message_uuid = parse_uuid(reply_to, "reply_to")
    group_uuid = delivery.group_uuid or await ctx.store.find_pair(*delivery.members)
    try:
        if group_uuid is None:
            raise NotFound("no conversation yet")
        original = await ctx.edits.get(group_uuid, message_uuid)
    except NotFound:
        raise Invalid("reply_to is not a message of this conversation", field="reply_to") from None
    if past_retention(ctx, [original]):  # gone for every read: no quote of it either
        raise Invalid("reply_to is not a message of this conversation", field="reply_to")
    if original.deleted:
        raise Invalid("the message you reply to was deleted", field="reply_to")
    return replace(delivery, reply_to=original)


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
    members = await _members(ctx, sender.uuid, group_uuid)
    return Delivery(sender, text, members, group_uuid=group_uuid)


async def to_user(
    ctx: MessagingContext,
    sender: UserRef,
    recipient: UserRef,
    text: str,
    *,
    with_files: bool = False,
) -> Delivery:
    """A message to a user (pattern F): its text checked, and that it is not to oneself."""
    text = _text(ctx, text, with_files)
    if sender.uuid == recipient.uuid:
        raise Invalid("you cannot send a message to yourself", field="handle")
    return Delivery(sender, text, (sender.uuid, recipient.uuid), recipient=recipient)


async def permitted(ctx: MessagingContext, delivery: Delivery) -> None:
    """Blocked if either member blocked the other."""
    await require_no_block(ctx, delivery.sender, delivery.members[1])


async def send_message(
    ctx: MessagingContext,
    sender: UserRef,
    group_uuid: str,
    text: str,
    identity: MessageIdentity | None = None,
) -> Message:
    """Pattern C: a message into a group the sender is a member of."""
    delivery = await into_group(ctx, sender, group_uuid, text)
    await permitted(ctx, delivery)
    await count(ctx, "send", sender.uuid)
    return await deliver(ctx, delivery, identity)


async def start_conversation(
    ctx: MessagingContext,
    sender: UserRef,
    recipient: UserRef,
    text: str,
    identity: MessageIdentity | None = None,
) -> Message:
    """Pattern F: the first message to a user, or the next one if the pair already talks."""
    delivery = await to_user(ctx, sender, recipient, text)
    await permitted(ctx, delivery)
    await count(ctx, "send", sender.uuid)
    return await deliver(ctx, delivery, identity)


async def deliver(
    ctx: MessagingContext, delivery: Delivery, identity: MessageIdentity | None = None
) -> Message:
    """Write a checked message: the one write path of every send. Into its group; or, for a
    first message, a new conversation, unless the pair already talks (then into theirs)."""
    if delivery.group_uuid is not None:
        return await _put(ctx, delivery, delivery.group_uuid, identity)
    assert delivery.recipient is not None
    for attempt in range(START_TRIES):
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


async def mark_read(ctx: MessagingContext, owner: str, group_uuid: str) -> ReadPosition | None:
    """Everything shown is read. The other member's pages hear how far (for "Seen"), the
    owner's other pages that nothing is unread. None if it already was all read."""
    reader, other = await require_member(ctx, owner, group_uuid)
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    now = format_timestamp(ctx.clock())
    position = await ctx.store.mark_read(reader, other, group_uuid, now)
    if position is not None:
        await publish(ctx, other, read_event(position))
        await publish(ctx, reader, {"type": "inbox", "group": group_uuid})
    return position


def read_event(position: ReadPosition) -> dict[str, str]:
    return {
        "type": "read",
        "group": position.group_uuid,
        "read_until": position.read_until,
        "read_at": position.read_at,
    }


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
        expires_at=_expiry(ctx),
    )


def _expiry(ctx: MessagingContext) -> int | None:
    if ctx.retention_days is None:
        return None
    return int(ctx.clock().timestamp()) + ctx.retention_days * 86_400


def past_retention(ctx: MessagingContext, messages: Iterable[Message]) -> set[str]:
    """The ids of the messages past their retention: the one rule of every read of a message
    (a page, one message, a quote, an edit, the export). A message carries its end, the table's
    TTL attribute, from the moment it was sent; past it, no read shows the message, though
    DynamoDB's TTL may take two more days to delete it. Read against the context's clock."""
    timed = [m for m in messages if m.expires_at is not None]
    if not timed:
        return set()  # none can have expired: no need to ask the clock
    now = ctx.clock().timestamp()
    return {m.message_uuid for m in timed if m.expired(now)}


def unexpired(ctx: MessagingContext, messages: Sequence[Message]) -> list[Message]:
    """Messages past their retention are never shown, even before the TTL deletes them."""
    gone = past_retention(ctx, messages)
    return [m for m in messages if m.message_uuid not in gone]


def expire_previews(ctx: MessagingContext, entries: list[InboxEntry]) -> list[InboxEntry]:
    """An inbox row whose last message is older than the retention period shows no text (the
    message is gone, or soon will be): "expired", not a preview."""
    if ctx.retention_days is None:
        return entries
    cutoff = format_timestamp(ctx.clock() - timedelta(days=ctx.retention_days))
    return [
        replace(e, last_message="", last_message_expired=True) if e.last_message_at < cutoff else e
        for e in entries
    ]
