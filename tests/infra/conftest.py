"""The CDK app synthesized once per session (offline), and moto's server on 127.0.0.1."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import boto3
import pytest

from cruddur_infra import lambda_package
from cruddur_infra.check import synth

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
REGION = "us-east-1"
MOTO_ACCOUNT = "123456789012"
ALARM_EMAIL = "oncall@example.com"
WEB_ORIGIN = "https://chat.example.org"


@pytest.fixture(scope="session")
def cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cdk.out")
    if not lambda_package.DEFAULT_OUT.exists():
        lambda_package.write_zip(lambda_package.scan().own_files, lambda_package.DEFAULT_OUT)
    synth(out, context={"alarm_email": ALARM_EMAIL, "web_origins": WEB_ORIGIN})
    return out


def template(cdk_out: Path, stack: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((cdk_out / f"{stack}.template.json").read_text())
    return loaded


def aws(service: str, url: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
