"""The local poller's durable state: per-shard checkpoints and the dead-letter store.

Both are files in the data directory. A checkpoint is written (atomically: temp file, fsync,
rename) only after every record up to it has been applied, so a crash at any instant resumes at
or before the first record not yet applied — never after it. Replays are harmless (pattern D).

A checkpoint past records that changed nothing (an idempotency claim, a data key, a block: not
messages) is kept in memory and written with the next one that did, or after
IDLE_WRITE_SECONDS: re-reading such records after a crash changes nothing, and with keyed sends
every other record is one, each costing a file write and an fsync.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ShardState:
    sequence_number: str | None = None
    done: bool = False


IDLE_WRITE_SECONDS = 5.0


class Checkpoints:
    def __init__(self, path: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._state: dict[str, dict[str, dict[str, Any]]] = (
            json.loads(path.read_text()) if path.exists() else {}
        )
        self._clock = clock
        self._written_at = clock()

    def get(self, stream_arn: str, shard_id: str) -> ShardState:
        entry = self._state.get(stream_arn, {}).get(shard_id)
        if entry is None:
            return ShardState()
        return ShardState(entry.get("sequence_number"), bool(entry.get("done", False)))

    def set(
        self,
        stream_arn: str,
        shard_id: str,
        sequence_number: str | None,
        done: bool = False,
        *,
        changed: bool = True,
    ) -> None:
        """`changed=False`: the records up to here changed nothing; the file may wait."""
        with self._lock:
            shards = self._state.setdefault(stream_arn, {})
            shards[shard_id] = {"sequence_number": sequence_number, "done": done}
            if changed or done or self._clock() - self._written_at >= IDLE_WRITE_SECONDS:
                self._write()

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(".tmp")
        with open(temp, "w") as handle:
            json.dump(self._state, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.path)
        self._written_at = self._clock()


class DeadLetters:
    """Records that kept failing, one JSON object per line, for an operator to inspect or replay."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def put(self, stream_arn: str, shard_id: str, record: Mapping[str, Any], reason: str) -> None:
        entry = {
            "stream_arn": stream_arn,
            "shard_id": shard_id,
            "sequence_number": record["dynamodb"]["SequenceNumber"],
            "reason": reason,
            "dead_lettered_at": time.time(),
            "record": record,
        }
        with self._locked(), open(self.path, "a") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with open(self.path) as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def remove(self, sequence_numbers: Collection[str]) -> None:
        """Drop the entries of these records (redriven), keeping any added meanwhile."""
        if not sequence_numbers or not self.path.exists():
            return
        with self._locked():
            kept = [e for e in self.entries() if str(e["sequence_number"]) not in sequence_numbers]
            temp = self.path.with_suffix(".tmp")
            with open(temp, "w") as handle:
                handle.writelines(json.dumps(entry, default=str) + "\n" for entry in kept)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time across processes: the poller appending, a redrive rewriting."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
