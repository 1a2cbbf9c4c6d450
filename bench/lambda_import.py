"""Step (6): the Lambda handler's cold import, as a ratio to `import boto3` timed in alternating
fresh `python -S -E` interpreters, the zip unpacked into a read-only task folder and boto3's
family beside it, as on Lambda (what `make lambda` prints; no gate judges it)."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import Any

# The packager lives with the CDK app under infra/, which is not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "infra"))

from cruddur_infra import lambda_timing


def measure(runs: int) -> dict[str, Any]:
    times = lambda_timing.import_times(runs)
    return {
        "runs": runs,
        "handler_ms_p50": statistics.median(times.handler_ms),
        "boto3_ms_p50": statistics.median(times.boto3_ms),
        "handler_over_boto3": times.ratio,
        "extra_ms": times.extra_ms,
    }
