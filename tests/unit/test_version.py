"""One version, written once (src/cruddur/__init__.py): the package's metadata, `cruddur
--version` and the OpenAPI document all say it, and pyproject.toml only points at it. One
licence, said alike by the LICENSE file, pyproject.toml and package.json."""

from __future__ import annotations

import importlib.metadata
import json
import re
import tomllib
from pathlib import Path

from click.testing import CliRunner
from pydantic import SecretStr

import cruddur
from cruddur.app import create_app
from cruddur.bootstrap import build_runtime
from cruddur.cli import main
from cruddur.config import Settings
from tests.own_loop import run

ROOT = Path(__file__).resolve().parents[2]


def test_pyproject_reads_the_version_from_the_package_and_states_none_of_its_own():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    source = ROOT / project["tool"]["hatch"]["version"]["path"]
    assert source.resolve() == Path(cruddur.__file__).resolve()


def test_the_version_is_a_release_number_and_the_installed_metadata_agrees():
    assert re.fullmatch(r"\d+\.\d+\.\d+", cruddur.__version__)
    # Stale only if __init__.py changed since the venv was synced (make setup syncs it again).
    assert importlib.metadata.version("cruddur-messages") == cruddur.__version__


def test_the_cli_says_the_version():
    answer = CliRunner().invoke(main, ["--version"])
    assert answer.exit_code == 0, answer.output
    assert answer.output.split()[-1] == cruddur.__version__


def test_the_openapi_document_says_the_version(tmp_path: Path):
    settings = Settings(
        # Nothing is called: the document is built from the routes alone.
        aws_endpoint_url="http://127.0.0.1:9",
        data_dir=tmp_path,
        cursor_secret=SecretStr("test-cursor-secret-0123456789"),
        api_docs=True,
    )
    runtime = build_runtime(settings)
    try:
        document = create_app(runtime=runtime).openapi()
    finally:
        run(runtime.aclose())
    assert document["info"]["version"] == cruddur.__version__


def test_the_licence_is_mit_everywhere_it_is_named():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert json.loads((ROOT / "package.json").read_text())["license"] == "MIT"
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"][""]["license"] == "MIT"
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License\n")
    assert "The Cruddur Messages authors" in licence
