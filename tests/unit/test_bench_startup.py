"""The start-up step's pure parts: Synapse's config moved and bound to loopback, the summary and
its rows; and the readiness poll on tiny stand-in servers (nothing here is timed)."""

from __future__ import annotations

import json
import os
import socket
import sys
from typing import Any

import pytest
from bench import latest, report, startup


def test_synapse_listens_on_loopback_only_on_the_port_given_with_sqlite_in_its_dir(tmp_path):
    overrides = startup.synapse_overrides(tmp_path, 45123)
    [listener] = overrides["listeners"]
    assert listener["port"] == 45123
    assert listener["bind_addresses"] == ["127.0.0.1"]
    assert listener["type"] == "http"
    assert not listener["tls"]
    assert overrides["database"] == {
        "name": "sqlite3",
        "args": {"database": str(tmp_path / "homeserver.db")},
    }
    assert json.loads(json.dumps(overrides)) == overrides  # written as JSON, which YAML reads


def test_a_fresh_synapse_dir_points_at_itself_and_has_no_database(tmp_path):
    template = tmp_path / "config"
    template.mkdir()
    (template / "homeserver.yaml").write_text(
        f"pid_file: {template}/homeserver.pid\n"
        f"database:\n  args:\n    database: {template}/homeserver.db\n"
        f'log_config: "{template}/bench.localhost.log.config"\n'
    )
    (template / "bench.localhost.log.config").write_text(f"filename: {template}/homeserver.log\n")
    (template / "bench.localhost.signing.key").write_text("ed25519 a_key secret\n")
    (template / "homeserver.db").write_text("left by a start")
    target = tmp_path / "synapse-0"
    startup.fresh_synapse_dir(template, target)
    assert sorted(p.name for p in target.iterdir()) == [
        "bench.localhost.log.config",
        "bench.localhost.signing.key",
        "homeserver.yaml",
    ]
    config = (target / "homeserver.yaml").read_text()
    assert str(template) + "/" not in config
    assert f"database: {target}/homeserver.db" in config
    assert (
        f"filename: {target}/homeserver.log" in (target / "bench.localhost.log.config").read_text()
    )


def test_the_summary_gives_medians_and_ratios_of_the_medians():
    up = {"first_start": [4.0, 6.5, 5.0], "restart": [3.0, 2.0, 2.5]}
    theirs = {"first_start": [2.0, 3.0, 2.5], "restart": [1.0, 1.5, 1.25]}
    result = startup.summarize(up, theirs)
    assert result["runs"] == 3
    assert result["up"]["median_seconds"] == {"first_start": 5.0, "restart": 2.5}
    assert result["synapse"]["median_seconds"] == {"first_start": 2.5, "restart": 1.25}
    assert result["synapse"]["version"] == startup.SYNAPSE_VERSION
    assert result["up_over_synapse"] == {"first_start": 2.0, "restart": 2.0}
    assert result["up"]["seconds"]["first_start"] == [4.0, 6.5, 5.0]  # every run, in order


def results_with(seen: dict[str, Any]) -> dict[str, Any]:
    capacity = {
        "ours_single": {"wcu_per_message": 5.0, "rcu_per_message": 0.0},
        "ours_burst": {"wcu_per_message": 3.0},
        "course": {"wcu_per_message": 9.0},
    }
    results: dict[str, Any] = {"startup": seen, "capacity": capacity}
    results["targets"] = report.check_targets(results)
    return results


def test_the_target_is_judged_against_synapse_in_the_same_run():
    up = {"first_start": [3.0], "restart": [2.0]}
    results = results_with(startup.summarize(up, {"first_start": [2.0], "restart": [1.0]}))
    [target] = [t for t in results["targets"] if t["target"] == report.STARTUP_TARGET[0]]
    assert target == {"target": report.STARTUP_TARGET[0], "value": 1.5, "limit": 1.8, "met": True}
    assert report.unmeasured(results) == []
    page = "\n".join(latest.targets(results) + latest._startup(results["startup"]))
    assert "| `cruddur up` ready / Synapse ready (first start) | **1.5** | 1.8 | met |" in page
    assert "3.00 / 2.00 s; 2.00 / 1.00 s (× 1.50 / × 2.00)" in page


def test_without_synapse_the_target_is_not_measured_rather_than_missed():
    seen = startup.summarize({"first_start": [3.0], "restart": [2.0]}, None, "offline: no PyPI")
    assert seen["synapse"] is None
    assert seen["reason"] == "offline: no PyPI"
    assert seen["up_over_synapse"] == {"first_start": None, "restart": None}
    results = results_with(seen)
    assert report.STARTUP_TARGET[0] not in {t["target"] for t in results["targets"]}
    page = "\n".join(latest.targets(results) + latest._startup(results["startup"]))
    assert "| `cruddur up` ready / Synapse ready (first start) | not measured | 1.8 | |" in page
    assert "3.00 / 2.00 s; Synapse not measured" in page
    table = "\n".join(report._targets(results) + report._startup(results["startup"]))
    assert "[n/a ] `cruddur up` ready / Synapse ready (first start): not measured" in table
    assert "(limit 1.8); Synapse not measured: offline: no PyPI" in table


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_ready_is_the_first_200_on_loopback(tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]
    launch = startup.Launch(command, dict(os.environ), "/", port, tmp_path / "server")
    seconds = startup.ready_seconds(launch, timeout=30)
    assert 0 < seconds < 30


def test_the_port_can_come_from_the_api_line_of_its_output(tmp_path):
    port = free_port()
    serve = (
        f"import http.server as s; print('Cruddur Messages API at http://127.0.0.1:{port}  "
        f"(OpenAPI: http://127.0.0.1:{port}/docs)', flush=True); "
        f"s.HTTPServer(('127.0.0.1', {port}), s.SimpleHTTPRequestHandler).serve_forever()"
    )
    launch = startup.Launch(
        [sys.executable, "-c", serve], dict(os.environ), "/", None, tmp_path / "api"
    )
    assert 0 < startup.ready_seconds(launch, timeout=30) < 30


def test_a_server_that_dies_is_named_with_its_last_lines(tmp_path):
    command = [sys.executable, "-c", "import sys; sys.exit('cannot bind: address in use')"]
    launch = startup.Launch(command, dict(os.environ), "/readyz", None, tmp_path / "dies")
    with pytest.raises(startup.NotReady, match="exited with status 1") as raised:
        startup.ready_seconds(launch, timeout=30)
    assert "cannot bind: address in use" in str(raised.value)
    assert sys.executable in str(raised.value)


def test_a_server_that_never_answers_is_given_up_on_in_time(tmp_path):
    command = [sys.executable, "-c", "import time; time.sleep(60)"]
    launch = startup.Launch(command, dict(os.environ), "/health", free_port(), tmp_path / "mute")
    with pytest.raises(startup.NotReady, match="answered no 200 on /health within 1 s"):
        startup.ready_seconds(launch, timeout=1)
