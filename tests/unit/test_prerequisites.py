"""scripts/prerequisites: what `make run` and `make test` need, checked before anything installs,
each missing piece named with its fix. Run against stand-in programs on a PATH of the test's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "prerequisites"
JAVA_17 = 'openjdk version "17.0.15" 2025-04-15'


def _tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def _machine(tmp_path: Path, *, java: str | None = JAVA_17, node: bool = True) -> Path:
    """A PATH with sh, sed and friends, this Python, and the stand-ins asked for."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("sh", "sed", "head", "cat"):
        found = subprocess.run(["sh", "-c", f"command -v {name}"], capture_output=True, text=True)
        (bin_dir / name).symlink_to(found.stdout.strip())
    (bin_dir / "python3").symlink_to(sys.executable)
    if java is not None:
        _tool(bin_dir, "java", f"echo '{java}' >&2")
    if node:
        _tool(bin_dir, "node", "echo v20.0.0")
        _tool(bin_dir, "npm", "echo 10.0.0")
    return bin_dir


def _check(bin_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir / "sh"), str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env={"PATH": str(bin_dir)},
        check=False,
    )


def test_a_machine_with_everything_passes_silently(tmp_path):
    result = _check(_machine(tmp_path))
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize(
    "java", ['openjdk version "11.0.2" 2019-01-15', 'java version "1.8.0_402"', "garbage"]
)
def test_a_java_older_than_17_is_refused_by_its_version(tmp_path, java):
    result = _check(_machine(tmp_path, java=java))
    assert result.returncode == 1
    assert "missing: Java 17 or newer" in result.stderr
    assert "fix:   sudo apt-get install openjdk-17-jre-headless" in result.stderr


def test_a_newer_java_passes(tmp_path):
    assert _check(_machine(tmp_path, java='openjdk version "21.0.4" 2024-07-16')).returncode == 0


def test_every_missing_piece_is_named_at_once(tmp_path):
    result = _check(_machine(tmp_path, java=None, node=False))
    assert result.returncode == 1
    assert "Java 17 or newer (java not found)" in result.stderr
    assert "Node.js and npm (node not found)" in result.stderr
    assert result.stderr.count("fix:") == 2


def test_an_old_python_is_refused(tmp_path):
    bin_dir = _machine(tmp_path)
    _tool(
        bin_dir, "python3.9", 'echo 3.9.18; [ "$1" = -c ] && case "$2" in *sys.exit*) exit 1;; esac'
    )
    result = _check(bin_dir, "python3.9")
    assert result.returncode == 1
    assert "missing: Python 3.11 or newer (python3.9 is 3.9.18)" in result.stderr


def test_a_python_without_venv_is_named_with_its_package(tmp_path):
    bin_dir = _machine(tmp_path)
    _tool(bin_dir, "python3-novenv", 'case "$2" in *ensurepip*) exit 1;; esac; exit 0')
    result = _check(bin_dir, "python3-novenv")
    assert "fix:   sudo apt-get install python3-venv" in result.stderr
