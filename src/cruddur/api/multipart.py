"""A multipart/form-data body read into memory, bounded: the local stand-in of S3's upload
endpoint takes its form this way.

Not Starlette's form parser: that one spools files to temporary files, which the stand-in does
not need (the body is capped before it is read: api/limits.py) and which outlive a request that
fails half-way. Fields before the file, as S3 wants them; anything after the file is ignored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from cruddur.errors import Invalid

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MOST_FIELDS = 20
FIELD_MAX_BYTES = 8 * 1024


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    file: bytes | None = None


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_name: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    data: bytearray = field(default_factory=bytearray)


async def read_form(content_type: str, body: AsyncIterator[bytes], file_max_bytes: int) -> Form:
    """The form's text fields and its `file`; Invalid if it is no form, or holds more than it
    may (too many fields, a field too long, a file over `file_max_bytes`)."""
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise Invalid("send the upload as multipart/form-data", field="file")
    collector = _Collector(file_max_bytes)
    parser = MultipartParser(boundary, collector.callbacks())
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
    except _TooLarge:
        raise Invalid(f"the file is over {file_max_bytes} bytes", field="file") from None
    except MultipartParseError:
        raise Invalid("the upload is not a well-formed multipart form", field="file") from None
    if collector.problem:
        raise Invalid(collector.problem[0], field="file")
    if collector.form.file is None:
        raise Invalid("the form has no `file` part", field="file")
    return collector.form


class _Collector:
    """The parser's callbacks: each part gathered as it arrives, then kept in the form (or
    noted as a problem) when it ends."""

    def __init__(self, file_max_bytes: int) -> None:
        self.file_max_bytes = file_max_bytes
        self.form = Form()
        self.part = _Part()
        self.parts = 0
        self.problem: list[str] = []

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_part_begin(self) -> None:
        self.part = _Part()
        self.parts += 1

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.header_value += data[start:end]

    def on_header_end(self) -> None:
        part = self.part
        part.headers[bytes(part.header_name).lower()] = bytes(part.header_value)
        part.header_name.clear()
        part.header_value.clear()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self.part.data += data[start:end]
        if len(self.part.data) > max(self.file_max_bytes, FIELD_MAX_BYTES):
            raise _TooLarge()

    def on_part_end(self) -> None:
        form, part = self.form, self.part
        if form.file is not None:
            return  # after the file: ignored, as S3 does
        _, options = parse_options_header(part.headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if name == "file":
            if len(part.data) > self.file_max_bytes:
                raise _TooLarge()
            form.file = bytes(part.data)
        elif self.parts > MOST_FIELDS or len(part.data) > FIELD_MAX_BYTES:
            self.problem.append("the form has too many fields, or one too long")
        else:
            form.fields[name] = part.data.decode("utf-8", "replace")


class _TooLarge(Exception):
    pass
