"""Photos and files: the one about to be uploaded, where to upload it, and one as a message
shows it."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from cruddur.api.schemas.common import RequestBody
from cruddur.domain.attachments import CONTENT_TYPES, Attachment


class AttachmentCreate(RequestBody):
    """A file you are about to upload into this conversation."""

    name: str = Field(min_length=1, max_length=1000, examples=["holiday.jpg"])
    content_type: str = Field(
        max_length=100,
        description="one of " + ", ".join(sorted(CONTENT_TYPES)) + " (what the file is gets"
        " decided from its bytes)",
        examples=["image/jpeg"],
        # Documented, not enforced here: another type is the service's 400 naming the field.
        # (a list of JSON values for mypy: list[str] is not one, lists being invariant)
        json_schema_extra={"enum": [name for name in sorted(CONTENT_TYPES)]},
    )
    size: int = Field(ge=1, description="in bytes; at most the server's limit (10 MiB default)")


class UploadFormPublic(BaseModel):
    url: str = Field(description="POST the file here as multipart/form-data")
    fields: dict[str, str] = Field(description="these form fields first, then the file as `file`")


class UploadPublic(BaseModel):
    attachment_id: str = Field(description="name it in POST /api/messages `attachments`")
    upload: UploadFormPublic


# What a file's URLs are: services/context.py Shelf.links.
Links = Callable[[Attachment], tuple[str, str | None]]


class AttachmentPublic(BaseModel):
    id: str
    name: str
    content_type: str = Field(description="decided from the file's bytes")
    size: int
    width: int | None = Field(default=None, description="an image's, in pixels")
    height: int | None = None
    url: str = Field(description="serves the file for a few minutes (a download, unless an image)")
    thumbnail_url: str | None = Field(default=None, description="an image's small version")

    @classmethod
    def of(cls, attachment: Attachment, links: Links | None) -> AttachmentPublic:
        url, thumbnail = links(attachment) if links is not None else ("", None)
        return cls.model_construct(
            id=attachment.attachment_id,
            name=attachment.name,
            content_type=attachment.content_type,
            size=attachment.size,
            width=attachment.width,
            height=attachment.height,
            url=url,
            thumbnail_url=thumbnail,
        )
