"""The synthesized data, network and stream stacks deploy on moto's CloudFormation (moto_server
on 127.0.0.1); the ops CLI finds the table conforming and seeds it, and `cruddur serve` sends
through it.

What moto cannot represent, and what covers it instead:
- AWS::ElastiCache::ServerlessCache (moto has no CloudFormation support for it): a stand-in
  CruddurCache stack exports the same names; test_templates.py asserts the real resource.
- The Lambda is created, but moto runs no code without Docker, and once the event source mapping
  exists moto's stand-in Lambda fails every write whose stream record holds a binary attribute
  (it cannot JSON-encode bytes; our inbox rows carry a binary set). So the CLI and the API run
  first, and the stream stack is deployed after them. The zip's behaviour on real stream
  records is proven against DynamoDB Local (tests/integration/test_lambda_zip.py).
- CruddurApi (Fargate, load balancer, container image) and CruddurAudit (CloudTrail advanced
  selectors, Config rules) are asserted on the templates only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from cruddur.adapters.users.migrations import upgrade
from cruddur.config import Settings
from tests.browser.test_redis_fanout import _url
from tests.infra.conftest import MOTO_ACCOUNT, REGION, aws, template

pytestmark = pytest.mark.slow
TABLE = "cruddur-messages"


def _upload_assets(cdk_out: Path, stack: str, url: str) -> None:
    """What `cdk deploy` does before CloudFormation: file assets into the bootstrap bucket."""
    s3 = aws("s3", url)
    assets = json.loads((cdk_out / f"{stack}.assets.json").read_text())
    for asset in assets.get("files", {}).values():
        source = cdk_out / asset["source"]["path"]
        for destination in asset["destinations"].values():
            bucket = destination["bucketName"].replace("${AWS::AccountId}", MOTO_ACCOUNT)
            bucket = bucket.replace("${AWS::Region}", REGION)
            s3.create_bucket(Bucket=bucket)
            if source.is_file():
                s3.upload_file(str(source), bucket, destination["objectKey"])


def _deploy(url: str, stack: str, body: dict[str, Any]) -> dict[str, Any]:
    cfn = aws("cloudformation", url)
    cfn.create_stack(
        StackName=stack,
        TemplateBody=json.dumps(body),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )
    deadline = time.monotonic() + 120
    while True:
        described: dict[str, Any] = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        if not described["StackStatus"].endswith("IN_PROGRESS") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert described["StackStatus"] == "CREATE_COMPLETE", described.get("StackStatusReason")
    return described


def _cache_stand_in(real: dict[str, Any]) -> dict[str, Any]:
    """The cache stack's exports, with the serverless cache moto lacks replaced by values."""
    assert real["Resources"]["Cache"]["Type"] == "AWS::ElastiCache::ServerlessCache"
    values = {"Endpoint.Address": "127.0.0.1", "Endpoint.Port": "6379"}
    outputs = {
        name: {"Value": values[output["Value"]["Fn::GetAtt"][1]], "Export": output["Export"]}
        for name, output in real["Outputs"].items()
    }
    handle = {"Type": "AWS::CloudFormation::WaitConditionHandle"}
    return {"Resources": {"StandIn": handle}, "Outputs": outputs}


def _deploy_stack(cdk_out: Path, url: str, name: str) -> dict[str, Any]:
    _upload_assets(cdk_out, name, url)
    body = template(cdk_out, name)
    if name == "CruddurCache":
        body = _cache_stand_in(body)
    return _deploy(url, name, body)


