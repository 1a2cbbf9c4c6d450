"""Test helpers: drive the stream processor over what the table's stream holds."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from cruddur.adapters.dynamodb.stores.inbox_rows import InboxUpdates
from cruddur.config import Settings
from cruddur.stream.poller import StreamPoller
from cruddur.stream.runner import build_poller


def drain(
    settings: Settings, store: InboxUpdates | None, data_dir: Path | None = None
) -> StreamPoller:
    """Apply every record the stream has now, as the poller would; returns the poller.
    Without a store, the poller builds its own writer, as `cruddur stream run` does."""
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    poller = build_poller(settings, store)
    while poller.poll_once():
        pass
    return poller


def counted_calls(inbox: InboxUpdates) -> Counter[str]:
    """The writer's DynamoDB calls from here on, counted by action."""
    calls: Counter[str] = Counter()
    call = inbox.table.call

    def counted(
        action: str, payload: dict[str, Any], passthrough: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        calls[action] += 1
        return call(action, payload, passthrough)

    inbox.table.call = counted  # type: ignore[method-assign]
    return calls
