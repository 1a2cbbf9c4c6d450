"""scripts/system-packages: the Debian packages `make test` needs, named with the command that
installs them when the user may not install them; none asked for where the tests are pointed at
an existing PostgreSQL or Redis. Run against stand-in programs on a PATH of the test's."""

from __future__ import annotations

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "system-packages"


def _machine(tmp_path: Path, *present: str) -> Path:
    """An ordinary user's PATH (uid 1000, no sudo) holding apt-get and the programs named."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("sh", "ls"):
        found = subprocess.run(["sh", "-c", f"command -v {name}"], capture_output=True, text=True)
        (bin_dir / name).symlink_to(found.stdout.strip())
    for name, body in {
        "id": "echo 1000",
        "apt-get": "exit 99",
        **dict.fromkeys(present, ""),
    }.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    return bin_dir


def _run(bin_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir / "sh"), str(SCRIPT)],
        capture_output=True,
        text=True,
        env={"PATH": str(bin_dir), "SYSTEM_PACKAGES_ROOT": str(bin_dir.parent), **env},
        check=False,
    )


def _needed(result: subprocess.CompletedProcess[str]) -> set[str]:
    line = next(x for x in result.stderr.splitlines() if x.startswith("  fix:"))
    return set(line.removeprefix("  fix:   sudo apt-get install").split())


def test_an_ordinary_user_is_told_the_one_command_that_installs_what_is_missing(tmp_path):
    result = _run(_machine(tmp_path, "chromium"))
    assert result.returncode == 1
    assert {"postgresql", "redis-server"} <= _needed(result)
    assert "chromium" not in _needed(result)


def test_services_the_tests_are_pointed_at_need_no_package(tmp_path):
    result = _run(
        _machine(tmp_path, "chromium"),
        CRUDDUR_TEST_DATABASE_URL="postgresql://postgres@db.example:5432/postgres",
        CRUDDUR_TEST_REDIS_URL="redis://cache.example:6379/0",
    )
    assert "postgresql" not in _needed(result)
    assert "redis-server" not in _needed(result)


def test_postgresql_is_found_off_the_path_and_nothing_is_asked_when_all_is_there(tmp_path):
    bin_dir = _machine(tmp_path, "chromium", "redis-server")
    assert _needed(_run(bin_dir)) == {"postgresql", "fonts-noto-color-emoji"}
    # Debian keeps PostgreSQL's server programs under /usr/lib/postgresql/N/bin, off the PATH.
    server_bin = tmp_path / "usr/lib/postgresql/15/bin"
    server_bin.mkdir(parents=True)
    (server_bin / "initdb").touch()
    font = tmp_path / "usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
    font.parent.mkdir(parents=True)
    font.touch()
    result = _run(bin_dir)
    assert (result.returncode, result.stderr) == (0, "")
