"""What a file is, from its bytes; its shown and saved names; images drawn again without their
metadata (Pillow, for real); the bounded multipart reader."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image, PngImagePlugin

from cruddur.adapters.files.images import reencode
from cruddur.api.multipart import read_form
from cruddur.domain.attachments import (
    Attachment,
    clean_name,
    download_name,
    file_preview,
    sniff,
)
from cruddur.errors import Invalid


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "image/png"),
        (b"GIF89a....", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"PK\x03\x04rest", "application/zip"),
        ("plain words, ünïcode\n\tand tabs".encode(), "text/plain"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>", "text/plain"),
        (b"MZ\x90\x00", None),  # a Windows executable
        (b"\x7fELF\x02\x01", None),
        (b"RIFF\x00\x00\x00\x00AVI LIST", None),
        (b"text with a NUL\x00", None),
        (b"\xc3\x28 not UTF-8", None),
        (b"", None),
    ],
)
def test_the_bytes_say_what_a_file_is(head: bytes, kind: str | None):
    assert sniff(head) == kind


def test_names_are_their_last_part_cleaned_and_bounded():
    assert clean_name("C:\\Users\\ada\\photo.jpg") == "photo.jpg"
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("  cafe\u0301.png ") == "café.png"  # NFC
    assert clean_name("gpj.\u202eexe") == "gpj.exe"  # an override cannot disguise it
    for bad in ("", "  ", "/", "..", "a\x00b", "x" * 201):
        with pytest.raises(Invalid):
            clean_name(bad)


def test_a_download_is_saved_under_the_extension_of_what_it_is():
    assert download_name("page.html", "text/plain") == "page.html.txt"
    assert download_name("notes.TXT", "text/plain") == "notes.TXT"
    assert download_name("report", "application/pdf") == "report.pdf"
    assert download_name(".zip", "application/zip") == ".zip.zip"


def test_the_inbox_says_what_files_a_message_without_text_has():
    photo = Attachment("1", "a.jpg", "image/jpeg", 10, 1, 1)
    pdf = Attachment("2", "report.pdf", "application/pdf", 10)
    assert file_preview((photo,)) == "📷 Photo"
    assert file_preview((photo, photo)) == "📷 2 photos"
    assert file_preview((pdf,)) == "📎 report.pdf"
    assert file_preview((pdf, photo)) == "📎 report.pdf and 1 more"


def _jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the re-encoded image is turned upright
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    Image.new("RGB", (400, 200), "blue").save(out, "JPEG", exif=exif, comment=b"secret")
    return out.getvalue()


def test_a_photo_loses_every_piece_of_metadata_and_stands_upright():
    image = reencode(_jpeg(), "image/jpeg")
    decoded = Image.open(io.BytesIO(image.data))
    assert (image.width, image.height) == decoded.size == (200, 400)
    assert dict(decoded.getexif()) == {}
    assert "comment" not in decoded.info
    assert b"PhoneMaker" not in image.data
    thumbnail = Image.open(io.BytesIO(image.thumbnail))
    assert thumbnail.format == "WEBP"
    assert max(thumbnail.size) == 320


def test_png_text_chunks_and_gif_comments_are_gone_too():
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "my house")
    out = io.BytesIO()
    Image.new("RGBA", (30, 30)).save(out, "PNG", pnginfo=info)
    assert b"my house" not in reencode(out.getvalue(), "image/png").data
    out = io.BytesIO()
    Image.new("P", (30, 30)).save(out, "GIF", comment=b"my house")
    assert b"my house" not in reencode(out.getvalue(), "image/gif").data


def test_what_does_not_decode_whole_is_refused():
    data = _jpeg()
    for bad, kind in ((data[:100], "image/jpeg"), (data, "image/png"), (b"GIF89a", "image/gif")):
        with pytest.raises(Invalid):
            reencode(bad, kind)


def test_a_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")  # 100 Mpx, a few KB
    with pytest.raises(Invalid, match="too many pixels"):
        reencode(out.getvalue(), "image/png")


async def _chunks(body: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _form(*parts: tuple[str, bytes]) -> bytes:
    out = b""
    for name, value in parts:
        filename = '; filename="f"' if name == "file" else ""
        out += (
            b"--XyZ\r\nContent-Disposition: form-data; name=\"" + name.encode() + b"\""
            + filename.encode() + b"\r\n\r\n" + value + b"\r\n"
        )  # fmt: skip
    return out + b"--XyZ--\r\n"


def _read(body: bytes, most: int = 100) -> tuple[dict[str, str], bytes | None]:
    form = asyncio.run(read_form("multipart/form-data; boundary=XyZ", _chunks(body), most))
    return form.fields, form.file


def test_the_form_reader_takes_fields_then_the_file_in_any_chunking():
    data = b"\r\n--Xy binary \x00\xff\r\n"
    fields, file = _read(_form(("key", b"uploads/x"), ("file", data), ("after", b"ignored")))
    assert fields == {"key": "uploads/x"}
    assert file == data


def test_the_form_reader_refuses_what_is_too_much_or_not_a_form():
    with pytest.raises(Invalid, match="over 100 bytes"):
        _read(_form(("file", b"x" * 101)))
    with pytest.raises(Invalid, match="too many fields"):
        _read(_form(*[(f"f{n}", b"v") for n in range(25)], ("file", b"x")))
    with pytest.raises(Invalid, match="no `file`"):
        _read(_form(("key", b"k")))
    with pytest.raises(Invalid, match="multipart"):
        asyncio.run(read_form("text/plain", _chunks(b"x"), 10))


def test_the_local_store_sweeps_only_unattached_uploads_past_their_time(tmp_path):
    from cruddur.adapters.files.local import LocalFiles

    now = [1_000_000.0]
    files = LocalFiles(tmp_path, b"k" * 32, clock=lambda: now[0])
    old, new = (
        "uploads/" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
        "uploads/" + "1" * 8 + "-0000-4000-8000-" + "1" * 12,
    )
    kept = "files/" + "2" * 8 + "-0000-4000-8000-" + "2" * 12
    for key in (old, new, kept):
        files.write(key, b"x", "text/plain")
    import os

    os.utime(tmp_path / old, (now[0] - 7200, now[0] - 7200))
    os.utime(tmp_path / new, (now[0] - 60, now[0] - 60))
    os.utime(tmp_path / kept, (now[0] - 7200, now[0] - 7200))
    assert files.sweep(3600) == 1
    assert not (tmp_path / old).exists()
    assert (tmp_path / new).exists()
    assert (tmp_path / kept).exists()
    with pytest.raises(Invalid):
        files.write("../escape", b"x", "text/plain")
