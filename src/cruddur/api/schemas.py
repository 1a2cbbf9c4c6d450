"""Request and response bodies of the HTTP API, kept apart from the domain types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cruddur.domain.attachments import CONTENT_TYPES, MOST_PER_MESSAGE, Attachment
from cruddur.domain.model import (
    UNREAD_CAP,
    Block,
    InboxChoices,
    InboxEntry,
    Message,
    Reply,
    User,
)
from cruddur.domain.profile import HANDLE
from cruddur.domain.reactions import counts


class RequestBody(BaseModel):
    """Every request body of the API (tests/unit/test_request_bodies.py holds each route to it).

    Unknown fields are refused: a client sending `user_uuid` learns it is not how this works, and
    nothing it sends beyond the documented fields is ever read. Strict: a JSON value is taken
    only as the type declared. pydantic's default (lax) mode read `0`, `1.0` or "yes" as a
    boolean and "12" as an integer, and such a PATCH was stored; now each is a 422. Strict
    mode suits these models because they hold only JSON's own types (strings, integers,
    booleans, lists of them): a uuid or a timestamp is declared `str` with its format, since
    strict mode takes no string for a UUID or a datetime from parsed JSON."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _absent_is_unchanged(schema: dict[str, Any]) -> None:
    # Such a field has no default to document: left out, the choice stays as it is.
    schema.pop("default", None)


# The documented rules are the ones the services enforce (domain/profile.py, passwords.py), so
# clients and schema-driven tools learn them from /openapi.json. A handle is compared in
# lowercase, with one leading @ dropped: the API takes either case.
HANDLE_PATTERN = "^@?" + HANDLE.pattern.replace("a-z", "A-Za-z") + "$"


# A uuid in a body: documented as one, taken as text (a malformed one is the service's 400 naming
# the field, as before; strict mode would take no string for a `uuid.UUID`).
UuidText = Annotated[str, Field(max_length=64, json_schema_extra={"format": "uuid"})]


class SignupCreate(RequestBody):
    handle: str = Field(
        pattern=HANDLE_PATTERN,
        description="3 to 32 letters, digits or underscores; case-insensitive",
        examples=["ada"],
    )
    display_name: str = Field(min_length=1, max_length=100, pattern=r"\S", examples=["Ada Quill"])
    email: str = Field(
        max_length=254, pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$", examples=["ada@example.org"]
    )
    password: str = Field(min_length=8, max_length=256)


class LoginCreate(RequestBody):
    handle: str = Field(min_length=1, max_length=254, description="handle or email")
    password: str = Field(min_length=1, max_length=256)


class MessageCreate(RequestBody):
    # The either/or rules, for the document (the model's validator and post_message enforce
    # them): a conversation or a handle, exactly one (null counts as left out); text or files.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": [name], "properties": {name: {"type": "string"}}}
                for name in ("message_group_uuid", "handle")
            ],
            "anyOf": [
                {"required": ["message"], "properties": {"message": {"minLength": 1}}},
                {"required": ["attachments"], "properties": {"attachments": {"minItems": 1}}},
            ],
        }
    )

    message: str = Field(
        default="",
        max_length=100_000,
        description="1 to 1024 characters after trimming (the server's limit applies); may be"
        " left out when the message carries attachments",
    )
    message_group_uuid: UuidText | None = Field(
        default=None, description="send into this conversation"
    )
    handle: str | None = Field(
        default=None,
        pattern=HANDLE_PATTERN,
        description="or start (or reuse) the conversation with this user",
    )
    reply_to: UuidText | None = Field(
        default=None,
        description="the uuid of a message of the same conversation this one answers",
    )
    attachments: list[UuidText] = Field(
        default_factory=list,
        max_length=MOST_PER_MESSAGE,
        description="attachment_ids of your uploads to this conversation"
        " (POST /api/message_groups/{uuid}/attachments), each usable once",
        json_schema_extra={"uniqueItems": True},  # the service refuses one named twice (400)
    )

    @model_validator(mode="after")
    def _something(self) -> MessageCreate:
        if not self.message and not self.attachments:
            raise ValueError("a message needs text or attachments")
        return self


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


class AccountErase(RequestBody):
    password: str | None = Field(
        default=None, max_length=256, description="your password (local accounts)"
    )


class ConversationChange(RequestBody):
    """Your choices for one of your conversations; any of them, at least one."""

    # At least one choice, and not archived and pinned at once (the service answers 400 to no
    # choice and to both); a choice left out stays as it is, so null is no value of these.
    model_config = ConfigDict(
        json_schema_extra={
            "minProperties": 1,
            "not": {
                "required": ["archived", "pinned"],
                "properties": {"archived": {"const": True}, "pinned": {"const": True}},
            },
        }
    )

    muted: bool = Field(
        default=False,
        description="unread still counts; nothing notifies",
        json_schema_extra=_absent_is_unchanged,
    )
    archived: bool = Field(
        default=False,
        description="out of the inbox until a new message arrives (for good while muted); unpins",
        json_schema_extra=_absent_is_unchanged,
    )
    pinned: bool = Field(
        default=False,
        description="first in the inbox (at most 5); unarchives",
        json_schema_extra=_absent_is_unchanged,
    )

    def choices(self) -> InboxChoices:
        """The choices given; None for those left out."""
        given = self.model_fields_set
        return InboxChoices(
            muted=self.muted if "muted" in given else None,
            archived=self.archived if "archived" in given else None,
            pinned=self.pinned if "pinned" in given else None,
        )


class MessageEdit(RequestBody):
    message: str = Field(
        min_length=1,
        max_length=100_000,
        description="the new text: 1 to 1024 characters after trimming",
    )


