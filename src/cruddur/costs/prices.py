"""AWS list prices as data: one JSON file with its region and date, shipped with the package."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from cruddur.errors import Invalid

Prices = dict[str, Any]

# What the model reads; a file without one of these is refused up front, not half-priced.
REQUIRED = {
    "dynamodb": (
        "usd_per_million_write_request_units",
        "usd_per_million_read_request_units",
        "usd_per_wcu_hour",
        "usd_per_rcu_hour",
        "usd_per_gb_month",
        "usd_per_gb_month_pitr",
        "usd_per_100k_stream_read_requests",
        "free_wcu",
        "free_rcu",
        "free_gb",
        "free_stream_read_requests",
        "item_overhead_bytes",
    ),
    "lambda": ("usd_per_million_requests", "usd_per_gb_second", "free_requests", "free_gb_seconds"),
    "elasticache_serverless_valkey": ("usd_per_gb_hour", "usd_per_million_ecpus", "minimum_gb"),
    "fargate": ("usd_per_vcpu_hour", "usd_per_gb_hour"),
    "alb": ("usd_per_hour", "usd_per_lcu_hour"),
    "vpc": ("usd_per_nat_gateway_hour", "usd_per_public_ipv4_hour"),
    "kms": ("usd_per_key_month",),
    "secrets_manager": ("usd_per_secret_month",),
    "cloudtrail": ("usd_per_100k_data_events",),
    "cloudwatch": (
        "usd_per_alarm_metric_month",
        "usd_per_dashboard_month",
        "usd_per_custom_metric_month",
    ),
}


def load(path: Path | None = None) -> Prices:
    """The packaged prices, or those in `path`, checked for every figure the model reads."""
    if path is None:
        text = resources.files("cruddur.costs").joinpath("prices.json").read_text()
    else:
        try:
            text = path.read_text()
        except OSError as exc:
            raise Invalid(f"cannot read prices from {path}: {exc.strerror}") from exc
    try:
        prices: Prices = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(f"prices file is not JSON: {exc}") from exc
    missing = [
        f"{group}.{name}"
        for group, names in REQUIRED.items()
        for name in names
        if not isinstance(prices.get(group), dict)
        or not isinstance(prices[group].get(name), int | float)
    ]
    if not isinstance(prices.get("region"), str) or not isinstance(prices.get("as_of"), str):
        missing[:0] = ["region", "as_of"]
    if missing:
        raise Invalid(f"prices file lacks numbers for: {', '.join(missing)}")
    return prices
