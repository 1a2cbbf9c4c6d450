"""Run under callgrind by `bench.instructions`: the app in this process (ASGI, no HTTP socket)
on a DynamoDB Local of its own (a child process, which callgrind leaves alone), a few users and
conversations, then REQUESTS requests of one pattern with callgrind's counting switched on
around them only.

It imports whichever `cruddur` PYTHONPATH names, so one driver counts any tree; it uses only
what every tree since the benchmark began has: create_app, Settings, the schema, the users
migrations and DynamoDB Local. Usage: instructions_driver.py PATTERN REQUESTS.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import boto3
import httpx

from cruddur.adapters.dynamodb import schema
from cruddur.adapters.users.migrations import upgrade
from cruddur.app import create_app
from cruddur.config import Settings
from cruddur.local.dynamodb_local import DynamoDBLocal

TABLE = "bench-instructions"
PASSWORD = "benchmark password"  # noqa: S105 - the benchmark's throwaway accounts


def _counting(on: bool) -> None:
    state = "on" if on else "off"
    command = ["callgrind_control", "-i", state, str(os.getpid())]
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603 - valgrind's


async def _drive(app: Any, pattern: str, requests: int) -> None:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:

            async def sign_up(handle: str) -> dict[str, str]:
                body = {"handle": handle, "display_name": handle, "password": PASSWORD}
                answer = await http.post(
                    "/api/auth/signup", json={**body, "email": f"{handle}@example.org"}
                )
                answer.raise_for_status()
                return {"Authorization": f"Bearer {answer.json()['access_token']}"}

            ada = await sign_up("ada_count")
            await sign_up("bob_count")
            sent = await http.post(
                "/api/messages", json={"message": "hi", "handle": "bob_count"}, headers=ada
            )
            sent.raise_for_status()
            group = sent.json()["message_group_uuid"]
            for n in range(25):  # a full inbox page
                await sign_up(f"other{n}_count")
                body = {"message": "hello", "handle": f"other{n}_count"}
                (await http.post("/api/messages", json=body, headers=ada)).raise_for_status()
            for n in range(40):  # a full page of messages
                body = {"message": f"filler {n}", "message_group_uuid": group}
                (await http.post("/api/messages", json=body, headers=ada)).raise_for_status()

            async def one(n: int) -> httpx.Response:
                if pattern == "A":
                    return await http.get(f"/api/messages/{group}?limit=20", headers=ada)
                if pattern == "B":
                    return await http.get("/api/message_groups?limit=20", headers=ada)
                if pattern == "C":
                    body = {"message": f"counted {n}", "message_group_uuid": group}
                    return await http.post("/api/messages", json=body, headers=ada)
                return await http.get("/healthz")

            for n in range(20):  # every path taken once before counting
                (await one(n)).raise_for_status()
            _counting(True)
            for n in range(requests):
                (await one(n)).raise_for_status()
            _counting(False)


def main() -> None:
    pattern, requests = sys.argv[1], int(sys.argv[2])
    with tempfile.TemporaryDirectory() as work, DynamoDBLocal() as server:
        settings = Settings(
            aws_endpoint_url=server.endpoint_url, data_dir=Path(work), table_name=TABLE
        )
        client = boto3.client(
            "dynamodb",
            endpoint_url=server.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - DynamoDB Local takes any
        )
        client.create_table(**schema.table_definition(TABLE))  # active at once, locally
        upgrade(settings.users_database_url)
        asyncio.run(_drive(create_app(settings), pattern, requests))


if __name__ == "__main__":
    main()
