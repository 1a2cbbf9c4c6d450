"""A secret generated once and kept in a file of the data dir (0600), for one machine's API.

Several processes may start at once on one data dir (tests, `cruddur up` beside `cruddur
serve`): the secret is written aside and linked into place, so they agree on one and none reads
a half-written file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path


def load_or_create(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as handle:  # mkstemp makes it 0600
                handle.write(secrets.token_urlsafe(32))
            with contextlib.suppress(FileExistsError):  # another process won: its secret stands
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_bytes().strip()
