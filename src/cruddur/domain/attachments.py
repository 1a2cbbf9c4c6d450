"""Photos and files on messages: what a file is (decided from its bytes), its shown name, where
its objects live, and what the inbox says of a message that is only a file.

A file's type is never taken from its name or from what the client declared: the first bytes
decide (`sniff`), and anything not on the list is refused. Images are re-encoded before anyone
sees them (adapters/files/images.py); every other kind is only ever served as a download.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from cruddur.domain.text import BIDI_CONTROLS, has_visible, refuse_controls
from cruddur.errors import Invalid

JPEG, PNG, WEBP, GIF = "image/jpeg", "image/png", "image/webp", "image/gif"
PDF, TEXT, ZIP = "application/pdf", "text/plain", "application/zip"
IMAGE_TYPES = frozenset({JPEG, PNG, WEBP, GIF})
FILE_TYPES = frozenset({PDF, TEXT, ZIP})
CONTENT_TYPES = IMAGE_TYPES | FILE_TYPES
MOST_PER_MESSAGE = 10
NAME_MAX_CHARS = 200
# Control characters a plain-text file may hold; any other byte below 0x20 makes it binary.
_TEXT_CONTROLS = frozenset(b"\t\n\r\f")


def sniff(head: bytes) -> str | None:
    """The content type the bytes are, from their first few (a few hundred suffice for text;
    give them all, for a text file, to check it is UTF-8 throughout); None: not a kind we take."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return ZIP
    if head and _is_text(head):
        return TEXT
    return None


def _is_text(data: bytes) -> bool:
    """UTF-8 with no control byte but tabs, newlines and form feeds (an HTML or SVG file is
    text too: it is served as text/plain, as a download, never rendered)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(byte >= 0x20 or byte in _TEXT_CONTROLS for byte in data) and 0x7F not in data


def clean_name(name: str) -> str:
    """A file's shown name: its last path part, NFC, no controls or bidi overrides (which would
    let "gpj.exe" read as "exe.jpg"), something visible, at most NAME_MAX_CHARS."""
    text = unicodedata.normalize("NFC", name)
    refuse_controls(text, "name")
    text = "".join(character for character in text if character not in BIDI_CONTROLS)
    text = text.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not has_visible(text) or text in {".", ".."}:
        raise Invalid("the file name is empty", field="name")
    if len(text) > NAME_MAX_CHARS:
        raise Invalid(f"a file name is at most {NAME_MAX_CHARS} characters", field="name")
    return text


def download_name(name: str, content_type: str) -> str:
    """The name a download is saved as: its extension says what the bytes are, so a text file
    named "page.html" is saved as "page.html.txt" and never opens as a page."""
    wanted = EXTENSIONS[content_type]
    stem, dot, extension = name.rpartition(".")
    if dot and stem and f".{extension.lower()}" in wanted:
        return name
    return f"{name}{wanted[0]}"


EXTENSIONS = {
    JPEG: (".jpg", ".jpeg"),
    PNG: (".png",),
    WEBP: (".webp",),
    GIF: (".gif",),
    PDF: (".pdf",),
    TEXT: (".txt", ".text", ".log", ".md", ".csv"),
    ZIP: (".zip",),
}


@dataclass(frozen=True)
class Attachment:
    """A file on a message, as stored: what it is (from its bytes), its shown name, its size
    and, for an image, its dimensions (its thumbnail is beside it)."""

    attachment_id: str
    name: str
    content_type: str
    size: int
    width: int | None = None
    height: int | None = None

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES

    @property
    def key(self) -> str:
        return file_key(self.attachment_id)

    @property
    def thumbnail_key(self) -> str | None:
        return thumbnail_key(self.attachment_id) if self.is_image else None

    @property
    def keys(self) -> tuple[str, ...]:
        thumbnail = self.thumbnail_key
        return (self.key,) if thumbnail is None else (self.key, thumbnail)


@dataclass(frozen=True)
class Upload:
    """An upload begun and not yet attached: who may attach it, to which conversation, until
    when (epoch seconds), and what they said it is (checked against its bytes later)."""

    attachment_id: str
    uploader_uuid: str
    group_uuid: str
    name: str
    declared_type: str
    declared_size: int
    expires_at: int


@dataclass(frozen=True)
class Reencoded:
    """An image drawn again from its pixels: its bytes, its size and its thumbnail's bytes."""

    data: bytes
    width: int
    height: int
    thumbnail: bytes  # THUMBNAIL_TYPE


THUMBNAIL_TYPE = WEBP  # small, and keeps transparency


# Where the objects live, in the bucket (or under the data dir): uploads arrive under uploads/
# (and expire there); what a message carries is under files/.
UPLOADS_PREFIX = "uploads/"
FILES_PREFIX = "files/"


def upload_key(attachment_id: str) -> str:
    return f"{UPLOADS_PREFIX}{attachment_id}"


def file_key(attachment_id: str) -> str:
    return f"{FILES_PREFIX}{attachment_id}"


def thumbnail_key(attachment_id: str) -> str:
    return f"{FILES_PREFIX}{attachment_id}.thumbnail"


def file_preview(attachments: tuple[Attachment, ...]) -> str:
    """What an inbox row shows of a message with no text: its files."""
    if not attachments:
        return ""
    if all(a.is_image for a in attachments):
        return "📷 Photo" if len(attachments) == 1 else f"📷 {len(attachments)} photos"
    first = attachments[0].name
    return f"📎 {first}" if len(attachments) == 1 else f"📎 {first} and {len(attachments) - 1} more"
