"""`POST /api/messages` as a use case: into a group or to a handle, optionally idempotent."""

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
from cruddur.services.messaging import (
    Delivery,
    deliver,
    into_group,
    new_identity,
    permitted,
    replying,
    to_user,
    with_replies,
)
from cruddur.services.ports import Claims, Directory

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
    """Every check runs once, before anything is written, so bad input leaves nothing behind;
    then `messaging.deliver` writes, the one path of every send. With files the text may be
    empty; the files are taken (checked, kept, their uploads used up) just before the write."""
    if (group_uuid is None) == (handle is None):
        raise Invalid("give either message_group_uuid or handle", field="message_group_uuid")
    with_files = bool(attachments)
    if group_uuid is not None:
        delivery = await into_group(ctx, sender, group_uuid, text, with_files=with_files)
    else:
        assert handle is not None
        # PostgreSQL, blocking: on a thread (only a send to a handle, not one into a group).
        found = await asyncio.to_thread(users.by_handle, handle)
        recipient = UserRef(found.uuid, found.handle, found.display_name)
        delivery = await to_user(ctx, sender, recipient, text, with_files=with_files)
    if reply_to is not None:
        delivery = await replying(ctx, delivery, reply_to)
    uploads = []
    if with_files:
        # An upload belongs to a conversation: a first message to someone carries none.
        group = delivery.group_uuid or await ctx.store.find_pair(*delivery.members)
        uploads = await files.check_uploads(ctx, sender.uuid, group, attachments)
    keyed = None
    if key is not None:
        if idempotency is None:
            raise Invalid("idempotency keys are not supported here", field="Idempotency-Key")
        keyed = _Keyed(idempotency, key, _fingerprint(idempotency, key, delivery, attachments))
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


async def _admitted(
    ctx: MessagingContext, delivery: Delivery, keyed: _Keyed | None
) -> Message | None:
    """None if the send may go ahead, else the refusal (blocked, or past the send limit) —
    unless it is a keyed retry of a send that went through: then that message, as the first
    attempt answered, even if it would be refused today. Before the claim: a refused send
    writes nothing."""
    try:
        await permitted(ctx, delivery)
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
    sender, other = delivery.members
    held = await keyed.idempotency.store.held_claim(sender, keyed.key)
    if held is None or not constant_time.equal(held.fingerprint, keyed.fingerprint):
        return None
    group = delivery.group_uuid or await ctx.store.find_pair(sender, other)
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
    if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX or not key.isascii() or not key.isprintable():
        raise Invalid(
            f"an Idempotency-Key is 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII characters",
            field="Idempotency-Key",
        )
    recipient = delivery.recipient
    request = {
        "message": delivery.text,
        "message_group_uuid": delivery.group_uuid,
        "handle": None if recipient is None else recipient.handle,  # as the directory has it
    }
    if delivery.reply_to is not None:  # only then: other sends' fingerprints stay as they were
        request["reply_to"] = delivery.reply_to.message_uuid
    if attachments:
        request["attachments"] = ",".join(attachments)
    body = json.dumps(request, sort_keys=True).encode()
    return hmac.new(idempotency.fingerprint_key, body, hashlib.sha256).hexdigest()


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
