"""Builds a StreamPoller for a table from Settings and runs it on a thread or in the foreground."""

from __future__ import annotations

import threading
from pathlib import Path

from cruddur import storage
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.adapters.dynamodb.stores.inbox_rows import InboxUpdates
from cruddur.config import Settings
from cruddur.live_events.hub import EventHub
from cruddur.stream.checkpoints import Checkpoints, DeadLetters
from cruddur.stream.poller import StreamPoller
from cruddur.stream.processor import InboxWriter
from cruddur.stream.publishing import PublishingInbox


def checkpoint_path(data_dir: Path) -> Path:
    return data_dir / "stream" / "checkpoints.json"


def dead_letter_path(data_dir: Path) -> Path:
    return data_dir / "stream" / "dead-letters.jsonl"


def build_poller(
    settings: Settings, store: InboxUpdates | None = None, hub: EventHub | None = None
) -> StreamPoller:
    """The poller; with a hub, each applied inbox change is also announced to live browsers.
    It copies sealed previews and never opens one: it is built without any key."""
    store = store or storage.build_inbox_updates(settings)
    arn = dynamo_schema.stream_arn(AwsClients(settings).wire, settings.table_name)
    inbox: InboxWriter = store if hub is None else PublishingInbox(store, hub)
    return StreamPoller(
        AwsClients(settings).streams_wire,
        arn,
        inbox,
        Checkpoints(checkpoint_path(settings.data_dir)),
        DeadLetters(dead_letter_path(settings.data_dir)),
        max_attempts=settings.stream_max_attempts,
        poll_interval=settings.stream_poll_interval,
    )


def start_in_thread(poller: StreamPoller) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=poller.run, args=(stop,), name="stream-poller", daemon=True)
    thread.start()
    return thread, stop
