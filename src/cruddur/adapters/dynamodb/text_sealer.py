"""The port the item codecs seal and open text through (`adapters/crypto/sealing.py`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class TextSealer(Protocol):
    """Encrypts what people write before it is stored (adapters/crypto/sealing.py): bound to the
    conversation and the message's sort key."""

    def seal(
        self, text: str, group_uuid: str, sort_key: str, author: str | None = None
    ) -> bytes: ...
    def open(self, sealed: bytes, group_uuid: str, sort_key: str) -> str: ...

    # Keys this process has not unwrapped yet, so an event loop can load them on a thread.
    def unknown_keys(self, sealed: Iterable[bytes]) -> set[bytes]: ...
    def load_keys(self, key_ids: Iterable[bytes]) -> None: ...

    # Whether the keys new text is sealed under (the author's too) are at hand; if not, prepare
    # them (blocking reads).
    def sealing_ready(self, author: str | None = None) -> bool: ...
    def prepare_sealing(self, author: str | None = None) -> None: ...
