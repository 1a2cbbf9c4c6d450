"""Schemathesis over /openapi.json, signed in: no 5xx, and every response fits the schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.config import Settings
from tests.e2e.conftest import Api, Member, serve


@pytest.fixture
def signed_in(settings: Settings, store: ConversationTable) -> Iterator[tuple[Api, Member]]:
    for api in serve(settings, store):
        member, other = api.signup("schema_user"), api.signup("schema_peer")
        api.send(member, message="a conversation to find", handle=other.handle)
        yield api, member


def test_the_api_honours_its_schema(signed_in: tuple[Api, Member]) -> None:
    api, member = signed_in
    schema = schemathesis.openapi.from_url(f"{api.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def honours(case: Any) -> None:
            # Not checked: that every schema-valid request succeeds. Some rules are not
            # expressible in the schema (the handle must exist and not be yours, the group must
            # be yours, the trimmed message fits the configured limit): those answer 400/404.
            case.call_and_validate(headers=member.auth, excluded_checks=[positive_data_acceptance])

        honours()
