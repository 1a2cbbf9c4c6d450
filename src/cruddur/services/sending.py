"""Sending a message, the one sequence of every send: `POST /api/messages` (into a group or to a
handle, optionally idempotent, with files and as a reply) and the demo's and the bench's sends
(`send_message`, `start_conversation`) all run `send`."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

from cruddur.domain import constant_time
from cruddur.domain.model import Claim, Message, MessageIdentity, UserRef
from cruddur.errors import Blocked, Conflict, Invalid, NotFound, TooManyAttempts
from cruddur.services import attachments as files
from cruddur.services.context import MessagingContext
from cruddur.services.delivery import (
    Delivery,
    deliver,
    into_group,
    new_identity,
    replying,
    require_permitted,
    to_user,
)
from cruddur.services.ports.messages import Claims
from cruddur.services.ports.people import Directory
from cruddur.services.reading import with_replies

IDEMPOTENCY_KEY_MAX = 255


@dataclass(frozen=True)
class Idempotency:
    store: Claims
    ttl_seconds: int
    fingerprint_key: bytes  # the request's fingerprint is an HMAC: the text stays unguessable


async def post_message(
    ctx: MessagingContext,
    users: Directory,
    sender: UserRef,
    text: str,
    *,
    group_uuid: str | None = None,
    handle: str | None = None,
    idempotency: Idempotency | None = None,
    key: str | None = None,
    reply_to: str | None = None,
    attachments: Sequence[str] = (),
) -> Message:
    """`POST /api/messages`: into a group, or to the person with this handle."""
    if (group_uuid is None) == (handle is None):
        raise Invalid("give either message_group_uuid or handle", field="message_group_uuid")
    recipient = None
    if handle is not None:
        # PostgreSQL, blocking: on a thread (only a send to a handle, not one into a group).
        found = await asyncio.to_thread(users.by_handle, handle)
        recipient = UserRef(found.uuid, found.handle, found.display_name)
    sent = Send(text, group_uuid, recipient, idempotency, key, reply_to, tuple(attachments))
    return await send(ctx, sender, sent)


async def send_message(
    ctx: MessagingContext, sender: UserRef, group_uuid: str, text: str
) -> Message:
    """Pattern C: a message into a group the sender is a member of."""
    return await send(ctx, sender, Send(text, group_uuid=group_uuid))


async def start_conversation(
    ctx: MessagingContext, sender: UserRef, recipient: UserRef, text: str
) -> Message:
    """Pattern F: the first message to a user, or the next one if the pair already talks."""
    return await send(ctx, sender, Send(text, recipient=recipient))


@dataclass(frozen=True)
class Send:
    """What a send asks for: its text, where it goes (a group, or a person), and its options."""

    text: str
    group_uuid: str | None = None
    recipient: UserRef | None = None
    idempotency: Idempotency | None = None
    key: str | None = None
    reply_to: str | None = None
    attachments: tuple[str, ...] = ()


async def send(ctx: MessagingContext, sender: UserRef, asked: Send) -> Message:
    """Every check runs once, before anything is written, so bad input leaves nothing behind;
    then `delivery.deliver` writes, the one write path. With files the text may be empty; the
    files are taken (checked, kept, their uploads used up) just before the write."""
    delivery = await _checked(ctx, sender, asked)
    uploads = []
    if asked.attachments:
        # An upload belongs to a conversation: a first message to someone carries none.
        uploads = await files.check_uploads(
            ctx, sender.uuid, delivery.group_uuid, asked.attachments
        )
    keyed = None
    if asked.key is not None:
        if asked.idempotency is None:
            raise Invalid("idempotency keys are not supported here", field="Idempotency-Key")
        fingerprint = _fingerprint(asked.idempotency, asked.key, delivery, asked.attachments)
        keyed = _Keyed(asked.idempotency, asked.key, fingerprint)
    replayed = await _admitted(ctx, delivery, keyed)
    if replayed is not None:
        return await _shown(ctx, replayed)
    identity = new_identity(ctx) if keyed is None else await _claim(ctx, keyed, sender)
    if not uploads:
        return await _shown(ctx, await deliver(ctx, delivery, identity))
    if keyed is not None:
        # A retry of a send whose files were taken: its uploads are used up, its message stands.
        replayed = await _replayed(ctx, keyed, delivery)
        if replayed is not None:
            return await _shown(ctx, replayed)
    kept = await files.take(ctx, uploads, identity.message_uuid)
    try:
        message = await deliver(ctx, replace(delivery, attachments=kept), identity)
    except BaseException:
        await files.untake(ctx, uploads, identity.message_uuid)
        raise
    await files.taken(ctx, uploads)
    return await _shown(ctx, message)


async def _checked(ctx: MessagingContext, sender: UserRef, asked: Send) -> Delivery:
    with_files = bool(asked.attachments)
    if asked.group_uuid is not None:
        delivery = await into_group(
            ctx, sender, asked.group_uuid, asked.text, with_files=with_files
        )
    else:
        assert asked.recipient is not None
        delivery = await to_user(ctx, sender, asked.recipient, asked.text, with_files=with_files)
    if asked.reply_to is not None:
        delivery = await replying(ctx, delivery, asked.reply_to)
    return delivery


async def _admitted(
    ctx: MessagingContext, delivery: Delivery, keyed: _Keyed | None
) -> Message | None:
    """None if the send may go ahead, else the refusal (blocked, or past the send limit) —
    unless it is a keyed retry of a send that went through: then that message, as the first
    attempt answered, even if it would be refused today. Before the claim: a refused send
    writes nothing."""
    try:
        await require_permitted(ctx, delivery)
        if ctx.limits is not None:  # None: operators' tools, which have no limits
            # Untallied: a refused keyed retry may yet be a replay, answered 200, not 429.
            await ctx.limits.take("send", delivery.sender.uuid, tally=False)
    except (Blocked, TooManyAttempts) as refusal:
        replayed = None if keyed is None else await _replayed(ctx, keyed, delivery)
        if replayed is not None:
            return replayed
        if isinstance(refusal, TooManyAttempts) and ctx.limits is not None:
            ctx.limits.tally_refusal("send")
        raise
    return None


async def _shown(ctx: MessagingContext, message: Message) -> Message:
    """As a page shows it: a retried send's stored reply quotes what it answers, as that reads
    now (a first attempt's answer already does)."""
    [shown] = await with_replies(ctx, message.group_uuid, [message])
    return shown


@dataclass(frozen=True)
class _Keyed:
    """A keyed request: where its claim is kept, its key, and its body's fingerprint."""

    idempotency: Idempotency
    key: str
    fingerprint: str


async def _replayed(ctx: MessagingContext, keyed: _Keyed, delivery: Delivery) -> Message | None:
    """The message a first attempt with this key and body stored, as it now stands."""
    sender = delivery.sender.uuid
    held = await keyed.idempotency.store.held_claim(sender, keyed.key)
    if held is None or not constant_time.equal(held.fingerprint, keyed.fingerprint):
        return None
    group = delivery.group_uuid
    if group is None and delivery.recipient is not None:
        group = await ctx.store.find_pair(sender, delivery.recipient.uuid)
    if group is None:
        return None
    try:
        stored = await ctx.edits.get(group, held.identity.message_uuid)
    except NotFound:
        return None  # claimed, but the first attempt never wrote: this one is refused
    return stored if stored.sender.uuid == sender else None


def _fingerprint(
    idempotency: Idempotency, key: str, delivery: Delivery, attachments: Sequence[str]
) -> str:
    check_key(key)
    recipient = delivery.recipient
    request = {
        "message": delivery.text,
        # As asked: a send to a person names no group, even once their conversation exists
        # (a retry of a first message finds the conversation its first attempt made).
        "message_group_uuid": None if recipient is not None else delivery.group_uuid,
        "handle": None if recipient is None else recipient.handle,  # as the directory has it
    }
    if delivery.reply_to is not None:  # only then: other sends' fingerprints stay as they were
        request["reply_to"] = delivery.reply_to.message_uuid
    if attachments:
        request["attachments"] = ",".join(attachments)
    body = json.dumps(request, sort_keys=True).encode()
    return hmac.new(idempotency.fingerprint_key, body, hashlib.sha256).hexdigest()


def check_key(key: str) -> None:
    if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX or not key.isascii() or not key.isprintable():
        raise Invalid(
            f"an Idempotency-Key is 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII characters",
            field="Idempotency-Key",
        )


async def claim_identity(
    ctx: MessagingContext, idempotency: Idempotency, user_uuid: str, key: str, request: object
) -> MessageIdentity:
    """The identity every retry of this keyed request writes (a request of another body under
    the key is a Conflict): for requests other than sends (a group's start)."""
    check_key(key)
    body = json.dumps(request, sort_keys=True).encode()
    fingerprint = hmac.new(idempotency.fingerprint_key, body, hashlib.sha256).hexdigest()
    held = await idempotency.store.claim(
        user_uuid, key, Claim(fingerprint, new_identity(ctx)), idempotency.ttl_seconds
    )
    if not constant_time.equal(held.fingerprint, fingerprint):
        raise Conflict(
            "this Idempotency-Key was used with another request", field="Idempotency-Key"
        )
    return held.identity


async def _claim(ctx: MessagingContext, keyed: _Keyed, sender: UserRef) -> MessageIdentity:
    held = await keyed.idempotency.store.claim(
        sender.uuid,
        keyed.key,
        Claim(keyed.fingerprint, new_identity(ctx)),
        keyed.idempotency.ttl_seconds,
    )
    if not constant_time.equal(held.fingerprint, keyed.fingerprint):
        raise Conflict(
            "this Idempotency-Key was used with another request", field="Idempotency-Key"
        )
    return held.identity
