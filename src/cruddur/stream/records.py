"""Stream records → what inbox rows show of new messages. Other records are ignored, not failed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cruddur.adapters.dynamodb.message_items import last_message_of, only_reacted
from cruddur.domain import keys
from cruddur.domain.model import LastMessage

Record = Mapping[str, Any]


class MalformedRecord(ValueError):
    """A message record we cannot read: it fails (and is retried, then dead-lettered)."""


def sequence_number(record: Record) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


def message_of(record: Record) -> LastMessage | None:
    """The message a record inserts or changes (an edit, a deletion: a MODIFY), or None for
    anything else (inbox rows, pairs, removals, reactions)."""
    if record.get("eventName") not in {"INSERT", "MODIFY"}:
        return None
    change = record.get("dynamodb", {})
    pk = change.get("Keys", {}).get(keys.PK, {}).get("S", "")
    if not keys.is_message_pk(pk):
        return None
    image = change.get("NewImage")
    if not image:
        raise MalformedRecord("a message record without NewImage: is the stream view NEW_IMAGE?")
    if record["eventName"] == "MODIFY" and only_reacted(image):
        return None  # a reaction: nothing an inbox row shows changed
    try:
        # The image is in DynamoDB's JSON, as GetItem returns it: no (de)serializer needed.
        message = last_message_of(image)
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedRecord(f"unreadable message image: {type(exc).__name__}") from exc
    if keys.message_pk(message.group_uuid) != pk:
        raise MalformedRecord("message key and group disagree")
    return message


def written_at(record: Record) -> float | None:
    """When DynamoDB wrote the record's item (epoch seconds, rounded down), if it says."""
    value = record.get("dynamodb", {}).get("ApproximateCreationDateTime")
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
