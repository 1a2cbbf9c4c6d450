"""`db update-cognito-user-ids`: ListUsers paged (botocore's Stubber stands in for Cognito),
subs linked to users by preferred_username in a real SQLite users database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

from cruddur import bootstrap
from cruddur.adapters.migrations import upgrade
from cruddur.adapters.users import UsersDirectory, make_engine
from cruddur.cli import main
from cruddur.errors import Invalid
from cruddur.services.cognito_link import link_cognito_users

POOL = "us-east-1_Pool1"


def _user(sub: str, username: str | None) -> dict[str, Any]:
    attributes = [{"Name": "sub", "Value": sub}]
    if username is not None:
        attributes.append({"Name": "preferred_username", "Value": username})
    return {"Username": sub, "Attributes": attributes}


def _stub_pages(client: Any) -> Stubber:
    stubber = Stubber(client)
    expected = {"UserPoolId": POOL, "AttributesToGet": ["sub", "preferred_username"]}
    stubber.add_response(
        "list_users",
        {"Users": [_user("sub-ada", "Ada"), _user("sub-ghost", "ghost")], "PaginationToken": "p2"},
        expected,
    )
    stubber.add_response(
        "list_users",
        {"Users": [_user("sub-bob", "bob"), _user("sub-anon", None), _user("sub-bad", "x!")]},
        {**expected, "PaginationToken": "p2"},
    )
    return stubber


@pytest.fixture
def directory(tmp_path: Path) -> UsersDirectory:
    url = f"sqlite:///{tmp_path / 'users.sqlite3'}"
    upgrade(url)
    users = UsersDirectory(make_engine(url))
    users.create("ada", "Ada", "ada@example.org")
    users.create("bob", "Bob", "bob@example.org")
    users.create("carl", "Carl", "carl@example.org")
    return users


def test_every_page_is_read_and_users_are_linked_by_preferred_username(directory):
    client = boto3.client("cognito-idp", region_name="us-east-1")
    with _stub_pages(client) as stubber:
        report = link_cognito_users(client, POOL, directory)
        stubber.assert_no_pending_responses()
    assert report.linked == 2
    assert sorted(report.unmatched) == ["ghost", "x!"]
    assert report.no_username == 1
    assert directory.by_cognito_sub("sub-ada").handle == "ada"
    assert directory.by_cognito_sub("sub-bob").handle == "bob"
    assert directory.by_handle("carl").cognito_user_id is None


def test_running_again_changes_nothing(directory):
    client = boto3.client("cognito-idp", region_name="us-east-1")
    for _ in range(2):
        with _stub_pages(client):
            report = link_cognito_users(client, POOL, directory)
    assert report.linked == 2
    assert directory.by_cognito_sub("sub-ada").uuid == directory.by_handle("ada").uuid


def test_an_unknown_pool_is_a_clear_error(directory):
    client = boto3.client("cognito-idp", region_name="us-east-1")
    with Stubber(client) as stubber:
        stubber.add_client_error("list_users", "ResourceNotFoundException", "User pool missing")
        with pytest.raises(Invalid, match="no user pool"):
            link_cognito_users(client, POOL, directory)


def test_the_command_reports_what_it_linked(directory, tmp_path, monkeypatch):
    client = boto3.client("cognito-idp", region_name="us-east-1")
    monkeypatch.setattr(bootstrap, "cognito_client", lambda settings: client)
    with _stub_pages(client):
        result = CliRunner().invoke(
            main,
            ["db", "update-cognito-user-ids", "--user-pool-id", POOL, "--data-dir", str(tmp_path)],
        )
    assert result.exit_code == 0, result.output
    assert "linked 2 users" in result.output
    assert "ghost" in result.output
    assert "1 Cognito users have no preferred_username" in result.output


def test_the_command_needs_a_pool(tmp_path, monkeypatch):
    monkeypatch.delenv("COGNITO_USER_POOL_ID", raising=False)
    result = CliRunner().invoke(
        main, ["db", "update-cognito-user-ids", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "--user-pool-id" in result.output
