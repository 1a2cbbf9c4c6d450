"""The packaged Lambda, run as the runtime runs it: the zip unpacked into a task folder, boto3's
family beside it, nothing else on sys.path, and the stream's own records shaped as Lambda
delivers them (JSON: binary values in base64, times as epoch seconds, eventSourceARN added)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3

from cruddur.adapters import aws_clients
from cruddur.adapters.aws_clients import AwsClients
from cruddur.config import Settings
from cruddur_infra import lambda_package

# The task and runtime folders are laid out by the packager's own helpers
# (lambda_package.unpack, runtime_folder), which its timing uses too.

_RUN = """
import json, sys
sys.path[:0] = [{task!r}, {runtime!r}]
from cruddur.stream.lambda_handler import lambda_handler
print(json.dumps(lambda_handler(json.load(sys.stdin), None)))
stdlib = sys.stdlib_module_names
print(json.dumps(sorted(m for m in sys.modules if m.partition(".")[0] not in stdlib)))
"""


def build_zip(folder: Path) -> Path:
    scanned = lambda_package.scan()
    out = folder / "lambda.zip"
    lambda_package.write_zip(scanned.own_files, out)
    return out


def invoke(
    task: Path, runtime: Path, event: dict[str, Any], env: dict[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """One invocation in a fresh interpreter: -S (no site-packages) and -E (no PYTHON* vars)."""
    done = subprocess.run(
        [sys.executable, "-S", "-E", "-c", _RUN.format(task=str(task), runtime=str(runtime))],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result, modules = done.stdout.strip().splitlines()[-2:]
    return json.loads(result), json.loads(modules)


def stream_event(settings: Settings) -> dict[str, Any]:
    """Every record the table's stream holds now, as one Lambda event."""
    client = AwsClients(settings).dynamodb()
    # boto3, not the product's wire: the event is built independently of the code under test.
    streams = boto3.client(
        "dynamodbstreams", **aws_clients.client_args(settings.aws_region, settings.aws_endpoint_url)
    )
    arn = client.describe_table(TableName=settings.table_name)["Table"]["LatestStreamArn"]
    records: list[dict[str, Any]] = []
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    for shard in shards:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        ).get("ShardIterator")
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            records += [{**r, "eventSourceARN": arn} for r in page["Records"]]
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    event: dict[str, Any] = json.loads(json.dumps({"Records": records}, default=_as_lambda_json))
    return event


def _as_lambda_json(value: object) -> object:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return int(value.timestamp())
    raise TypeError(type(value).__name__)
