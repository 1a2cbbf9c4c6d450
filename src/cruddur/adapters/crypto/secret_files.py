"""Secrets kept in files of the data dir (0600), for one machine's API: the cursor secret
generated here, and the signing key (`auth/signing_key.py`) written with `write_once`.

Several processes may start at once on one data dir (tests, `cruddur up` beside `cruddur
serve`): a secret is written aside and linked into place, so they agree on one and none reads
a half-written file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path


def write_once(path: Path, data: bytes) -> None:
    """Put `data` at `path` unless a file is there already (another process won: its stands)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:  # mkstemp makes it 0600
            handle.write(data)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def load_or_create(path: Path) -> bytes:
    if not path.exists():
        write_once(path, secrets.token_urlsafe(32).encode())
    return path.read_bytes().strip()
