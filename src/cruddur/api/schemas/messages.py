"""Messages: one to send or an edit of one, and one as a conversation's page shows it (its
reactions, the message it answers, its files)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cruddur.api.schemas.attachments import AttachmentPublic, Links
from cruddur.api.schemas.common import HANDLE_PATTERN, RequestBody, UuidText
from cruddur.domain.attachments import MOST_PER_MESSAGE
from cruddur.domain.model import Message, Reply
from cruddur.domain.reactions import counts


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


class MessageEdit(RequestBody):
    message: str = Field(
        min_length=1,
        max_length=100_000,
        description="the new text: 1 to 1024 characters after trimming",
    )


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


class EventPublic(BaseModel):
    """What an event item of a conversation records (its `message` says it in words)."""

    kind: Literal["created", "started", "added", "removed", "left", "erased", "role", "renamed"]
    actor: str = Field(description="the uuid of who did it")
    target: str | None = Field(default=None, description="the uuid of whom it concerns")
    title: str | None = Field(
        default=None, description="a rename's new title; a role change's new role"
    )


class MessagePublic(BaseModel):
    uuid: str
    display_name: str
    handle: str
    user_uuid: str = Field(default="", description="its author's uuid")
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
    event: EventPublic | None = Field(
        default=None,
        description="set on a group's event items (a join, a leave, a rename): styled apart,"
        " never unread",
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
            attachments=[AttachmentPublic.of(a, links) for a in message.attachments],
            user_uuid=message.sender.uuid,
            event=None if message.event is None else _event(message),
        )


def _event(message: Message) -> EventPublic:
    event = message.event
    assert event is not None
    return EventPublic.model_construct(
        kind=event.kind, actor=message.sender.uuid, target=event.target_uuid, title=event.title
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
