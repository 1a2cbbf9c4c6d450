"""Every DynamoDB refusal becomes a typed error (never a raw DynamoError at the edge), and the
wire reads DynamoDB's error answers as DynamoDB writes them."""

from __future__ import annotations

import json

import pytest

from cruddur.adapters.dynamodb.errors import _TRANSLATIONS, translate_code
from cruddur.adapters.dynamodb.retry import Failure
from cruddur.adapters.dynamodb.table import translated
from cruddur.adapters.dynamodb.wire import DynamoError, WireProtocol
from cruddur.errors import Conflict, CruddurError, Invalid, TableMissing, Unavailable


def refusal(code: str, status: int = 400) -> DynamoError:
    """What the wire raises for DynamoDB's JSON error answer."""
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "m"}
    with pytest.raises(DynamoError) as raised:
        WireProtocol._answer(status, {}, json.dumps(body).encode())
    return raised.value


def translate(error: DynamoError, table: str) -> CruddurError:
    with pytest.raises(CruddurError) as raised, translated(table):
        raise error
    return raised.value


@pytest.mark.parametrize("code", sorted(_TRANSLATIONS))
def test_every_known_code_is_mapped(code):
    error = translate(refusal(code), "t")
    assert isinstance(error, _TRANSLATIONS[code])
    assert code in error.message or isinstance(error, TableMissing)


def test_unknown_codes_and_unreadable_answers_are_unavailable():
    assert type(translate(refusal("SomethingNew"), "t")) is Unavailable
    with pytest.raises(DynamoError) as raised:
        WireProtocol._answer(502, {}, b"<html>bad gateway</html>")
    assert raised.value.code == "HTTP 502"
    assert raised.value.failure is Failure.TRANSIENT
    assert type(translate(raised.value, "t")) is Unavailable


def test_passthrough_codes_stay_for_the_caller_with_the_whole_answer():
    body = {"__type": "x#ConditionalCheckFailedException", "Item": {"pk": {"S": "a"}}}
    with (
        pytest.raises(DynamoError) as raised,
        translated("t", ("ConditionalCheckFailedException",)),
    ):
        WireProtocol._answer(400, {}, json.dumps(body).encode())
    assert raised.value.body["Item"] == {"pk": {"S": "a"}}


def test_throttling_and_server_errors_are_retried_refusals_are_not():
    assert refusal("ProvisionedThroughputExceededException").failure is Failure.THROTTLED
    assert refusal("ThrottlingException").failure is Failure.THROTTLED
    assert refusal("InternalServerError", 500).failure is Failure.TRANSIENT
    assert refusal("ConditionalCheckFailedException").failure is Failure.FINAL
    assert refusal("ValidationException").failure is Failure.FINAL
    assert translate_code("", "t").message.endswith("(unknown error)")


def test_specific_meanings():
    assert isinstance(translate(refusal("ConditionalCheckFailedException"), "t"), Conflict)
    assert isinstance(translate(refusal("ValidationException"), "t"), Invalid)
    missing = translate(refusal("ResourceNotFoundException"), "tbl")
    assert isinstance(missing, TableMissing)
    assert "schema-load" in missing.message
    assert all(issubclass(kind, CruddurError) for kind in _TRANSLATIONS.values())


def _subclasses(kind: type[CruddurError]) -> list[type[CruddurError]]:
    found: list[type[CruddurError]] = []
    for sub in kind.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_every_typed_error_has_an_http_status_below_500_or_is_unavailable():
    from cruddur.api.errors import status_of

    for kind in _subclasses(CruddurError):
        error = kind.__new__(kind)
        status = status_of(error)
        expected_5xx = issubclass(kind, Unavailable)
        assert (status == 503) if expected_5xx else (400 <= status < 500), kind
