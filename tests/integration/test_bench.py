"""The benchmark runs end to end (a tiny configuration: this checks it works, it times nothing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import groups, latest, report

ROOT = Path(__file__).resolve().parents[2]


def test_the_tiny_benchmark_runs_and_writes_its_results(tmp_path: Path):
    # Its own process, as it is run: the benchmark drives an event loop of its own, which must not
    # meet whatever loop an earlier test left in this one (Playwright's sync API keeps one).
    command = [sys.executable, "-m", "bench", "--tiny", "--out", str(tmp_path)]
    # DynamoDB Local's JIT, C1 only: a tiny run is over before C2's compiling of the emulator
    # pays back (it was over a third of the run's CPU). This run times nothing; what it checks is
    # the same on either compiler.
    java = f"{os.environ.get('JAVA_TOOL_OPTIONS', '')} -XX:TieredStopAtLevel=1".strip()
    result = subprocess.run(
        [*command, "--clients", "3", "--clients", "1"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,  # `bench` is a top-level package of the repository, beside src/
        env={**os.environ, "JAVA_TOOL_OPTIONS": java},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    assert (tmp_path / "results.png").stat().st_size > 10_000
    for pattern in ("A", "B", "C"):
        assert set(results["overhead"][pattern]) >= {"raw", "service", "http", "http_over_raw_p50"}
    for pattern in ("A", "B"):  # the same request on the API's own client
        assert set(results["overhead"][pattern]) >= {"raw_api", "http_over_raw_api_p50"}
    sweep = results["throughput_sweep"]
    assert [point["clients"] for point in sweep] == [1, 3]  # as asked, fewest first
    assert all(point["stream_lag"]["n"] == point["messages"] > 0 for point in sweep)
    assert results["throughput"] in sweep  # the knee is one of the measured points
    warm_up = results["throughput_warm_up"]
    assert len(warm_up) == 2  # the tiny plan's most; a settled round needs one before it
    assert all(r["emulator_cpu_seconds"] > 0 for r in warm_up)
    paced = results["throughput_paced"]
    assert paced["stream_lag"]["n"] == paced["messages"] > 0
    best = max(point["messages_per_second"] for point in sweep)
    assert paced["paced_rate"] == best / 2
    # A page the small side can fill: ten conversations give a page of nine plus the look-ahead.
    assert results["scaling"]["B"]["page"] == 9
    assert results["scaling"]["A"]["page"] == 20
    capacity = results["capacity"]
    # Exact on any machine: capacity is counted, not timed.
    assert capacity["ours_single"]["wcu_per_message"] <= 7
    # Sends read nothing but the block check: one BatchGetItem per pair of members, then cached
    # for seconds (a slow machine may see one more inside the measured run, never one a send).
    assert capacity["ours_single"]["rcu_per_message"] < 1
    assert capacity["course"]["wcu_per_message"] > capacity["ours_single"]["wcu_per_message"]
    assert capacity["ours_burst"]["wcu_per_message"] < capacity["ours_single"]["wcu_per_message"]
    # What `cruddur cost` prices besides sends: a start writes its pair and rows, a visit reads.
    assert capacity["ours_start"]["wcu_per_start"] > 0
    assert capacity["ours_visit"]["rcu_per_visit"] > 0
    assert capacity["ours_single"]["calls_per_message"] >= 3  # the put and both inbox rows
    # An edit or a deletion of the last message: the message and both inbox rows (the stream).
    for what in ("edit", "delete"):
        assert capacity[f"ours_{what}"][f"wcu_per_{what}"] >= 3
        assert capacity[f"ours_{what}"][f"calls_per_{what}"] >= 3
    # A block or an unblock: one transaction of the block item, the blocker's row and its index
    # copy, each doubled by the transaction (2 × 3).
    for what in ("block", "unblock"):
        assert capacity[f"ours_{what}"][f"wcu_per_{what}"] == 6, capacity
    # (5) `cruddur up` itself, cold then warm, keyed sends beside unkeyed ones, both counted.
    up = results["default_config"]
    for state in ("cold", "warm"):
        for kind in ("unkeyed", "keyed"):
            assert up[state][kind]["n"] >= 10
            assert up[state][kind]["cpu_ms_per_send"] > 0
    assert up["closed_loop"]["keyed"] > 0
    assert up["closed_loop"]["unkeyed"] > 0
    sweep_rss = results["throughput"]
    assert 0 < sweep_rss["api_peak_rss_mib"] <= sweep_rss["api_rss_hwm_mib"]
    assert sweep_rss["poller_peak_rss_mib"] > 0
    # (1c) the same sends to an API that logs and keeps figures, and to one that does neither.
    seen = results["observability"]
    assert seen["sends_each"] >= 40  # at least a send a turn, in each of the two rounds
    assert seen["cpu_ms_per_send"]["observed"] > 0
    assert seen["cpu_ms_per_send"]["bare"] > 0
    assert seen["log_lines"] >= 40  # one a request: the observed process really logged
    # (4b) repair over a sound table changes nothing; after damage it mends exactly what broke.
    mend = results["repair"]
    assert mend["sound"]["checked"] == mend["conversations"] == 30
    assert mend["sound"]["rows_created"] + mend["sound"]["rows_rewritten"] == 0
    changed = mend["damaged"]["rows_created"] + mend["damaged"]["rows_rewritten"]
    assert changed == mend["rows_damaged"] == 12
    assert mend["again"]["rows_created"] + mend["again"]["rows_rewritten"] == 0
    assert mend["damaged"]["wcu"] > 0
    assert mend["sound"]["wcu"] == 0
    workload = ["--messages-per-day", "100000", "--active-users", "5000"]
    workload += ["--messages-per-conversation", "20"]
    priced = subprocess.run(
        [
            sys.executable,
            "-m",
            "cruddur",
            "cost",
            "--bench-results",
            str(tmp_path / "results.json"),
            *workload,
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert priced.returncode == 0, priced.stderr
    estimate = json.loads(priced.stdout)
    assert estimate["total_on_demand"] > estimate["on_demand"]["usd"] > 0
    assert {target["target"] for target in results["targets"]} >= {
        name for name, *_ in report.TARGETS
    }
    assert "Targets" in result.stdout
    # docs/benchmarks.md's tables come from these results: a row for each target, with its value
    # (step 3b's in the groups' own section).
    page = latest.render(results, "abc1234")
    section = groups.render(results, "abc1234", "`make bench`")
    for target in results["targets"]:
        shown = section if groups.is_target(target["target"]) else page
        assert f"| {target['target']} | **{target['value']:.3g}** |" in shown
    # (3b) groups beside a direct conversation: capacity counted per size, the rest printed.
    seen = results["groups"]
    assert [entry["size"] for entry in seen["capacity"]["sizes"]] == [3, 10]
    check_group_figures(seen)
    assert seen["lag"]["group"]["n"] == seen["lag"]["messages_each"] > 0
    priced = subprocess.run(
        [sys.executable, "-m", "cruddur", "cost", "--bench-results", str(tmp_path / "results.json"),
         *workload, "--group-mix", "3:0.2,10:0.1,50:0.02"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert priced.returncode == 0, priced.stderr
    assert "a group of 50 (between the sizes measured)" in priced.stdout
    assert sum(groups.is_target(target["target"]) for target in results["targets"]) == 5
    assert "Group conversations (3b)" in result.stdout
    assert "| WCU per message, single / in bursts of 20" in section
    assert "`repair-inboxes --all` over 30 conversations, once more" in page
    assert "logging and metrics: API CPU per send with / without" in page
    # (7) start-up to /readyz, a first start then a restart; the tiny plan installs no Synapse,
    # so its target is shown not measured, neither met nor missed.
    ready = results["startup"]
    for kind in ("first_start", "restart"):
        assert 0 < ready["up"]["median_seconds"][kind] < 120
    assert ready["synapse"] is None
    assert "| `cruddur up` ready / Synapse ready (first start) | not measured | 1.8 | |" in page
    assert "[n/a ] `cruddur up` ready / Synapse ready (first start): not measured" in result.stdout
    # A reaction is one write to the message item; the stream passes over it (no row moves).
    for what in ("react", "unreact"):
        assert 0 < capacity[f"ours_{what}"][f"wcu_per_{what}"] <= 1, capacity
    assert "a reaction put / taken away" in page


def check_group_figures(seen: dict[str, Any]) -> None:
    """Step 3b's counted figures (not timed: exact on any machine)."""
    capacity = seen["capacity"]
    assert capacity["direct"]["single"]["row_updates_per_message"] == 2
    for entry in capacity["sizes"]:
        size, single, burst = entry["size"], entry["single"], entry["burst"]
        assert single["row_updates_per_message"] == size  # one update of each member's row
        assert single["membership_reads_per_message"] == 1  # one batch a message
        assert single["wcu_per_message"] > capacity["direct"]["single"]["wcu_per_message"]
        # A burst is one batch: each row once, the membership item once, for all its messages.
        assert burst["bursts"] == 1
        assert burst["wcu_per_message"] < single["wcu_per_message"]
        # Once every row is at the unread cap, each one's update but the sender's is refused,
        # and goes on from the row the refusal returned: none is read.
        assert entry["at_cap"]["rcu_per_message"] < single["rcu_per_message"] + 1
        assert entry["start"]["wcu_per_start"] > 0
        assert entry["change"]["row_updates_per_change"] == size  # its event, fanned out
    wcu = [entry["single"]["wcu_per_message"] for entry in capacity["sizes"]]
    assert wcu == sorted(wcu)  # more members, more rows written
    assert seen["lag"]["membership_reads_per_group_batch"] >= 1
    page = seen["page"]
    assert page["messages"] == 20
    assert page["authors"] == 10
    keys = page["key_reads"]
    assert keys["group"]["cold"]["batches"] == 1  # every author's key in one batch
    assert keys["group"]["cold"]["keys"] >= 10
    assert keys["group"]["warm"] == {"batches": 0, "keys": 0, "data_key_reads": 0}
    assert keys["direct"]["warm"]["batches"] == 0
