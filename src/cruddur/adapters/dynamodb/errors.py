"""Translate DynamoDB's errors into the error tree, once, at the adapter boundary."""

from __future__ import annotations

from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.errors import Conflict, CruddurError, Invalid, TableMissing, Unavailable

CONDITION_FAILED = "ConditionalCheckFailedException"
TRANSACTION_CANCELED = "TransactionCanceledException"
VALIDATION = "ValidationException"
# A canceled transaction's reason for an item whose condition failed (not the exception's name).
CANCELED_BY_CONDITION = "ConditionalCheckFailed"

# Codes we expect from DynamoDB and what they mean to a caller.
_TRANSLATIONS: dict[str, type[CruddurError]] = {
    CONDITION_FAILED: Conflict,
    TRANSACTION_CANCELED: Conflict,
    "TransactionConflictException": Conflict,
    "TransactionInProgressException": Conflict,
    "IdempotentParameterMismatchException": Conflict,
    "ResourceNotFoundException": TableMissing,
    "ProvisionedThroughputExceededException": Unavailable,
    "ThrottlingException": Unavailable,
    "RequestLimitExceeded": Unavailable,
    "InternalServerError": Unavailable,
    "ServiceUnavailable": Unavailable,
    "LimitExceededException": Unavailable,
    "ItemCollectionSizeLimitExceededException": Unavailable,
    "ValidationException": Invalid,
    "SerializationException": Invalid,
}


def translate_code(code: str, table: str) -> CruddurError:
    """The typed error for DynamoDB's error code (its `__type`)."""
    kind = _TRANSLATIONS.get(code, Unavailable)
    if kind is TableMissing:
        return TableMissing(
            f"table {table!r} does not exist at this endpoint; "
            "create it with `cruddur ddb schema-load`"
        )
    return kind(f"DynamoDB refused the request ({code or 'unknown error'})")


def cancellation_codes(exc: DynamoError) -> list[str]:
    """Per-item reasons of a canceled transaction, in the order of its items ('None' = fine)."""
    reasons = exc.body.get("CancellationReasons", [])
    return [str(reason.get("Code", "None")) for reason in reasons]


def item_too_large(exc: DynamoError) -> bool:
    """DynamoDB refused a write because the item would pass its 400 KB limit (UpdateItem: "Item
    size to update has exceeded the maximum allowed size"; PutItem: "Item size has exceeded…")."""
    return exc.code == VALIDATION and "exceeded the maximum allowed size" in str(exc)
