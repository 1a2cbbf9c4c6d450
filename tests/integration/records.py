"""Stream records shaped as DynamoDB Streams (and Lambda) deliver them, built from our items."""

from __future__ import annotations

import base64
from typing import Any

from cruddur.adapters.dynamodb.message_items import message_item
from cruddur.adapters.dynamodb.text_sealer import TextSealer
from cruddur.domain.model import Message


def insert_record(
    message: Message, sequence_number: int, sealer: TextSealer, *, lambda_json: bool = False
) -> dict[str, Any]:
    """As the poller reads it (binary values as bytes) or, with `lambda_json`, as Lambda's
    event carries it (binary values as base64 text)."""
    return _record("INSERT", message_item(message, sealer), sequence_number, lambda_json)


def _json(value: dict[str, Any]) -> dict[str, Any]:
    if "B" in value:
        return {"B": base64.b64encode(value["B"]).decode()}
    return value


def modify_record(
    image: dict[str, Any], sequence_number: int, *, lambda_json: bool = False
) -> dict[str, Any]:
    """A MODIFY of a message item (an edit, a deletion), from the item as stored after it."""
    return _record("MODIFY", image, sequence_number, lambda_json)


def _record(
    name: str, image: dict[str, Any], sequence_number: int, lambda_json: bool
) -> dict[str, Any]:
    if lambda_json:
        image = {attr: _json(value) for attr, value in image.items()}
    return {
        "eventID": f"e{sequence_number}",
        "eventName": name,
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": {"pk": image["pk"], "sk": image["sk"]},
            "NewImage": image,
            "SequenceNumber": str(sequence_number),
            "StreamViewType": "NEW_IMAGE",
        },
    }
