"""What the attachment use cases need: the object store, the uploads not yet attached, and how an
image is drawn again from its pixels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from cruddur.domain.attachments import Reencoded, Upload


class FileStore(Protocol):
    """Objects by key (domain/attachments.py names them): the attachments bucket on AWS, a
    directory under the data dir locally. Blocking: the services call it on a thread."""

    def upload_form(self, key: str, max_bytes: int, expires_in: int) -> tuple[str, dict[str, str]]:
        """Where a browser POSTs the file (multipart: these fields, then `file`), at most
        `max_bytes`, within `expires_in` seconds: the bytes never pass through the API."""
        ...

    def read(self, key: str, max_bytes: int) -> bytes | None:
        """The object; None if there is none (or it is larger than `max_bytes`)."""
        ...

    def write(self, key: str, data: bytes, content_type: str) -> None: ...

    def delete(self, keys: Sequence[str]) -> None:
        """Absent ones are no error."""
        ...

    def link(self, key: str, content_type: str, download_as: str | None, expires_in: int) -> str:
        """A URL that serves the object for `expires_in` seconds: inline as `content_type`,
        or (`download_as`) only as a download of that name."""
        ...


class Uploads(Protocol):
    """Uploads begun and not attached yet (with a TTL), each attachable once."""

    async def begin(self, upload: Upload) -> None: ...

    async def get(self, attachment_id: str) -> Upload | None:
        """None if unknown or past its time (TTL deletion lags)."""
        ...

    async def attach(self, upload: Upload, message_uuid: str, now: int) -> bool:
        """Mark it attached to the message, if it is still unattached (or already attached to
        this same message: a retried send) and not expired. False otherwise."""
        ...

    async def release(self, upload: Upload, message_uuid: str) -> None:
        """Undo `attach` (the send failed after it): attachable again."""
        ...

    async def kept(self, uploader_uuid: str, attachment_ids: list[str]) -> None:
        """These are files of a message the uploader sent (what erasing them deletes)."""
        ...

    async def files_of(self, uploader_uuid: str) -> list[str]: ...

    async def forget_files(self, uploader_uuid: str) -> None: ...


class Reencoder(Protocol):
    def __call__(self, data: bytes, content_type: str) -> Reencoded:
        """The image drawn again from its pixels only (no EXIF, GPS or other metadata), and a
        thumbnail; Invalid if the bytes are not a whole image of that type."""
        ...
