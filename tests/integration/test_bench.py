"""The benchmark runs end to end (a tiny configuration: this checks it works, it times nothing)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cruddur.bench import report
from cruddur.cli import main


def test_the_tiny_benchmark_runs_and_writes_its_results(tmp_path: Path):
    result = CliRunner().invoke(main, ["bench", "--tiny", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "results.json").read_text())
    assert (tmp_path / "results.png").stat().st_size > 10_000
    for pattern in ("A", "B", "C"):
        assert set(results["overhead"][pattern]) >= {"raw", "service", "http", "http_over_raw_p50"}
    assert results["throughput"]["stream_lag"]["n"] == results["throughput"]["messages"]
    paced = results["throughput_paced"]
    assert paced["stream_lag"]["n"] == paced["messages"] > 0
    assert 0 < paced["paced_rate"] < results["throughput"]["messages_per_second"]
    # A page the small side can fill: ten conversations give a page of nine plus the look-ahead.
    assert results["scaling"]["B"]["page"] == 9
    assert results["scaling"]["A"]["page"] == 20
    capacity = results["capacity"]
    # Exact on any machine: capacity is counted, not timed.
    assert capacity["ours_single"]["wcu_per_message"] <= 7
    assert capacity["ours_single"]["rcu_per_message"] == 0
    assert capacity["course"]["wcu_per_message"] > capacity["ours_single"]["wcu_per_message"]
    assert capacity["ours_burst"]["wcu_per_message"] < capacity["ours_single"]["wcu_per_message"]
    assert {target["target"] for target in results["targets"]} >= {
        name for name, *_ in report.TARGETS
    }
    assert "Targets" in result.output
