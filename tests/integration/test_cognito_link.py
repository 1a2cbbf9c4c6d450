"""`db update-cognito-user-ids`: ListUsers paged (botocore's Stubber stands in for Cognito),
subs linked to users by preferred_username in a real SQLite users database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner
from pydantic import ValidationError

from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.users.directory import UsersDirectory, make_engine
from cruddur.adapters.users.migrations import upgrade
from cruddur.cli import main
from cruddur.config import Settings
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
    monkeypatch.setattr(AwsClients, "cognito", lambda self: client)
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


def test_linking_against_moto_cognito_refuses_conflicts_and_ignores_aws_endpoint_url(
    moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # Defect (issue 14): AWS_ENDPOINT_URL (DynamoDB Local's) silently redirected Cognito too;
    # the pool's region came from the table's; two Cognito users differing by case overwrote
    # each other's link; a refused link was reported as "no match".
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=moto_url,
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    pool = cognito.create_user_pool(PoolName="cruddur")["UserPool"]["Id"]
    assert pool.startswith("eu-west-1_")
    for name, preferred in [
        ("u1", "Ada"),
        ("u2", "ada"),
        ("u3", "bob"),
        ("u4", "carl"),
        ("u5", "ghost"),
    ]:
        cognito.admin_create_user(
            UserPoolId=pool,
            Username=name,
            UserAttributes=[{"Name": "preferred_username", "Value": preferred}],
        )
    database = tmp_path / "data"
    upgrade(f"sqlite:///{(database / 'users.sqlite3').resolve()}")
    users = UsersDirectory(make_engine(f"sqlite:///{(database / 'users.sqlite3').resolve()}"))
    for handle in ("ada", "bob", "carl"):
        users.create(handle, handle.title(), f"{handle}@example.org")
    users.link_cognito("carl", "a-sub-from-elsewhere")
    link_command = ["db", "update-cognito-user-ids", "--user-pool-id", pool]
    link_command += ["--endpoint-url", moto_url, "--data-dir", str(database)]
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # DynamoDB's, not Cognito's
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")  # the table's region: not the pool's
    result = CliRunner().invoke(main, link_command)
    assert result.exit_code == 1, result.output
    assert "linked 1 users" in result.output  # bob
    assert "@ada: 2 Cognito users claim it (Ada, ada)" in result.output
    assert "@carl is linked to another sign-in already" in result.output
    assert "ghost" in result.output  # no such handle: unmatched, not refused
    assert users.by_handle("ada").cognito_user_id is None  # neither claimant won
    assert users.by_handle("carl").cognito_user_id == "a-sub-from-elsewhere"  # never replaced
    bob_sub = users.by_handle("bob").cognito_user_id
    assert bob_sub is not None
    again = CliRunner().invoke(main, link_command)
    assert "linked 1 users" in again.output  # idempotent: bob's link stands as it was
    assert users.by_handle("bob").cognito_user_id == bob_sub


def test_the_cognito_client_never_takes_dynamodbs_endpoint(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:8000")
    settings = Settings(cognito_user_pool_id="eu-central-1_AbC123", aws_region="us-east-1")
    client = AwsClients(settings).cognito()
    assert client.meta.endpoint_url == "https://cognito-idp.eu-central-1.amazonaws.com"
    assert settings.cognito_issuer().startswith("https://cognito-idp.eu-central-1.amazonaws.com/")
    local = settings.model_copy(update={"cognito_endpoint_url": "http://127.0.0.1:5000"})
    assert AwsClients(local).cognito().meta.endpoint_url == "http://127.0.0.1:5000"


@pytest.mark.parametrize("bad", ["pool", "us-east-1", "us_east_1_abc", "US-EAST-1_abc"])
def test_a_pool_id_that_is_not_one_is_refused(bad: str):
    with pytest.raises(ValidationError, match="user pool id"):
        Settings(cognito_user_pool_id=bad)
