"""A live stream outlives a Redis restart: it is told to refetch (`resync`) once subscribed
again, then hears every later event. (It once kept sending keep-alives and heard nothing.)"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx

from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.config import Settings
from tests.e2e.conftest import running
from tests.redis_server import redis_server

CEILING = 60.0


def _wait(condition, what, shown: list[str]) -> None:
    deadline = time.monotonic() + CEILING
    while not condition():
        assert time.monotonic() < deadline, f"not in {CEILING:.0f} s: {what}; stream: {shown}"
        time.sleep(0.05)


def test_a_live_stream_resyncs_after_redis_restarts_and_hears_what_follows(
    settings: Settings, store: ConversationTable, tmp_path: Path
):
    with (
        redis_server(tmp_path / "redis") as cache,
        running(settings, store, redis_url=cache.url) as api,
    ):
        ada, bo = api.signup(), api.signup()
        group = api.send(ada, handle=bo.handle, message="before")["message_group_uuid"]
        events: list[dict[str, object]] = []
        lines: list[str] = []
        done = threading.Event()

        def listen() -> None:
            with (
                httpx.Client(
                    base_url=api.url, cookies={"cruddur_session": bo.token}, timeout=120
                ) as client,
                client.stream("GET", "/web/events") as stream,
            ):
                for line in stream.iter_lines():
                    lines.append(line)
                    if line.startswith("data: "):
                        events.append(json.loads(line[6:]))
                    if done.is_set():
                        return

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()

        def heard(text_count: int) -> bool:
            return sum(1 for e in events if e.get("type") == "inbox") >= text_count

        # Connected and subscribed: a message reaches the stream.
        _wait(lambda: bool(lines) or not listener.is_alive(), "the stream's first line", lines)
        api.send(ada, message_group_uuid=group, message="one")
        _wait(lambda: heard(1), "the first event", lines)
        for round_ in range(2):
            cache.restart()
            _wait(
                lambda r=round_: sum(e.get("type") == "resync" for e in events) > r,
                "a resync",
                lines,
            )
            before = sum(1 for e in events if e.get("type") == "inbox")
            api.send(ada, message_group_uuid=group, message=f"after restart {round_}")
            _wait(lambda b=before: heard(b + 1), "an event after the restart", lines)
            assert listener.is_alive()
        done.set()
        api.send(ada, message_group_uuid=group, message="last")  # lets the listener return
        listener.join(timeout=30)
