"""Demo users and conversations: what `cruddur ddb seed` and `cruddur up` load on first start.

The users' uuids are fixed so the users directory's seed and this one agree.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cruddur.adapters.auth.passwords import Passwords
from cruddur.adapters.users.directory import UsersDirectory
from cruddur.domain.model import UserRef
from cruddur.services.context import MessagingContext
from cruddur.services.sending import send_message, start_conversation

DEMO_PASSWORD = "cruddur-demo-password"  # noqa: S105 - published demo sign-in, local data only


def _user(handle: str, name: str) -> UserRef:
    return UserRef(str(uuid.uuid5(uuid.NAMESPACE_URL, f"cruddur-demo/{handle}")), handle, name)


ADA = _user("ada", "Ada Quill")
BRUNO = _user("bruno", "Bruno Okafor")
CHEN = _user("chen", "Chen Wei")
DARA = _user("dara", "Dara Lind")
USERS = (ADA, BRUNO, CHEN, DARA)


@dataclass(frozen=True)
class Script:
    first: UserRef
    second: UserRef
    days_ago: float
    lines: tuple[str, ...]  # alternating: first, second, first, …


SCRIPTS = (
    Script(
        ADA,
        BRUNO,
        0.05,
        (
            "Are we still on for the ridge walk on Saturday?",
            "Yes! I checked the forecast: dry until mid-afternoon.",
            "Then let's meet at the trailhead at eight.",
            "Eight it is. I'll bring the thermos, you bring the map.",
            "Deal. The old paper one, since my phone dies in the cold.",
        ),
    ),
    Script(
        CHEN,
        ADA,
        6,
        (
            "Finished the lighthouse novel you lent me.",
            "And? Did the ending land for you?",
            "The last chapter made me miss my bus stop, so yes.",
        ),
    ),
    # Dated last year on purpose: old conversations must stay listed after 1 January.
    Script(
        DARA,
        BRUNO,
        400,
        (
            "Happy new year's eve! Are you coming to the rooftop tonight?",
            "Wouldn't miss it. Saving you a spot by the heater.",
        ),
    ),
)


def demo_sub(user: UserRef) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cruddur-demo-sub/{user.handle}"))


def seed_users(directory: UsersDirectory) -> int:
    """Create the demo users that are missing (same uuids as the DynamoDB demo data), each
    able to sign in with DEMO_PASSWORD."""
    created = 0
    password_hash: str | None = None
    for user in USERS:
        existing = directory.by_login(user.handle)
        if existing is not None and existing.password_hash is not None:
            continue
        password_hash = password_hash or Passwords().hash(DEMO_PASSWORD)
        if existing is None:
            directory.create(
                user.handle,
                user.display_name,
                f"{user.handle}@example.org",
                user_uuid=user.uuid,
                password_hash=password_hash,
                cognito_user_id=demo_sub(user),
            )
            created += 1
        else:  # made before demo users could sign in
            directory.set_local_sign_in(existing.uuid, password_hash, demo_sub(user))
    return created


def _clock(start: datetime) -> Iterator[datetime]:
    moment = start
    while True:
        yield moment
        moment += timedelta(minutes=3, seconds=17)


async def seed(ctx: MessagingContext, now: datetime | None = None) -> int:
    """Write the demo conversations that are not there yet; the number of messages written."""
    now = now or datetime.now(UTC)
    written = 0
    original_clock = ctx.clock
    try:
        for script in SCRIPTS:
            if await ctx.store.find_pair(script.first.uuid, script.second.uuid) is not None:
                continue
            ticks = _clock(now - timedelta(days=script.days_ago))
            ctx.clock = lambda ticks=ticks: next(ticks)  # type: ignore[misc]
            first = await start_conversation(ctx, script.first, script.second, script.lines[0])
            for index, line in enumerate(script.lines[1:], start=1):
                sender = script.first if index % 2 == 0 else script.second
                await send_message(ctx, sender, first.group_uuid, line)
            written += len(script.lines)
    finally:
        ctx.clock = original_clock
    return written
