"""Request and response bodies of the HTTP API, kept apart from the domain types: one module per
subject (accounts, conversations, messages, attachments) over what they share (common).

Routes import a body from its subject's module. This namespace names them all at once, so that
tests/unit/test_request_bodies.py finds every request body here and holds each to RequestBody's
rules: a body added to a module is added here too.
"""

from cruddur.api.schemas.accounts import (
    AccountErase,
    BlockPublic,
    LoginCreate,
    SignupCreate,
    TokenPublic,
    UserPublic,
)
from cruddur.api.schemas.attachments import (
    AttachmentCreate,
    AttachmentPublic,
    Links,
    UploadFormPublic,
    UploadPublic,
)
from cruddur.api.schemas.common import (
    HANDLE_PATTERN,
    ErrorBody,
    ErrorDetail,
    HealthPublic,
    RequestBody,
    UuidText,
)
from cruddur.api.schemas.conversations import ConversationChange, ConversationPublic
from cruddur.api.schemas.messages import (
    MessageCreate,
    MessageCreatedPublic,
    MessageEdit,
    MessagePublic,
    ReactionPublic,
    ReplyPublic,
)

__all__ = [
    "HANDLE_PATTERN",
    "AccountErase",
    "AttachmentCreate",
    "AttachmentPublic",
    "BlockPublic",
    "ConversationChange",
    "ConversationPublic",
    "ErrorBody",
    "ErrorDetail",
    "HealthPublic",
    "Links",
    "LoginCreate",
    "MessageCreate",
    "MessageCreatedPublic",
    "MessageEdit",
    "MessagePublic",
    "ReactionPublic",
    "ReplyPublic",
    "RequestBody",
    "SignupCreate",
    "TokenPublic",
    "UploadFormPublic",
    "UploadPublic",
    "UserPublic",
    "UuidText",
]