class UserPublic(BaseModel):
    uuid: str
    handle: str
    display_name: str

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(uuid=user.uuid, handle=user.handle, display_name=user.display_name)


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    user: UserPublic


class ReactionPublic(BaseModel):
    emoji: str
    count: int = Field(description="how many of the two members put it there")
    mine: bool = Field(description="whether you did")


class ReplyPublic(BaseModel):
    """The message a reply answers, as it reads now."""

    uuid: str
    handle: str
    display_name: str
    preview: str = Field(description='the start of its current text; "" once deleted')
    deleted: bool


class AttachmentPublic(BaseModel):
    id: str
    name: str
    content_type: str = Field(description="decided from the file's bytes")
    size: int
    width: int | None = Field(default=None, description="an image's, in pixels")
    height: int | None = None
    url: str = Field(description="serves the file for a few minutes (a download, unless an image)")
    thumbnail_url: str | None = Field(default=None, description="an image's small version")


# What a file's URLs are: services/context.py Shelf.links.
Links = Callable[[Attachment], tuple[str, str | None]]


def _attachment(attachment: Attachment, links: Links | None) -> AttachmentPublic:
    url, thumbnail = links(attachment) if links is not None else ("", None)
    return AttachmentPublic.model_construct(
        id=attachment.attachment_id,
        name=attachment.name,
        content_type=attachment.content_type,
        size=attachment.size,
        width=attachment.width,
        height=attachment.height,
        url=url,
        thumbnail_url=thumbnail,
    )


class MessagePublic(BaseModel):
    uuid: str
    display_name: str
    handle: str
    message: str = Field(description='the text; "" once deleted')
    created_at: str
    edited_at: str | None = Field(
        default=None, description="when it was last edited (or deleted); null if never"
    )
    deleted: bool = Field(
        default=False, description="deleted by its author: it keeps its place, not its text"
    )
    reactions: list[ReactionPublic] = Field(
        default_factory=list, description="each emoji under the message, most used first"
    )
    reply_to: ReplyPublic | None = Field(
        default=None, description="the message this one answers; null if it answers none"
    )
    attachments: list[AttachmentPublic] = Field(
        default_factory=list, description="its photos and files (none once deleted)"
    )

    @classmethod
    def of(cls, message: Message, viewer: str, links: Links | None = None) -> MessagePublic:
        # model_construct: the values come from our own typed domain objects, already valid;
        # validating them again is most of the cost of a page of 20.
        return cls.model_construct(
            uuid=message.message_uuid,
            display_name=message.sender.display_name,
            handle=message.sender.handle,
            message=message.text,
            created_at=message.created_at,
            edited_at=message.edited_at,
            deleted=message.deleted,
            reactions=[
                ReactionPublic.model_construct(emoji=r.emoji, count=r.count, mine=r.mine)
                for r in counts(message.reactions, viewer)
            ],
            reply_to=None if message.reply_to is None else _reply(message.reply_to),
            attachments=[_attachment(a, links) for a in message.attachments],
        )


def _reply(reply: Reply) -> ReplyPublic:
    return ReplyPublic.model_construct(
        uuid=reply.message_uuid,
        handle=reply.sender.handle,
        display_name=reply.sender.display_name,
        preview=reply.preview,
        deleted=reply.deleted,
    )


class MessageCreatedPublic(MessagePublic):
    message_group_uuid: str

    @classmethod
    def created(cls, message: Message, links: Links | None = None) -> MessageCreatedPublic:
        public = MessagePublic.of(message, message.sender.uuid, links)
        return cls.model_construct(**dict(public), message_group_uuid=message.group_uuid)


class ConversationPublic(BaseModel):
    """One inbox row: the other member, the last message and how many are unread."""

    uuid: str
    display_name: str
    handle: str
    message: str
    created_at: str
    unread_count: int = Field(
        description=f"exact below {UNREAD_CAP}; {UNREAD_CAP} means that many or more (show"
        f" {UNREAD_CAP - 1}+)"
    )
    deleted: bool = Field(default=False, description="the last message was deleted")
    expired: bool = Field(
        default=False, description="the last message is older than the retention period"
    )
    other_read_until: str | None = Field(
        default=None,
        description="the other member has read every message created up to this time",
    )
    other_read_at: str | None = Field(default=None, description="when they read them")
    muted: bool = Field(default=False, description="unread still counts; nothing notifies")
    archived: bool = Field(
        default=False, description="out of the inbox until a new message arrives (unless muted)"
    )
    pinned: bool = Field(default=False, description="first in the inbox")

    @classmethod
    def of(cls, entry: InboxEntry) -> ConversationPublic:
        return cls.model_construct(
            uuid=entry.group_uuid,
            display_name=entry.other.display_name,
            handle=entry.other.handle,
            message=entry.last_message,
            created_at=entry.last_message_at,
            unread_count=entry.unread_count,
            deleted=entry.last_message_deleted,
            expired=entry.last_message_expired,
            other_read_until=entry.other_read_until,
            other_read_at=entry.other_read_at,
            muted=entry.muted,
            archived=entry.archived,
            pinned=entry.pinned,
        )


class BlockPublic(BaseModel):
    user: UserPublic
    blocked_at: str

    @classmethod
    def of(cls, block: Block) -> BlockPublic:
        who = block.blocked
        return cls(
            user=UserPublic(uuid=who.uuid, handle=who.handle, display_name=who.display_name),
            blocked_at=block.blocked_at,
        )


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    errors: list[ErrorDetail]
    # The request's id (X-Request-Id), as on the server's log lines of it: quote it in a report.
    request_id: str | None = None


class HealthPublic(BaseModel):
    status: str
