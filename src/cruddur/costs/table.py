"""The table's share of the bill: its requests (on demand or provisioned), its storage with
point-in-time recovery, its stream, and CloudTrail's data events on its calls."""

from __future__ import annotations

import math
from collections.abc import Mapping

from cruddur.costs.bill import DAYS_PER_MONTH, HOURS_PER_MONTH, SECONDS_PER_DAY, Line
from cruddur.costs.inputs import MeasuredUnits, Units, Workload
from cruddur.costs.sizes import sample_group_sizes, sample_item_sizes

GIB = 1024**3
# Target utilisation DynamoDB's auto scaling keeps by default: provision above the peak.
PROVISIONED_TARGET = 0.7


def per_day(workload: Workload, units: MeasuredUnits) -> Units:
    """A day's units and calls: each operation's measured ones times how often it runs.

    A direct conversation's first message starts it; the rest are plain sends. A group is
    started on its own (its start writes an event item, not a message): every message of a
    group is a send into it, each one fanned out to every member's row by the stream."""
    direct = workload.messages_per_day * workload.direct_share
    starts = direct / workload.messages_per_conversation
    sends = max(0.0, direct - starts)
    visits = workload.visits_per_day
    counted = [(sends, units.send), (starts, units.start), (visits, units.visit)]
    for size, share in workload.group_mix:
        group = units.group(size)
        messages = workload.messages_per_day * share
        started = messages / workload.messages_per_conversation
        changes = started * workload.group_changes_per_conversation
        counted += [(messages, group.send), (started, group.start), (changes, group.change)]
    return Units(
        wcu=sum(count * unit.wcu for count, unit in counted),
        rcu=sum(count * unit.rcu for count, unit in counted),
        calls=sum(count * unit.calls for count, unit in counted),
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
    """The table and its index after `months_kept`: every message; per direct conversation a
    pair item and two inbox rows, per group one membership item, a row per member and its event
    items; each row stored again in the inbox index (projection ALL)."""
    message, row, pair = sample_item_sizes(workload.message_chars)
    messages = workload.messages_per_day * DAYS_PER_MONTH * workload.months_kept
    conversations = messages * workload.direct_share / workload.messages_per_conversation
    total = messages * (message + overhead) + conversations * (
        (pair + overhead) + 2 * 2 * (row + overhead)
    )
    events = 1 + workload.group_changes_per_conversation  # its start's, then one a change
    for size, share in workload.group_mix:
        members, member_row = sample_group_sizes(size, workload.message_chars)
        groups = messages * share / workload.messages_per_conversation
        rows = size * 2 * (member_row + overhead)
        total += groups * ((members + overhead) + rows + events * (message + overhead))
    return total / GIB
