"""Blocking a user: no messages either way while it stands; the blocker's inbox hides the pair's
conversation, and unblocking shows it again."""

from __future__ import annotations

import logging

from cruddur.domain.clock import format_timestamp
from cruddur.domain.model import Block, UserRef
from cruddur.errors import Blocked, Invalid
from cruddur.services.context import MessagingContext

log = logging.getLogger(__name__)


def block(ctx: MessagingContext, owner: UserRef, other: UserRef) -> Block:
    if owner.uuid == other.uuid:
        raise Invalid("you cannot block yourself", field="handle")
    _count(ctx, owner)
    made = Block(owner.uuid, other, format_timestamp(ctx.clock()))
    ctx.blocks.block(made, ctx.store.find_pair(owner.uuid, other.uuid))
    _changed(ctx, owner, other)
    log.info("block added owner=%s", owner.uuid)
    return made


def unblock(ctx: MessagingContext, owner: UserRef, other: UserRef) -> None:
    """Idempotent: unblocking someone not blocked changes nothing."""
    _count(ctx, owner)
    ctx.blocks.unblock(owner.uuid, other.uuid, ctx.store.find_pair(owner.uuid, other.uuid))
    _changed(ctx, owner, other)
    log.info("block removed owner=%s", owner.uuid)


def blocks_of(ctx: MessagingContext, owner: UserRef) -> list[Block]:
    return ctx.blocks.blocks_of(owner.uuid)


def require_no_block(ctx: MessagingContext, sender: UserRef, recipient_uuid: str) -> None:
    """Blocked: the send is refused, whichever of the two blocks the other. One read at most,
    and none while a recent answer is cached."""
    pair = _pair(sender.uuid, recipient_uuid)
    blockers = ctx.block_cache.get(pair)
    if blockers is None:
        blockers = frozenset(ctx.blocks.blockers_between(sender.uuid, recipient_uuid))
        ctx.block_cache.put(pair, blockers)
    if sender.uuid in blockers:
        raise Blocked("you blocked this user: unblock them to send", field="handle")
    if blockers:
        raise Blocked("this user does not accept your messages", field="handle")


def _count(ctx: MessagingContext, owner: UserRef) -> None:
    if ctx.limits is not None:
        ctx.limits.hit("block", owner.uuid)


def _changed(ctx: MessagingContext, owner: UserRef, other: UserRef) -> None:
    # This process sees the change at once; others within BLOCK_CACHE_SECONDS.
    ctx.block_cache.discard(_pair(owner.uuid, other.uuid))
    # The blocker's open pages refresh their inbox: the row hides, or shows again.
    ctx.events.publish(owner.uuid, {"type": "inbox"})


def _pair(user_a: str, user_b: str) -> tuple[str, str]:
    low, high = sorted((user_a, user_b))
    return low, high
