"""The Lambda's environment reader and config.Settings agree on every name and default."""

from __future__ import annotations

from pydantic import AliasChoices

from cruddur.config import Settings
from cruddur.stream.settings import ENVIRONMENT, StreamSettings


def _names(field: str) -> tuple[str, ...]:
    info = Settings.model_fields[field]
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return tuple(str(choice) for choice in alias.choices)
    return (f"CRUDDUR_{field.upper()}",)


def test_each_variable_has_the_app_settings_name_and_precedence():
    for field, names in ENVIRONMENT.items():
        assert names == _names(field), field


def test_defaults_are_the_app_settings_defaults():
    defaults = StreamSettings()
    for field in ENVIRONMENT:
        assert getattr(defaults, field) == Settings.model_fields[field].default, field


def test_reads_the_environment_in_order_of_precedence():
    env = {
        "CRUDDUR_TABLE_NAME": "t",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "CRUDDUR_AWS_REGION": "eu-north-1",
        "CRUDDUR_REDIS_URL": "rediss://cache:6379",
        "AWS_ENDPOINT_URL": "",
    }
    assert StreamSettings.from_environ(env) == StreamSettings(
        table_name="t", aws_region="eu-west-1", redis_url="rediss://cache:6379"
    )
