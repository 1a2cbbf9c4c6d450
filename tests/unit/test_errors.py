"""Every low-level DynamoDB error becomes a typed error (never a raw ClientError at the edge)."""

from __future__ import annotations

import aiohttp
import pytest
from aiodynamo.errors import ERRORS
from botocore.exceptions import ClientError, EndpointConnectionError

from cruddur.adapters.dynamo_async import translated
from cruddur.adapters.dynamo_errors import _TRANSLATIONS, translate
from cruddur.errors import Conflict, CruddurError, Invalid, TableMissing, Unavailable


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}}, "Op")


@pytest.mark.parametrize("code", sorted(_TRANSLATIONS))
def test_every_known_code_is_mapped(code):
    error = translate(client_error(code), "t")
    assert isinstance(error, _TRANSLATIONS[code])
    assert code in error.message or isinstance(error, TableMissing)


def test_unknown_codes_and_transport_failures_are_unavailable():
    assert type(translate(client_error("SomethingNew"), "t")) is Unavailable
    transport = translate(EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), "t")
    assert type(transport) is Unavailable


def test_specific_meanings():
    assert isinstance(translate(client_error("ConditionalCheckFailedException"), "t"), Conflict)
    assert isinstance(translate(client_error("ValidationException"), "t"), Invalid)
    missing = translate(client_error("ResourceNotFoundException"), "tbl")
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


@pytest.mark.parametrize("code", sorted(set(_TRANSLATIONS) & set(ERRORS)))
def test_the_async_reads_map_aiodynamos_errors_the_same_way(code):
    with pytest.raises(CruddurError) as raised, translated("t"):
        raise ERRORS[code]({"__type": code, "message": "m", "CancellationReasons": []})
    assert type(raised.value) is type(translate(client_error(code), "t"))


@pytest.mark.parametrize(
    "failure", [TimeoutError(), aiohttp.ClientConnectionError(), aiohttp.ServerDisconnectedError()]
)
def test_the_async_reads_turn_transport_failures_into_unavailable(failure):
    with pytest.raises(Unavailable, match="did not answer"), translated("t"):
        raise failure