@pytest.fixture(scope="module")
def deployed(cdk_out: Path, moto_url: str) -> dict[str, dict[str, Any]]:
    # No Docker here: moto's Lambda answers invocations without running code.
    httpx.post(f"{moto_url}/moto-api/config", json={"lambda": {"use_docker": False}})
    return {
        name: _deploy_stack(cdk_out, moto_url, name)
        for name in ("CruddurData", "CruddurNetwork", "CruddurCache")
    }


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    return subprocess.run(
        [sys.executable, "-m", "cruddur", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def test_the_cli_finds_the_table_conforming_seeds_it_and_serve_sends_through_it(
    deployed, moto_url, tmp_path
):
    loaded = _cli("ddb", "schema-load", "--endpoint-url", moto_url, "--table", TABLE)
    assert loaded.returncode == 0, loaded.stderr
    assert "already exists with the expected schema" in loaded.stdout + loaded.stderr
    settings = Settings(data_dir=tmp_path / "data")
    seeded = _cli(
        "ddb",
        "seed",
        "--endpoint-url",
        moto_url,
        "--table",
        TABLE,
        "--data-dir",
        str(settings.data_dir),
    )
    assert seeded.returncode == 0, seeded.stderr

    upgrade(settings.users_database_url)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    server = subprocess.Popen(
        [sys.executable, "-m", "cruddur", "--log-level", "WARNING", "serve"]  # noqa: RUF005
        + ["--endpoint-url", moto_url, "--table", TABLE, "--port", "0"]
        + ["--data-dir", str(settings.data_dir)],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**env, "PYTHONUNBUFFERED": "1"},
    )
    try:
        url = _url(server)
        with httpx.Client(base_url=url, timeout=30) as http:
            tokens = [_signup(http, handle) for handle in ("ada_moto", "bob_moto")]
            auth = {"Authorization": f"Bearer {tokens[0]}"}
            start = {"message": "hi", "handle": "bob_moto"}
            first = http.post("/api/messages", json=start, headers=auth)
            assert first.status_code == 200, first.text
            group = first.json()["message_group_uuid"]
            follow = {"message": "again", "message_group_uuid": group}
            again = http.post("/api/messages", json=follow, headers=auth)
            assert again.status_code == 200, again.text
            page = http.get(f"/api/messages/{group}", headers=auth)
            assert [m["message"] for m in page.json()] == ["hi", "again"]
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout:
            server.stdout.close()
    # moto runs no stream processor: the rows still show each conversation's first message.
    # Rebuilt from the messages, against AWS's API as moto answers it; the second pass finds
    # nothing to do.
    repair = ["ddb", "repair-inboxes", "--endpoint-url", moto_url, "--table", TABLE, "--all"]
    repair += ["--data-dir", str(settings.data_dir)]
    mended, repaired_again = _cli(*repair), _cli(*repair)
    assert mended.returncode == 0, mended.stderr
    assert "rewrote (" in mended.stdout
    assert "0 rows were created, 0 were rewritten" not in mended.stderr
    assert "0 rows were created, 0 were rewritten" in repaired_again.stderr


def test_the_stream_stack_wires_the_lambda_to_the_table_stream(deployed, moto_url, cdk_out):
    # After the test above: see the module's docstring.
    _deploy_stack(cdk_out, moto_url, "CruddurStream")
    table = aws("dynamodb", moto_url).describe_table(TableName=TABLE)["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["inbox-by-recency"]
    assert table.get("DeletionProtectionEnabled") is True
    functions = aws("lambda", moto_url).list_functions()["Functions"]
    processor = next(f for f in functions if f["Handler"].startswith("cruddur.stream."))
    assert processor["Environment"]["Variables"]["CRUDDUR_TABLE_NAME"] == TABLE
    assert processor["Environment"]["Variables"]["REDIS_URL"] == "rediss://127.0.0.1:6379"
    mappings = aws("lambda", moto_url).list_event_source_mappings(
        FunctionName=processor["FunctionName"]
    )["EventSourceMappings"]
    assert [m["EventSourceArn"] for m in mappings] == [table["LatestStreamArn"]]


def _signup(http: httpx.Client, handle: str) -> str:
    body = {
        "handle": handle,
        "display_name": handle,
        "email": f"{handle}@example.org",
        "password": "correct horse battery",
    }
    response = http.post("/api/auth/signup", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["access_token"])
