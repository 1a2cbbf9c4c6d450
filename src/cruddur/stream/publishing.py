"""An inbox writer that also announces each applied change to the member's browsers."""

from __future__ import annotations

from collections.abc import Sequence

from cruddur.domain.model import InboxChange
from cruddur.live_events.hub import Publisher
from cruddur.stream.processor import InboxWriter


class PublishingInbox:
    def __init__(self, inbox: InboxWriter, hub: Publisher) -> None:
        self.inbox = inbox
        self.hub = hub

    def apply_inbox_change(self, change: InboxChange) -> bool:
        try:
            return self.inbox.apply_inbox_change(change)
        finally:
            self._announce(change)

    def apply_inbox_changes(self, changes: Sequence[InboxChange]) -> int:
        # Announced even if one row fails: the rest were written, and an event only says
        # "refresh" (a browser told of a row that did not change reads it once, for nothing).
        try:
            return self.inbox.apply_inbox_changes(changes)
        finally:
            for change in changes:
                self._announce(change)

    def _announce(self, change: InboxChange) -> None:
        # Announced even when the row already showed it: a new conversation's rows are written
        # with its first message, so its record changes nothing, yet the browsers must hear of
        # it. An event only says "refresh"; a replayed one costs a browser one cheap read.
        self.hub.publish(
            change.owner_uuid,
            {
                "type": "inbox",
                "group": change.group_uuid,
                "message_uuid": change.latest.message_uuid,
            },
        )

    def group_members(
        self, group_uuid: str, written_at: float | None
    ) -> list[tuple[str, str]] | None:
        return self.inbox.group_members(group_uuid, written_at)
