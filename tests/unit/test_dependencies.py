"""A route names the services it uses (api/deps.py), so a test can swap one for a fake."""

from __future__ import annotations

from pathlib import Path

import httpx
from pydantic import SecretStr

from cruddur.api.deps import get_users
from cruddur.app import create_app
from cruddur.bootstrap import build_runtime
from cruddur.config import Settings
from tests.fakes import FakeDirectory
from tests.own_loop import run


def test_a_route_uses_the_users_directory_a_test_puts_in_its_place(tmp_path: Path):
    settings = Settings(
        # Nothing is called but the directory, and that is the fake.
        aws_endpoint_url="http://127.0.0.1:9",
        data_dir=tmp_path,
        cursor_secret=SecretStr("test-cursor-secret-0123456789"),
    )
    runtime = build_runtime(settings)
    try:
        app = create_app(runtime=runtime)
        directory = FakeDirectory()
        ada = directory.add("ada")
        app.dependency_overrides[get_users] = lambda: directory

        async def ask() -> httpx.Response:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                return await http.get("/api/users/@ada/short")

        answer = run(ask)
    finally:
        run(runtime.aclose())
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"uuid": ada.uuid, "handle": "ada", "display_name": "Ada"}
