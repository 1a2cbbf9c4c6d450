"""The poller's checkpoints: written at once past records that changed something; past records
that changed nothing (claims, data keys, blocks), kept in memory until one that did, or a while."""

from __future__ import annotations

import json
from pathlib import Path

from cruddur.stream.checkpoints import IDLE_WRITE_SECONDS, Checkpoints

ARN = "arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/x"


def _on_disk(path: Path) -> str | None:
    found: str | None = json.loads(path.read_text())[ARN]["shard-1"]["sequence_number"]
    return found


def test_a_checkpoint_past_changes_is_written_at_once_and_one_past_nothing_waits(tmp_path):
    now = [100.0]
    path = tmp_path / "checkpoints.json"
    checkpoints = Checkpoints(path, clock=lambda: now[0])
    checkpoints.set(ARN, "shard-1", "0001")
    assert _on_disk(path) == "0001"
    checkpoints.set(ARN, "shard-1", "0002", changed=False)  # a claim's record, say
    assert checkpoints.get(ARN, "shard-1").sequence_number == "0002"  # the poller reads on
    assert _on_disk(path) == "0001"  # a crash now re-reads 0002: it changes nothing
    checkpoints.set(ARN, "shard-1", "0003")
    assert _on_disk(path) == "0003"
    checkpoints.set(ARN, "shard-1", "0004", changed=False)
    now[0] += IDLE_WRITE_SECONDS
    checkpoints.set(ARN, "shard-1", "0005", changed=False)
    assert _on_disk(path) == "0005"  # a quiet shard's file still moves on, a while behind
    assert Checkpoints(path).get(ARN, "shard-1").sequence_number == "0005"


def test_a_closed_shard_is_written_whatever_its_last_records_were(tmp_path):
    path = tmp_path / "checkpoints.json"
    checkpoints = Checkpoints(path)
    checkpoints.set(ARN, "shard-1", "0009", done=True, changed=False)
    assert Checkpoints(path).get(ARN, "shard-1").done
