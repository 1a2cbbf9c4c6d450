"""Request bodies: one strict base for all of them, and the document's patterns agree with the
rules the services apply."""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from typing import Any, Union, get_args, get_origin

import emoji
import pytest
from fastapi.routing import APIRoute
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from cruddur.api import schemas
from cruddur.api.emoji_pattern import emoji_pattern
from cruddur.api.params import IDEMPOTENCY_KEY_PATTERN
from cruddur.api.routes import account, attachments, auth, health, message_groups, messages, users
from cruddur.api.schemas.common import HANDLE_PATTERN, RequestBody
from cruddur.api.schemas.conversations import ConversationChange
from cruddur.domain.model import InboxChoices
from cruddur.domain.profile import normalize_handle
from cruddur.domain.reactions import clean_reaction
from cruddur.errors import Invalid

ROUTERS = (account, attachments, auth, health, message_groups, messages, users)


def _bodies() -> Iterator[tuple[str, type[BaseModel]]]:
    for module in ROUTERS:
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            for param in route.dependant.body_params:
                yield route.path, param.field_info.annotation  # type: ignore[misc]


def test_every_route_body_is_a_strict_request_body():
    found = list(_bodies())
    assert len(found) == 7
    for path, model in found:
        assert issubclass(model, RequestBody), path
        assert model.model_config.get("strict") is True, path
        assert model.model_config.get("extra") == "forbid", path


# JSON's own types: strict mode takes each as parsed JSON gives it (a uuid.UUID or a datetime
# would take no string, so such a field is declared `str` with its format).
JSON_NATIVE = (str, int, bool, type(None))


def _native(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return all(_native(arg) for arg in get_args(annotation))
    if origin is list:
        return all(_native(arg) for arg in get_args(annotation))
    if hasattr(annotation, "__metadata__"):  # Annotated[...]
        return _native(get_args(annotation)[0])
    return annotation in JSON_NATIVE


MODELS = [model for model in vars(schemas).values() if isinstance(model, type)
          and issubclass(model, RequestBody) and model is not RequestBody]  # fmt: skip
WRONG: dict[Any, list[Any]] = {
    bool: [0, 1, 1.0, "true", "yes"],
    int: ["12", 12.0, True],
    str: [12, 1.5, True, []],
    list: ["x", 1, {}, [1], [None]],
}


def _kind(annotation: Any) -> Any:
    """The declared JSON type: str, int, bool or list (unwrapping Optional and Annotated)."""
    if get_origin(annotation) is list:
        return list
    if hasattr(annotation, "__metadata__"):
        return _kind(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        return next(_kind(arg) for arg in get_args(annotation) if arg is not type(None))
    return annotation


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_body_takes_only_json_native_fields_and_refuses_every_other_type(model):
    for name, field in model.model_fields.items():
        assert _native(field.annotation), (model, name)
        for wrong in WRONG[_kind(field.annotation)]:
            with pytest.raises(ValidationError) as refused:
                model.model_validate({name: wrong})
            assert any(error["loc"][0] == name for error in refused.value.errors()), (name, wrong)


def test_a_choice_left_out_is_unchanged_and_null_is_no_choice():
    assert ConversationChange.model_validate({"pinned": False}).choices() == InboxChoices(
        pinned=False
    )
    with pytest.raises(Invalid):  # no choice at all: the service's 400
        ConversationChange.model_validate({}).choices()
    with pytest.raises(ValidationError):
        ConversationChange.model_validate({"muted": None})


@given(st.from_regex(HANDLE_PATTERN, fullmatch=True))
def test_every_handle_the_document_allows_is_one_the_service_takes(handle):
    assert normalize_handle(handle) == handle.removeprefix("@").lower()


@given(st.from_regex(IDEMPOTENCY_KEY_PATTERN, fullmatch=True))
def test_every_idempotency_key_the_document_allows_is_printable_ascii(key):
    # posting._fingerprint's rule; HTTP keeps such a value as it is (no outer spaces).
    assert 1 <= len(key) <= 255
    assert key.isascii()
    assert key.isprintable()
    assert key == key.strip()


def test_the_emoji_pattern_is_exactly_the_emoji_the_server_takes():
    pattern = re.compile(emoji_pattern())
    for each in emoji.EMOJI_DATA:
        assert pattern.fullmatch(each), each
        clean_reaction(each)
    for near in ("", "a", "👍👍", "👍 ", "‍", "🇦", "#", "1", "👍a", "❤️‍"):
        assert not pattern.fullmatch(near), near
        with pytest.raises(Invalid):
            clean_reaction(near)


@given(st.text(alphabet=st.sampled_from("👍❤️‍🔥🏻🇦🇧#⃣\ufe0f\u200da"), max_size=4))
def test_text_the_emoji_pattern_refuses_the_server_refuses_too(text):
    if re.fullmatch(emoji_pattern(), text) is None:
        with pytest.raises(Invalid):
            clean_reaction(text)
    else:
        clean_reaction(text)
