"""The Lambda zip holds only the stream processor; the API image is multi-stage and non-root."""

from __future__ import annotations

import json
import re
import tomllib
import zipfile
from pathlib import Path

import pytest

from cruddur_infra import lambda_package, lambda_timing

ROOT = Path(__file__).resolve().parents[2]


def test_the_zip_holds_the_processor_and_nothing_of_the_web_sql_or_passwords(tmp_path: Path):
    scanned = lambda_package.scan()
    out = tmp_path / "lambda.zip"
    size = lambda_package.write_zip(scanned.own_files, out)
    names = set(zipfile.ZipFile(out).namelist())
    assert "cruddur/stream/lambda_handler.py" in names
    assert "cruddur/live_events/resp.py" in names
    forbidden = (
        "cruddur/api/",
        "cruddur/web/",
        "cruddur/adapters/users/directory",
        "passwords",
        "bench",
    )
    assert not [n for n in names if any(part in n for part in forbidden)]
    assert size < lambda_package.MAX_ZIP_BYTES
    assert scanned.runtime <= lambda_package.RUNTIME_DISTRIBUTIONS


def test_the_handler_loads_exactly_the_listed_modules_and_a_new_import_is_refused():
    scanned = lambda_package.scan()
    scanned.check_modules()  # the list is the truth today
    assert "cruddur.adapters.crypto.sealing" not in scanned.own_modules  # no crypto in the Lambda
    with pytest.raises(lambda_package.PackagingError, match=r"now loads cruddur\.stream\.lambda_h"):
        scanned.check_modules(lambda_package.HANDLER_MODULES - {"cruddur.stream.lambda_handler"})
    with pytest.raises(lambda_package.PackagingError, match=r"no longer loads cruddur\.api"):
        scanned.check_modules(lambda_package.HANDLER_MODULES | {"cruddur.api"})


def test_make_lambda_prints_the_import_time_and_never_fails_on_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    # The slowest hour imaginable: the import takes ten seconds, boto3's five.
    slow = lambda_timing.ImportTimes([10_000.0] * 3, [5_000.0] * 3)
    monkeypatch.setattr(lambda_timing, "import_times", lambda runs, zip_path: slow)
    assert lambda_package.main(["--out", str(tmp_path / "l.zip"), "--runs", "3"]) == 0
    printed = capsys.readouterr().out
    assert "10000.0 ms" in printed
    assert "×2.00" in printed


def test_the_same_sources_give_the_same_zip(tmp_path: Path):
    files = lambda_package.scan().own_files
    lambda_package.write_zip(files, tmp_path / "a.zip")
    lambda_package.write_zip(files, tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_a_handler_that_imports_a_third_party_library_is_refused():
    with pytest.raises(lambda_package.PackagingError, match="sqlalchemy"):
        lambda_package.scan("sqlalchemy")


def test_what_the_interpreter_loads_before_the_handler_is_not_the_handlers():
    # Debian's python3 runs a sitecustomize at start-up: a module no handler imported must not
    # count against it (here a third-party one, loaded ahead of the scan).
    code = "import redis\n" + lambda_package._SCAN.format(module=lambda_package.HANDLER_MODULE)
    loaded = json.loads(lambda_package._fresh_python(code))["modules"]
    assert "cruddur.stream.lambda_handler" in loaded
    assert not [name for name in loaded if name.partition(".")[0] == "redis"]


def test_the_dockerfile_builds_in_one_stage_and_runs_as_a_non_root_user_in_another():
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    stages = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    assert len(stages) == 2
    final = lines[stages[1] :]
    assert any(line.startswith("COPY --from=build") for line in final)
    users = [line for line in final if line.startswith("USER ")]
    assert users
    assert not users[-1].split()[1].startswith(("0", "root"))
    assert not [line for line in final if "pip install" in line or "apt-get" in line]
    assert '"serve", "--prod"' in final[-1]


def test_the_image_and_the_makefile_install_exactly_what_uv_lock_pins():
    dockerfile = (ROOT / "Dockerfile").read_text()
    makefile = (ROOT / "Makefile").read_text()
    (pinned,) = re.findall(r"^UV_VERSION := (\S+)$", makefile, re.MULTILINE)
    assert f"pip install uv=={pinned}" in dockerfile  # one uv version for both
    assert "COPY pyproject.toml uv.lock" in dockerfile
    assert "uv sync --frozen --no-editable" in dockerfile  # never re-resolved at build time
    assert re.search(r"\$\(UV\) sync --frozen\b", makefile)
    assert "pip install -e" not in makefile  # no second, unlocked way in
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked = {package["name"] for package in lock["package"]}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"].values()
    wanted = [*project["dependencies"], *(spec for extra in extras for spec in extra)]
    names = {re.split(r"[\[<>=; ]", spec, maxsplit=1)[0].lower() for spec in wanted}
    assert names <= locked
