"""`python -m bench.latest`: writes the latest full run's figures into docs/benchmarks.md.

The two tables between the markers are rebuilt from bench/results/results.json, so the page
shows the run's own numbers, never hand-copied ones; the prose around them stays as written.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from bench import groups, report
from bench.stats import head_commit

BEGIN, END = "<!-- latest figures: begin -->", "<!-- latest figures: end -->"


def targets(results: dict[str, Any]) -> list[str]:
    rows = ["| target | latest | limit | |", "|---|---|---|---|"]
    for target in results["targets"]:
        if groups.is_target(target["target"]):
            continue  # in the groups' own section (groups.render)
        met = "met" if target["met"] else "**missed**"
        rows.append(
            f"| {target['target']} | **{_short(target['value'])}** "
            f"| {_short(target['limit'])} | {met} |"
        )
    for name, limit, _why in report.unmeasured(results):
        rows.append(f"| {name} | not measured | {_short(limit)} | |")
    return rows


def figures(results: dict[str, Any]) -> list[str]:
    rows = ["| figure | latest |", "|---|---|"]
    overhead = results["overhead"]
    for pattern in ("A", "B"):
        layers = overhead[pattern]
        p50s = " / ".join(
            f"{layers[name]['p50_ms']:.2f}" for name in ("raw", "raw_api", "service", "http")
        )
        rows.append(f"| {pattern}: p50 raw boto3 / the API's wire / service / HTTP | {p50s} ms |")
    rows.append(f"| HTTP floor (`GET /healthz`) p50 | {overhead['floor']['http']['p50_ms']} ms |")
    sealed = results["sealing"]
    rows.append(
        f"| sealing a {sealed['text_bytes']}-byte message | {sealed['seal_cpu_us']} µs to seal, "
        f"{sealed['open_cpu_us']} µs to open, stored in {sealed['sealed_bytes']} bytes |"
    )
    rows += _observability(results.get("observability"))
    knee = results["throughput"]
    sweep = "; ".join(
        f"{point['clients']} → {point['messages_per_second']:.0f} msg/s, "
        f"{point['stream_lag']['p99_ms']:.0f} ms"
        for point in results["throughput_sweep"]
    )
    rows.append(
        f"| throughput sweep, closed loop: clients → msg/s, lag p99 | {sweep} "
        f"(knee: {knee['clients']}) |"
    )
    paced = results["throughput_paced"]
    rows.append(
        f"| paced at half the best rate ({paced['paced_rate']:.0f} msg/s): lag p50 / p99 "
        f"| {paced['stream_lag']['p50_ms']:.0f} / {paced['stream_lag']['p99_ms']:.0f} ms |"
    )
    emulator = knee["emulator_cpu_seconds"] * 1000 / knee["messages"]
    rows.append(
        "| CPU per sent message at the knee: API / poller / DynamoDB Local "
        f"| {knee['api_cpu_ms_per_message']} / {knee['poller_cpu_ms_per_message']} "
        f"/ {emulator:.2f} ms |"
    )
    rows.append(
        f"| peak RSS at the knee: API / poller | {knee['api_peak_rss_mib']} "
        f"/ {knee['poller_peak_rss_mib']} MiB |"
    )
    rows += _capacity(results["capacity"])
    rows += _default_config(results.get("default_config"))
    rows += _startup(results.get("startup"))
    scaling = results.get("scaling")
    if scaling:
        rows.append(
            "| page p50 at scale / at small: A / B | "
            f"{scaling['A']['large_over_small_p50']:.3f} / "
            f"{scaling['B']['large_over_small_p50']:.3f} |"
        )
    rows += _repair(results.get("repair"))
    seen = results.get("your_data")
    if seen is not None:
        rows += [
            f"| your data, {seen['messages']:,} messages in {seen['conversations']} conversations:"
            " export time, size / erasure time (API time, no HTTP)"
            f" | {seen['export_seconds']:.1f} s,"
            f" {seen['export_bytes'] / 1e6:.1f} MB / {seen['erase_seconds']:.2f} s"
            f" ({seen['erase_items']} items, no message rewritten) |",
            f"| key reads of a page of 20 from {seen['page_authors']} authors: cold / warm"
            f" | {seen['page_key_reads_cold']} / {seen['page_key_reads_warm']} (at most one read"
            " per member's key — two unwraps —, then cached) |",
        ]
    cold = results["lambda_import"]
    rows.append(
        "| Lambda handler's cold import / `import boto3`, medians of "
        f"{cold['runs']} alternating fresh interpreters | {cold['handler_ms_p50']:.1f} / "
        f"{cold['boto3_ms_p50']:.1f} ms (+{cold['extra_ms']:.1f} ms) |"
    )
    return rows


def _observability(seen: dict[str, Any] | None) -> list[str]:
    if seen is None:
        return []
    cpu = seen["cpu_ms_per_send"]
    return [
        "| logging and metrics: API CPU per send with / without "
        f"({seen['sends_each']} sends each) | {cpu['observed']:.3f} / {cpu['bare']:.3f} ms "
        f"(× {seen['ratio']}) |"
    ]


def _capacity(capacity: dict[str, Any]) -> list[str]:
    single, burst, course = capacity["ours_single"], capacity["ours_burst"], capacity["course"]
    rows = [
        "| capacity per single send / per message in a burst / course's design "
        f"| {single['wcu_per_message']:.2f} / {burst['wcu_per_message']:.2f} "
        f"/ {course['wcu_per_message']:.2f} WCU (+{course['rcu_per_message']} RCU) |"
    ]

    def change(what: str) -> str:
        c = capacity[f"ours_{what}"]
        rcu = c[f"rcu_per_{what}"]
        return f"{_short(c[f'wcu_per_{what}'])} WCU" + (f" + {_short(rcu)} RCU" if rcu else "")

    rows += [
        f"| a conversation start / a reader's visit | {change('start')} / {change('visit')} |",
        "| an edit / a deletion of the last message (stream included; both members read up to "
        f"date) | {change('edit')} / {change('delete')} |",
        f"| a block / an unblock | {change('block')} / {change('unblock')} |",
    ]
    if "ours_react" in capacity:
        rows.append(
            "| a reaction put / taken away (the stream passes over it) "
            f"| {change('react')} / {change('unreact')} |"
        )
    price = capacity["prices"]
    rows.append(
        f"| cost per million messages, on-demand ({price['region']}, prices of "
        f"{price['as_of']}) | single ${single['usd_per_million_messages']}, burst "
        f"${burst['usd_per_million_messages']}, course ${course['usd_per_million_messages']} |"
    )
    return rows


def _default_config(up: dict[str, Any] | None) -> list[str]:
    if up is None:
        return []
    cold, warm, loop = up["cold"], up["warm"], up["closed_loop"]
    return [
        f"| `cruddur up` (on disk, one process; started in {up['start_seconds']} s): p50 cold "
        f"/ warm, unkeyed | {cold['unkeyed']['p50_ms']:.1f} / {warm['unkeyed']['p50_ms']:.1f} "
        "ms |",
        f"| … keyed (Idempotency-Key) | {cold['keyed']['p50_ms']:.1f} "
        f"/ {warm['keyed']['p50_ms']:.1f} ms |",
        f"| … {loop['clients']} clients, closed loop: unkeyed / keyed | {loop['unkeyed']} "
        f"/ {loop['keyed']} msg/s |",
        f"| … its RSS: ready / peak over the step's sign-ups and sends | {up['ready_rss_mib']} "
        f"/ {up['peak_rss_mib']} MiB |",
    ]


def _startup(seen: dict[str, Any] | None) -> list[str]:
    if seen is None:
        return []
    up, other = seen["up"]["median_seconds"], seen["synapse"]
    name = "`cruddur up` to `/readyz`"
    figure = f"{up['first_start']:.2f} / {up['restart']:.2f} s"
    if other is None:
        figure += "; Synapse not measured"
    else:
        theirs, over = other["median_seconds"], seen["up_over_synapse"]
        name += f"; Synapse {other['version']} to `/health`"
        figure += (
            f"; {theirs['first_start']:.2f} / {theirs['restart']:.2f} s "
            f"(× {over['first_start']:.2f} / × {over['restart']:.2f})"
        )
    return [
        f"| start to ready, first start / restart (medians of {seen['runs']} alternating runs): "
        f"{name} | {figure} |"
    ]


def _repair(seen: dict[str, Any] | None) -> list[str]:
    if seen is None:
        return []
    rows = []
    for name, what in (
        ("sound", "a sound table"),
        ("damaged", f"after {seen['rows_damaged']} rows were lost or miscounted"),
        ("again", "once more"),
    ):
        run = seen[name]
        rows.append(
            f"| `repair-inboxes --all` over {seen['conversations']} conversations, {what}: "
            "time, rows created / rewritten, capacity "
            f"| {run['seconds']:.1f} s ({run['conversations_per_second']:.0f} conv/s), "
            f"{run['rows_created']} / {run['rows_rewritten']}, {run['rcu']:.0f} RCU + "
            f"{run['wcu']:.0f} WCU |"
        )
    return rows


def _short(value: float) -> str:
    return f"{value:.3g}"


def render(results: dict[str, Any], commit: str) -> str:
    when = results["when"][:10]
    run = (
        "Latest full run: `make bench`"
        if "scaling" in results
        else "Latest run: `python -m bench --skip-scaling` (all but step 4, the pages at scale)"
    )
    lines = [
        BEGIN,
        f"{run} at `{commit}`, {when}, {results['machine']} "
        "(`bench/results/results.json`, `results.png`).",
        "",
        *targets(results),
        "",
        *figures(results),
        END,
    ]
    return "\n".join(lines)


def update(page: Path, results_path: Path) -> None:
    results = json.loads(results_path.read_text())
    commit = head_commit()
    text = page.read_text()
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        sys.exit(f"{page}: no {BEGIN} … {END} block to replace")
    text = pattern.sub(lambda _: render(results, commit), text)
    if "groups" in results:  # step (3b)'s figures: their own section, from this run too
        text = groups.replace_section(text, groups.render(results, commit, "`make bench`"))
    page.write_text(text)


if __name__ == "__main__":
    update(Path("docs/benchmarks.md"), Path("bench/results/results.json"))
