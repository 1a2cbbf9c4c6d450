"""Test helpers: drive the stream processor over what the table's stream holds."""

from __future__ import annotations

from pathlib import Path

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
