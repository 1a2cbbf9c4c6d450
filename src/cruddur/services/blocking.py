"""Blocking a user: no messages either way while it stands; the blocker's inbox hides the pair's
conversation, and unblocking shows it again."""

from __future__ import annotations

import logging

from cruddur.domain.clock import format_timestamp
from cruddur.domain.model import Block, UserRef
from cruddur.errors import Blocked, Invalid
from cruddur.services.context import MessagingContext, publish, within_limit

log = logging.getLogger(__name__)


async def block(ctx: MessagingContext, owner: UserRef, other: UserRef) -> Block:
    if owner.uuid == other.uuid:
        raise Invalid("you cannot block yourself", field="handle")
    await within_limit(ctx, "block", owner.uuid)
    made = Block(owner.uuid, other, format_timestamp(ctx.clock()))
    await ctx.blocks.block(made, await ctx.store.find_pair(owner.uuid, other.uuid))
    await _changed(ctx, owner, other)
    log.info("block added owner=%s", owner.uuid)
    return made


async def unblock(ctx: MessagingContext, owner: UserRef, other: UserRef) -> None:
    """Idempotent: unblocking someone not blocked changes nothing."""
    await within_limit(ctx, "block", owner.uuid)
    group_uuid = await ctx.store.find_pair(owner.uuid, other.uuid)
    await ctx.blocks.unblock(owner.uuid, other.uuid, group_uuid)
    await _changed(ctx, owner, other)
    log.info("block removed owner=%s", owner.uuid)


async def blocks_of(ctx: MessagingContext, owner: UserRef) -> list[Block]:
    return await ctx.blocks.blocks_of(owner.uuid)


async def require_no_block(ctx: MessagingContext, sender: UserRef, recipient_uuid: str) -> None:
    """Blocked: the send is refused, whichever of the two blocks the other. One read at most,
    and none while a recent answer is cached."""
    pair = _pair(sender.uuid, recipient_uuid)
    blockers = ctx.block_cache.get(pair)
    if blockers is None:
        blockers = frozenset(await ctx.blocks.blockers_between(sender.uuid, recipient_uuid))
        ctx.block_cache.put(pair, blockers)
    if sender.uuid in blockers:
        raise Blocked("you blocked this user: unblock them to send", field="handle")
    if blockers:
        raise Blocked("this user does not accept your messages", field="handle")


async def _changed(ctx: MessagingContext, owner: UserRef, other: UserRef) -> None:
    # This process sees the change at once; others within BLOCK_CACHE_SECONDS.
    ctx.block_cache.discard(_pair(owner.uuid, other.uuid))
    # The blocker's open pages refresh their inbox: the row hides, or shows again.
    await publish(ctx, owner.uuid, {"type": "inbox"})


def _pair(user_a: str, user_b: str) -> tuple[str, str]:
    low, high = sorted((user_a, user_b))
    return low, high
