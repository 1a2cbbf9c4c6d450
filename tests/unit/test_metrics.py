"""The figures' two read-outs: EMF lines CloudWatch can read, and counters as deltas."""

from __future__ import annotations

import io
import json

from cruddur.metrics import emf, figures
from cruddur.metrics.exposition import EmfReporter
from cruddur.stream.lambda_handler import batch_metrics
from cruddur.stream.processor import BatchResult


def test_an_emf_line_declares_each_metric_under_its_dimensions():
    document = json.loads(
        emf.line(
            {"Service": "api"},
            {"Requests": (3, "Count"), "Lag": ([5.0, 1.0], "Milliseconds")},
            timestamp_ms=7,
        )
    )

    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert document["_aws"]["Timestamp"] == 7
    assert directive["Namespace"] == "Cruddur/Messages"
    assert directive["Dimensions"] == [["Service"]]
    assert directive["Metrics"] == [
        {"Name": "Requests", "Unit": "Count"},
        {"Name": "Lag", "Unit": "Milliseconds"},
    ]
    assert document["Service"] == "api"
    assert document["Requests"] == 3
    assert document["Lag"] == [1.0, 5.0]


def test_many_values_are_sampled_to_the_formats_limit_keeping_the_extremes():
    values = [float(v) for v in range(1000, 0, -1)]

    sampled = emf.sample(values)

    assert len(sampled) == emf.MAX_VALUES
    assert sampled[0] == 1.0
    assert sampled[-1] == 1000.0
    assert sampled == sorted(sampled)


def test_the_reporter_writes_what_the_counters_gained_since_its_last_line():
    out = io.StringIO()
    reporter = EmfReporter("api", out)
    figures.MESSAGES_SENT.inc(2)
    figures.REQUESTS.labels("POST", "/api/messages", "503").inc()
    reporter.flush()
    reporter.flush()

    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["MessagesSent"] == 2
    assert first["ServerErrors"] == 1
    assert first["Requests"] >= 1
    assert second["MessagesSent"] == 0
    assert second["ServerErrors"] == 0


def test_the_lambda_reports_each_batch_as_one_emf_line():
    result = BatchResult(
        failed=["2", "3"], poisoned={"3"}, messages=4, records=6, lags_ms=[12.0, 30.0]
    )

    document = json.loads(batch_metrics(result))

    assert document["Service"] == "stream"
    assert document["StreamRecords"] == 6
    assert document["RecordsApplied"] == 2
    assert document["RecordsFailed"] == 2
    assert document["DeadLetters"] == 1
    assert document["StreamLag"] == [12.0, 30.0]
