"""The benchmark's step (3b), group conversations, runs alone and prints its figures (a tiny
configuration: this checks it works, it times nothing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bench import groups

ROOT = Path(__file__).resolve().parents[2]


def test_the_group_step_runs_alone_and_prints_its_figures(tmp_path: Path):
    out = tmp_path / "groups.json"
    page = tmp_path / "benchmarks.md"
    page.write_text(
        f"# Benchmarks\n\n{groups.SECTION_BEGIN}\nstale figures\n{groups.SECTION_END}\n\nrest\n"
    )
    # DynamoDB Local's JIT, C1 only, as the tiny benchmark's test runs it: a seconds-long run.
    java = f"{os.environ.get('JAVA_TOOL_OPTIONS', '')} -XX:TieredStopAtLevel=1".strip()
    command = [sys.executable, "-m", "bench.groups", "--tiny", "--out", str(out)]
    result = subprocess.run(
        [*command, "--docs", str(page)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,  # `bench` is a top-level package of the repository, beside src/
        env={**os.environ, "JAVA_TOOL_OPTIONS": java},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    printed = result.stdout
    assert "Group conversations (3b): capacity per message" in printed
    for line in ("group of 3", "group of 10", "Send p50 over HTTP", "Stream lag at 10 msg/s"):
        assert line in printed
    assert "Page of 20 from 10 authors" in printed
    assert "A month by `cruddur cost`" in printed
    results = json.loads(out.read_text())
    seen = results["groups"]
    assert seen["sizes"] == [3, 10]
    # Counted, not timed: exact on any machine.
    capacity = seen["capacity"]
    assert capacity["direct"]["single"]["row_updates_per_message"] == 2
    for entry in capacity["sizes"]:
        size, single, burst = entry["size"], entry["single"], entry["burst"]
        assert single["row_updates_per_message"] == size  # one update of each member's row
        assert single["membership_reads_per_message"] == 1  # one batch a message
        assert single["wcu_per_message"] > capacity["direct"]["single"]["wcu_per_message"]
        # A burst is one batch: each row once, the membership item once, for all its messages.
        assert burst["bursts"] == 1
        assert burst["row_updates_per_message"] == pytest.approx(size / 3, abs=0.001)
        assert burst["wcu_per_message"] < single["wcu_per_message"]
        # Once every row is at the unread cap, each one that is not the sender's is read first.
        assert entry["at_cap"]["rcu_per_message"] >= single["rcu_per_message"] + size - 1
        assert entry["start"]["wcu_per_start"] > 0
        assert entry["change"]["row_updates_per_change"] == size  # its event, fanned out
    wcu = [entry["single"]["wcu_per_message"] for entry in capacity["sizes"]]
    assert wcu == sorted(wcu)  # more members, more rows written
    # Every message of the lag blocks was applied, and its lag taken by the poller process.
    lag = seen["lag"]
    assert lag["direct"]["n"] == lag["group"]["n"] == lag["messages_each"] == 6
    assert lag["membership_reads_per_group_batch"] >= 1
    assert lag["row_updates_per_group_message"] > 0
    page_figures = seen["page"]
    assert page_figures["messages"] == 20
    assert page_figures["authors"] == 10
    keys = page_figures["key_reads"]
    assert keys["group"]["authors"] == 10
    assert keys["group"]["cold"]["keys"] >= 10  # every author's key, read at some point
    assert keys["group"]["warm"] == {"batches": 0, "keys": 0, "data_key_reads": 0}
    assert keys["direct"]["warm"]["batches"] == 0
    for name in ("direct", "group_3", "group_10"):
        assert seen["send"][name]["n"] == 10
    assert set(seen["send"]["over_direct_p50"]) == {"3", "10"}
    # Its targets: judged in the run, printed, and in the docs page's section of the step.
    names = {target["target"] for target in results["targets"]}
    assert all(groups.is_target(name) for name in names)
    assert len(names) == 5
    assert "Targets" in printed
    written = page.read_text()
    assert "stale figures" not in written
    assert written.endswith(f"{groups.SECTION_END}\n\nrest\n")
    for target in results["targets"]:
        assert f"| {target['target']} | **{target['value']:.3g}** |" in written
    assert "| WCU per message, single / in bursts of 20" in written
    # `cruddur cost` prices a group mix from these results (step 3's units for the direct ones).
    priced = subprocess.run(
        [
            sys.executable,
            "-m",
            "cruddur",
            "cost",
            "--bench-results",
            str(out),
            "--messages-per-day",
            "100000",
            "--active-users",
            "5000",
            "--messages-per-conversation",
            "20",
            "--group-mix",
            "3:0.2,10:0.1,50:0.02",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert priced.returncode == 0, priced.stderr
    assert "a group of 50 (between the sizes measured)" in priced.stdout
