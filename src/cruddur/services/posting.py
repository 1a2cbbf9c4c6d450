"""`POST /api/messages` as a use case: into a group or to a handle, optionally idempotent."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from dataclasses import dataclass

from cruddur.adapters.users import normalize_handle
from cruddur.domain import constant_time
from cruddur.domain.model import Claim, Message, MessageIdentity, UserRef, parse_uuid
from cruddur.domain.text import clean_message
from cruddur.errors import Blocked, Conflict, Invalid, NotFound, TooManyAttempts
from cruddur.services.blocking import require_no_block
from cruddur.services.context import MessagingContext, count
from cruddur.services.messaging import (
    new_identity,
    require_member,
    send_message,
    start_conversation,
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
) -> Message:
    """Every check runs before anything is written, so bad input leaves nothing behind."""
    if (group_uuid is None) == (handle is None):
        raise Invalid("give either message_group_uuid or handle", field="message_group_uuid")
    text = clean_message(text, ctx.max_chars)
    recipient: UserRef | None = None
    if group_uuid is not None:
        group_uuid = parse_uuid(group_uuid, "message_group_uuid")
        _, other = await require_member(ctx, sender.uuid, group_uuid)
    else:
        assert handle is not None
        # PostgreSQL, blocking: on a thread (only a send to a handle, not one into a group).
        found = await asyncio.to_thread(users.by_handle, handle)
        if found.uuid == sender.uuid:
            raise Invalid("you cannot send a message to yourself", field="handle")
        recipient = UserRef(found.uuid, found.handle, found.display_name)
        other = recipient.uuid
    keyed = None
    if key is not None:
        if idempotency is None:
            raise Invalid("idempotency keys are not supported here", field="Idempotency-Key")
        keyed = _Keyed(idempotency, key, _fingerprint(idempotency, key, text, group_uuid, handle))
    try:
        # Before the claim: a refused send (blocked, or past the send limit) writes nothing.
        await require_no_block(ctx, sender, other)
        await count(ctx, "send", sender.uuid)
    except (Blocked, TooManyAttempts):
        # A replay answers as the first attempt did, even if it would be refused today.
        replayed = None if keyed is None else await _replayed(ctx, keyed, sender, group_uuid, other)
        if replayed is None:
            raise
        return replayed
    identity = None if keyed is None else await _claim(ctx, keyed, sender)
    if recipient is not None:
        return await start_conversation(ctx, sender, recipient, text, identity, counted=True)
    assert group_uuid is not None
    return await send_message(ctx, sender, group_uuid, text, identity, counted=True)


@dataclass(frozen=True)
class _Keyed:
    """A keyed request: where its claim is kept, its key, and its body's fingerprint."""

    idempotency: Idempotency
    key: str
    fingerprint: str


async def _replayed(
    ctx: MessagingContext, keyed: _Keyed, sender: UserRef, group_uuid: str | None, other: str
) -> Message | None:
    """The message a first attempt with this key and body stored, as it now stands."""
    held = await keyed.idempotency.store.held_claim(sender.uuid, keyed.key)
    if held is None or not constant_time.equal(held.fingerprint, keyed.fingerprint):
        return None
    group = group_uuid or await ctx.store.find_pair(sender.uuid, other)
    if group is None:
        return None
    try:
        stored = await ctx.edits.get(group, held.identity.message_uuid)
    except NotFound:
        return None  # claimed, but the first attempt never wrote: this one is refused
    return stored if stored.sender.uuid == sender.uuid else None


def _fingerprint(
    idempotency: Idempotency, key: str, text: str, group_uuid: str | None, handle: str | None
) -> str:
    if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX or not key.isascii() or not key.isprintable():
        raise Invalid(
            f"an Idempotency-Key is 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII characters",
            field="Idempotency-Key",
        )
    request = {
        "message": text,
        "message_group_uuid": group_uuid,
        "handle": None if handle is None else normalize_handle(handle),
    }
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
