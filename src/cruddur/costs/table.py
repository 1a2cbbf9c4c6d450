"""The table's share of the bill: its requests (on demand or provisioned), its storage with
point-in-time recovery, its stream, and CloudTrail's data events on its calls."""

from __future__ import annotations

import math
from collections.abc import Mapping

from cruddur.costs.bill import DAYS_PER_MONTH, HOURS_PER_MONTH, SECONDS_PER_DAY, Line
from cruddur.costs.inputs import MeasuredUnits, Units, Workload
from cruddur.costs.sizes import sample_item_sizes

GIB = 1024**3
# Target utilisation DynamoDB's auto scaling keeps by default: provision above the peak.
PROVISIONED_TARGET = 0.7


def per_day(workload: Workload, units: MeasuredUnits) -> Units:
    """A day's units and calls: each operation's measured ones times how often it runs."""
    sends = max(0.0, workload.messages_per_day - workload.starts_per_day)
    starts, visits = workload.starts_per_day, workload.visits_per_day
    send, start, visit = units.send, units.start, units.visit
    return Units(
        wcu=sends * send.wcu + starts * start.wcu + visits * visit.wcu,
        rcu=sends * send.rcu + starts * start.rcu + visits * visit.rcu,
        calls=sends * send.calls + starts * start.calls + visits * visit.calls,
    )


def on_demand(day: Units, price: Mapping[str, float]) -> Line:
    writes, reads = day.wcu * DAYS_PER_MONTH, day.rcu * DAYS_PER_MONTH
    return Line(
        "DynamoDB requests, on-demand",
        writes / 1e6 * price["usd_per_million_write_request_units"]
        + reads / 1e6 * price["usd_per_million_read_request_units"],
        f"{writes / 1e6:,.2f} M write units, {reads / 1e6:,.2f} M read units",
    )


def provisioned(day: Units, peak_to_mean: float, price: Mapping[str, float]) -> Line:
    peak = peak_to_mean / SECONDS_PER_DAY
    wcu = max(1, math.ceil(day.wcu * peak / PROVISIONED_TARGET))
    rcu = max(1, math.ceil(day.rcu * peak / PROVISIONED_TARGET))
    billed_wcu, billed_rcu = max(0, wcu - price["free_wcu"]), max(0, rcu - price["free_rcu"])
    return Line(
        "DynamoDB requests, provisioned",
        HOURS_PER_MONTH
        * (billed_wcu * price["usd_per_wcu_hour"] + billed_rcu * price["usd_per_rcu_hour"]),
        f"{wcu} WCU and {rcu} RCU for the peak at {PROVISIONED_TARGET:.0%} utilisation,"
        f" {price['free_wcu']}/{price['free_rcu']} free",
    )


def storage(workload: Workload, price: Mapping[str, float]) -> Line:
    gb = stored_gib(workload, price["item_overhead_bytes"])
    billed_gb = max(0.0, gb - price["free_gb"])
    return Line(
        "DynamoDB storage and PITR",
        billed_gb * price["usd_per_gb_month"] + gb * price["usd_per_gb_month_pitr"],
        f"{gb:,.2f} GiB after {workload.months_kept} months ({price['free_gb']} GiB free),"
        " point-in-time recovery on all of it",
    )


def streams(price: Mapping[str, float]) -> Line:
    return Line(
        "DynamoDB Streams",
        0.0,
        "read by Lambda: free (other readers: "
        f"{price['free_stream_read_requests'] / 1e6:g} M requests free, then"
        f" ${price['usd_per_100k_stream_read_requests']} per 100 k)",
    )


def data_events(day: Units, price: Mapping[str, float]) -> Line:
    return Line(
        "CloudTrail data events",
        day.calls * DAYS_PER_MONTH / 1e5 * price["usd_per_100k_data_events"],
        f"{day.calls * DAYS_PER_MONTH / 1e6:,.2f} M table calls",
    )


def stored_gib(workload: Workload, overhead: float) -> float:
    """The table and its index after `months_kept`: every message; per conversation a pair
    item and two inbox rows, each row stored again in the inbox index (projection ALL)."""
    message, row, pair = sample_item_sizes(workload.message_chars)
    messages = workload.messages_per_day * DAYS_PER_MONTH * workload.months_kept
    conversations = messages / workload.messages_per_conversation
    total = messages * (message + overhead) + conversations * (
        (pair + overhead) + 2 * 2 * (row + overhead)
    )
    return total / GIB
