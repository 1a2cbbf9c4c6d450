"""Stream records shaped as DynamoDB Streams (and Lambda) deliver them, built from our items."""

from __future__ import annotations

from typing import Any

from cruddur.adapters.dynamo_items import message_item
from cruddur.domain.model import Message


def insert_record(message: Message, sequence_number: int) -> dict[str, Any]:
    image = message_item(message)
    return {
        "eventID": f"e{sequence_number}",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": {"pk": image["pk"], "sk": image["sk"]},
            "NewImage": image,
            "SequenceNumber": str(sequence_number),
            "StreamViewType": "NEW_IMAGE",
        },
    }
