"""What the pages and their scripts show of messages and inbox rows (plain dicts for JSON)."""

from __future__ import annotations

from typing import Any

from cruddur.domain.model import InboxEntry, Message


def message_view(message: Message) -> dict[str, Any]:
    return {
        "uuid": message.message_uuid,
        "handle": message.sender.handle,
        "display_name": message.sender.display_name,
        "message": message.text,
        "created_at": message.created_at,
    }


def conversation_view(entry: InboxEntry) -> dict[str, Any]:
    return {
        "uuid": entry.group_uuid,
        "handle": entry.other.handle,
        "display_name": entry.other.display_name,
        "message": entry.last_message,
        "created_at": entry.last_message_at,
        "unread_count": entry.unread_count,
    }
