"""`cruddur up` serves Prometheus metrics on a loopback port of their own and prints where:
requests by route template, sends, stream lag, password-hash waits — never a path, id or name."""

from __future__ import annotations

import re
import time

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.test_up import _sign_in, _start, _stop

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in found.items() if n == name and set(labels.items()) <= set(ls))


def test_up_serves_metrics_beside_the_api(tmp_path):
    process, url, lines = _start(tmp_path / "data")
    try:
        assert process.stdout is not None
        while not any("Metrics at" in line for line in lines):
            lines.append(process.stdout.readline())
        metrics_url = re.search(r"Metrics at (http://127\.0\.0\.1:\d+/metrics)", lines[-1])
        assert metrics_url is not None, lines
        headers = _sign_in(url)
        group = httpx.get(f"{url}/api/message_groups", headers=headers).json()[0]["uuid"]
        body = {"message_group_uuid": group, "message": "a line of metrics"}
        assert httpx.post(f"{url}/api/messages", json=body, headers=headers).status_code == 200
        bad = httpx.post(f"{url}/api/messages", json={"message": ""}, headers=headers)
        assert bad.status_code == 422
        assert httpx.get(f"{url}/api/message_groups/{group}", headers=headers).status_code == 200

        for _ in range(100):  # the poller applies the send within a few polls
            text = httpx.get(metrics_url.group(1)).text
            found = samples(text)
            if value(found, "cruddur_stream_lag_seconds_count") >= 1:
                break
            time.sleep(0.1)
    finally:
        _stop(process)

    send = {"method": "POST", "route": "/api/messages"}
    assert value(found, "cruddur_http_requests_total", **send, status="200") == 1
    assert value(found, "cruddur_http_requests_total", **send, status="422") == 1
    route = "/api/message_groups/{message_group_uuid}"
    assert value(found, "cruddur_http_requests_total", route=route, status="200") == 1
    assert value(found, "cruddur_http_request_duration_seconds_count", **send) == 2
    assert value(found, "cruddur_messages_sent_total") >= 1
    assert value(found, "cruddur_stream_lag_seconds_count") >= 1
    assert value(found, "cruddur_stream_records_total", outcome="applied") >= 1
    assert value(found, "cruddur_password_hash_wait_seconds_count") >= 1  # the sign-in
    assert value(found, "process_cpu_seconds_total") > 0
    # Labels are templates and names of limits: no path, uuid, handle or text in any of them.
    labels = " ".join(f"{k}={v}" for (_, ls), _ in found.items() for k, v in ls)
    assert not UUID.search(labels)
    assert "ada" not in labels.lower()
    assert "a line of metrics" not in text
