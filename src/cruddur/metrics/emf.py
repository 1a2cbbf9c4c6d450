"""CloudWatch embedded metric format: a JSON log line that CloudWatch Logs turns into metrics.

On AWS the figures leave as log lines, so no agent and no PutMetricData call (nor its IAM
permission, nor its latency on a request) is needed: Lambda sends its stdout to CloudWatch
Logs, and the API tasks' awslogs driver sends theirs. Pure and small: the Lambda imports it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence

NAMESPACE = "Cruddur/Messages"
MAX_VALUES = 100  # values one metric may carry in one line (the format's limit)

Value = float | Sequence[float]


def line(
    dimensions: Mapping[str, str],
    metrics: Mapping[str, tuple[Value, str]],
    *,
    namespace: str = NAMESPACE,
    timestamp_ms: int | None = None,
) -> str:
    """One EMF document: `metrics` maps a name to (value or values, unit)."""
    declared = [{"Name": name, "Unit": unit} for name, (_, unit) in metrics.items()]
    document: dict[str, object] = {
        "_aws": {
            "Timestamp": timestamp_ms if timestamp_ms is not None else int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [sorted(dimensions)],
                    "Metrics": declared,
                }
            ],
        },
        **dimensions,
    }
    for name, (value, _) in metrics.items():
        document[name] = value if isinstance(value, int | float) else sample(value)
    return json.dumps(document, separators=(",", ":"))


def sample(values: Sequence[float]) -> list[float]:
    """At most MAX_VALUES of `values`, evenly spread over their order: enough for CloudWatch
    to estimate percentiles of a batch of a thousand."""
    ordered = sorted(values)
    if len(ordered) <= MAX_VALUES:
        return ordered
    step = (len(ordered) - 1) / (MAX_VALUES - 1)
    return [ordered[round(i * step)] for i in range(MAX_VALUES)]
