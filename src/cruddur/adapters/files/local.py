"""The embedded default's file store: objects as files under the data dir, with uploads and
links signed the way S3's presigned POST and GET are, so the browser's flow is the same.

An upload form names its object key, its size limit and its time, signed (HMAC) by the server:
the API's upload endpoint (POST /api/uploads) takes a file only under a valid signature, as S3
takes one only under a valid policy. A link names the object, how it is served (its type, or as
a download of which name) and until when, signed likewise: GET /api/files/{key} serves nothing
else. No sign-in is needed for either, as none is for S3's: the signature is the permission,
issued only to members.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from cruddur.domain import constant_time
from cruddur.domain.attachments import CONTENT_TYPES, THUMBNAIL_TYPE, UPLOADS_PREFIX
from cruddur.errors import Forbidden, Invalid

UPLOAD_URL = "/api/uploads"
FILES_URL = "/api/files/"
# Every key this store hands out; nothing else is ever a path under its root.
KEY = re.compile(r"(uploads|files)/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}(\.thumbnail)?")
SERVED_TYPES = CONTENT_TYPES | {THUMBNAIL_TYPE}


@dataclass(frozen=True)
class Served:
    """What a valid link serves: the file, as which type, and whether only as a download."""

    path: Path
    content_type: str
    download_as: str | None


class LocalFiles:
    def __init__(self, root: Path, secret: bytes, clock: Callable[[], float] = time.time) -> None:
        self.root = root
        self._secret = secret
        self.clock = clock

    # FileStore
    def upload_form(self, key: str, max_bytes: int, expires_in: int) -> tuple[str, dict[str, str]]:
        expires = str(int(self.clock()) + expires_in)
        fields = {"key": _checked(key), "max_bytes": str(max_bytes), "expires": expires}
        fields["signature"] = self._sign("upload", fields["key"], fields["max_bytes"], expires)
        return UPLOAD_URL, fields

    def read(self, key: str, max_bytes: int) -> bytes | None:
        path = self._path(key)
        try:
            with path.open("rb") as file:
                data = file.read(max_bytes + 1)
        except FileNotFoundError:
            return None
        return None if len(data) > max_bytes else data

    def write(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Whole or not at all: a reader never sees half a file.
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as file:
            file.write(data)
        os.replace(file.name, path)

    def delete(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._path(key).unlink(missing_ok=True)

    def link(self, key: str, content_type: str, download_as: str | None, expires_in: int) -> str:
        expires = str(int(self.clock()) + expires_in)
        name = download_as or ""
        signature = self._sign("file", _checked(key), content_type, name, expires)
        query = {"type": content_type, "expires": expires, "signature": signature}
        if name:
            query["name"] = name
        return f"{FILES_URL}{quote(key)}?{urlencode(query)}"

    # The endpoints' side
    def receive(self, fields: Mapping[str, str], data: bytes) -> None:
        """An upload through the form `upload_form` signed; Forbidden if the form is not one,
        or has expired; Invalid if the file is empty or over the form's size."""
        try:
            key, max_bytes, expires = fields["key"], fields["max_bytes"], fields["expires"]
            signature = fields["signature"]
        except KeyError:
            raise Forbidden("this upload form is not one the server issued") from None
        expected = self._sign("upload", key, max_bytes, expires)
        if not constant_time.equal(expected, signature) or not KEY.fullmatch(key):
            raise Forbidden("this upload form is not one the server issued")
        if int(expires) < self.clock():
            raise Forbidden("this upload form has expired: begin the upload again")
        if not 1 <= len(data) <= int(max_bytes):
            raise Invalid(f"the file must be 1 to {max_bytes} bytes", field="file")
        self.write(key, data, "application/octet-stream")

    def served(self, key: str, query: Mapping[str, str]) -> Served | None:
        """What a link serves, if it is a valid one still in time (None otherwise: a 404, as for
        a file that is gone)."""
        content_type, expires = query.get("type", ""), query.get("expires", "")
        name, signature = query.get("name", ""), query.get("signature", "")
        if not KEY.fullmatch(key) or key.startswith(UPLOADS_PREFIX):
            return None
        expected = self._sign("file", key, content_type, name, expires)
        if not constant_time.equal(expected, signature) or not expires.isdigit():
            return None
        if int(expires) < self.clock() or content_type not in SERVED_TYPES:
            return None
        path = self._path(key)
        return Served(path, content_type, name or None) if path.is_file() else None

    def sweep(self, older_than_seconds: float) -> int:
        """Uploads never attached, older than that (their forms have expired): removed. How
        many. What S3's lifecycle rule does to the bucket's uploads/ prefix."""
        folder = self.root / UPLOADS_PREFIX
        cutoff = self.clock() - older_than_seconds
        removed = 0
        for path in folder.glob("*") if folder.is_dir() else ():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # attached (and moved away) meanwhile
        return removed

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def _sign(self, *parts: str) -> str:
        message = "\n".join(parts).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()


def _checked(key: str) -> str:
    if not KEY.fullmatch(key):
        raise Invalid("not a file key", field="key")
    return key
