"""Which DynamoDB Local processes a process started and left running: the launcher marks each
with its owner's pid, so the tests can check that none outlives its owner."""

from __future__ import annotations

from pathlib import Path

from cruddur.local.dynamodb_local import OWNER_PROPERTY


def processes_owned_by(owner_pid: int) -> list[int]:
    """PIDs of DynamoDB Local processes started by `owner_pid` that are still alive."""
    marker = f"{OWNER_PROPERTY}{owner_pid}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            status = (entry / "stat").read_text()
        except OSError:
            continue
        if marker in cmdline.split(b"\0") and ") Z " not in status:
            found.append(int(entry.name))
    return found
