"""What `--prod` refuses before it touches AWS: a region outside CRUDDUR_ALLOWED_REGIONS,
long-term IAM user keys, and (for what writes messages) text sealed without KMS."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cruddur.cli import main
from cruddur.errors import Forbidden
from cruddur.stream import lambda_handler

TEMPORARY = {"AWS_ACCESS_KEY_ID": "ASIAEXAMPLETEMPORARY1", "AWS_SESSION_TOKEN": "token"}
LONG_TERM = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLELONGTERM01"}
KMS = {"CRUDDUR_KMS_KEY_IDS": "arn:aws:kms:eu-central-1:123456789012:key/abc"}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path):
    # Nothing of the machine's own AWS setup: only what each test sets.
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "CRUDDUR_KMS_KEY_IDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-not-used")

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_env


def _cli(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(
    "command",
    [
        ["serve", "--prod"],
        ["stream", "run", "--prod"],
        ["ddb", "scan", "--prod"],
        ["keys", "rotate", "--prod"],
    ],
)
def test_every_prod_command_refuses_a_region_that_is_not_allowed(aws_env, command):
    aws_env(CRUDDUR_ALLOWED_REGIONS="eu-central-1,eu-west-1", **TEMPORARY, **KMS)
    result = _cli(*command, "--region", "us-east-1")
    assert result.exit_code == 1
    assert "region us-east-1 is not allowed" in result.output
    assert "eu-central-1,eu-west-1" in result.output
    assert "Traceback" not in result.output


def test_long_term_access_keys_are_refused_with_the_fix_named(aws_env):
    aws_env(CRUDDUR_ALLOWED_REGIONS="eu-central-1", **LONG_TERM, **KMS)
    result = _cli("ddb", "scan", "--prod", "--region", "eu-central-1")
    assert result.exit_code == 1
    assert "long-term IAM user access keys (AKIA…) are refused" in result.output
    assert "sso login" in result.output
    assert "AKIAEXAMPLELONGTERM01" not in result.output  # never the key itself


def test_serve_in_production_needs_kms_for_the_text(aws_env):
    aws_env(CRUDDUR_ALLOWED_REGIONS="eu-central-1", **TEMPORARY)
    result = _cli("serve", "--prod", "--region", "eu-central-1")
    assert result.exit_code == 1
    assert "CRUDDUR_KMS_KEY_IDS" in result.output


def test_allowed_regions_must_look_like_regions(aws_env):
    aws_env(CRUDDUR_ALLOWED_REGIONS="eu-central-1,moon-base", **TEMPORARY)
    result = _cli("ddb", "scan", "--prod", "--region", "eu-central-1")
    assert result.exit_code == 1
    assert "CRUDDUR_ALLOWED_REGIONS" in result.output
    assert "moon-base" in result.output


def test_the_lambda_refuses_a_region_that_is_not_allowed(aws_env):
    aws_env(AWS_REGION="us-west-2", CRUDDUR_ALLOWED_REGIONS="eu-central-1", **TEMPORARY)
    lambda_handler._inbox.cache_clear()
    try:
        with pytest.raises(Forbidden, match="us-west-2 is not allowed"):
            lambda_handler.lambda_handler({"Records": []}, None)
    finally:
        lambda_handler._inbox.cache_clear()
