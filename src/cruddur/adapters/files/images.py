"""Images drawn again from their pixels with Pillow: what people see of a photo carries no
EXIF, GPS, comment or other metadata of the original, and is never the uploaded bytes.

An image is first turned upright by its EXIF orientation (the one piece of metadata that changes
how it looks), then saved anew in its own format; an animated GIF or WebP keeps its frames. A
decompression bomb (more pixels than DECODE_PIXELS) or a file that does not decode whole is
refused, never half drawn.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, ImageSequence

from cruddur.domain.attachments import GIF, JPEG, PNG, WEBP, Reencoded
from cruddur.errors import Invalid

DECODE_PIXELS = 50_000_000  # a 7,000 × 7,000 photo; more is refused
THUMBNAIL_EDGE = 320
FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP", GIF: "GIF"}


def reencode(data: bytes, content_type: str) -> Reencoded:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _reencode(data, content_type)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid("this image has too many pixels", field="attachments") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise Invalid("this image does not decode", field="attachments") from None


def _reencode(data: bytes, content_type: str) -> Reencoded:
    wanted = FORMATS[content_type]
    with Image.open(io.BytesIO(data), formats=[wanted]) as original:
        if original.width * original.height > DECODE_PIXELS:
            raise Image.DecompressionBombError("too many pixels")
        frames = [_pixels_only(frame) for frame in ImageSequence.Iterator(original)]
        duration = original.info.get("duration")
        loop = original.info.get("loop")
    first = frames[0]
    out = io.BytesIO()
    if len(frames) > 1 and wanted in {"GIF", "WEBP"}:
        extra = {"duration": duration} if duration else {}
        if loop is not None:
            extra["loop"] = loop
        first.save(out, wanted, save_all=True, append_images=frames[1:], **extra)
    elif wanted == "JPEG":
        first.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    else:
        first.save(out, wanted)
    thumb = first.convert("RGBA")
    thumb.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
    small = io.BytesIO()
    thumb.save(small, "WEBP", quality=80)
    return Reencoded(out.getvalue(), first.width, first.height, small.getvalue())


def _pixels_only(frame: Image.Image) -> Image.Image:
    """The frame upright, with none of the original's metadata (EXIF, GPS, ICC, XMP, comments,
    text chunks): savers write what `info` holds, so it keeps only how pixels are drawn."""
    upright = ImageOps.exif_transpose(frame.copy())
    upright.info = {k: v for k, v in upright.info.items() if k in {"transparency", "duration"}}
    return upright
