"""The benchmark's outputs: a table on stdout, results.json and results.png, and the targets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import groups
from bench.overhead import LAYERS
from bench.throughput import KNEE_GAIN

TARGETS: list[tuple[str, str, float, str]] = [
    # (name, path into the results, limit, "max" or "min")
    ("A: HTTP p50 / raw p50", "overhead.A.http_over_raw_p50", 1.3, "max"),
    ("B: HTTP p50 / raw p50", "overhead.B.http_over_raw_p50", 1.3, "max"),
    ("WCU per message (single sends)", "capacity.ours_single.wcu_per_message", 7.0, "max"),
    ("RCU per message (single sends)", "capacity.ours_single.rcu_per_message", 0.0, "max"),
    # At the knee of the client sweep, where more clients stop raising the throughput; the
    # CPU and memory from /proc over the knee's run.
    ("stream lag p99 at peak throughput (ms)", "throughput.stream_lag.p99_ms", 200.0, "max"),
    ("API CPU per sent message (ms)", "throughput.api_cpu_ms_per_message", 2.0, "max"),
    # Step (1c): the same sends to two API processes in turns, one logging and keeping figures.
    ("logs + metrics / none: API CPU per send", "observability.ratio", 1.05, "max"),
    ("poller CPU per sent message (ms)", "throughput.poller_cpu_ms_per_message", 1.5, "max"),
    ("API peak RSS during the send runs (MiB)", "throughput.api_peak_rss_mib", 100.0, "max"),
    ("poller peak RSS during the send runs (MiB)", "throughput.poller_peak_rss_mib", 100.0, "max"),
    # Step (5): `cruddur up` as a user runs it.
    ("up: keyed / unkeyed send p50", "default_config.keyed_over_unkeyed.p50", 1.3, "max"),
    ("up: keyed / unkeyed send CPU", "default_config.keyed_over_unkeyed.cpu", 1.3, "max"),
    ("up: first sends / warm p50", "default_config.cold_over_warm_p50.unkeyed", 1.5, "max"),
    ("up: first keyed sends / warm p50", "default_config.cold_over_warm_p50.keyed", 1.5, "max"),
    # Its high-water mark over the step: sign-ups (a password hash each) and sends, API and
    # poller in one process, as Synapse is measured (129: what it was on 2026-12-01).
    ("up: peak RSS over sign-ups and sends (MiB)", "default_config.peak_rss_mib", 129.0, "max"),
    ("A: page at large / at small", "scaling.A.large_over_small_p50", 1.2, "max"),
    ("B: page at large / at small", "scaling.B.large_over_small_p50", 1.2, "max"),
    # Step (6): the handler's cold import judged against boto3's in the same run, not in ms.
    ("Lambda cold import / `import boto3`", "lambda_import.handler_over_boto3", 1.2, "max"),
]
# Step (7): judged against Synapse's start in the same run, so apart from TARGETS: a run without
# Synapse (offline, or the tiny plan) leaves it not measured, neither met nor missed.
STARTUP_TARGET = ("`cruddur up` ready / Synapse ready (first start)", 1.8)


def lookup(results: dict[str, Any], path: str) -> float:
    value: Any = results
    for part in path.split("."):
        value = value[part]
    return float(value)


def check_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    checked = []
    for name, path, limit, kind in TARGETS:
        if path.split(".")[0] not in results:
            continue  # a step left out of this run (--skip-scaling)
        value = lookup(results, path)
        met = value <= limit if kind == "max" else value >= limit
        checked.append({"target": name, "value": value, "limit": limit, "met": met})
    capacity = results["capacity"]
    ours, course = capacity["ours_single"], capacity["course"]
    burst = capacity["ours_burst"]
    for name, value, limit in (
        ("WCU per message: ours / course", ours["wcu_per_message"], course["wcu_per_message"]),
        ("WCU per message: burst / single", burst["wcu_per_message"], ours["wcu_per_message"]),
    ):
        checked.append({"target": name, "value": value, "limit": limit, "met": value < limit})
    checked += groups.targets(results.get("groups"))  # step (3b): names carry its sizes
    startup = results.get("startup")
    if startup is not None and startup["up_over_synapse"]["first_start"] is not None:
        (name, limit), value = STARTUP_TARGET, startup["up_over_synapse"]["first_start"]
        checked.append({"target": name, "value": value, "limit": limit, "met": value <= limit})
    return checked


def unmeasured(results: dict[str, Any]) -> list[tuple[str, float, str]]:
    """The targets whose step ran without the figure they judge: (name, limit, why)."""
    startup = results.get("startup")
    if startup is None or startup["synapse"] is not None:
        return []
    why = (startup.get("reason") or "Synapse not run").strip().splitlines()[0]
    return [(*STARTUP_TARGET, f"Synapse not measured: {why}")]


def table(results: dict[str, Any]) -> str:
    lines = [
        "",
        "Overhead over the floor (ms)",
        f"{'':4}{'layer':9}{'p50':>9}{'p99':>9}{'/raw p50':>10}",
    ]
    overhead = results["overhead"]
    for pattern in sorted(overhead, key=lambda name: name == "floor"):  # the floor last
        entry = overhead[pattern]
        for layer in LAYERS:
            if pattern == "floor" and layer == "http":
                stats = entry[layer]
                lines.append(
                    f"{'HTTP floor (GET /healthz)':22}{stats['p50_ms']:8.2f}{stats['p99_ms']:9.2f}"
                )
                continue
            if layer in entry:
                over = entry.get(f"{layer}_over_raw_p50", 1.0)
                stats = entry[layer]
                lines.append(
                    f"{pattern:4}{layer:9}{stats['p50_ms']:9.2f}{stats['p99_ms']:9.2f}{over:10.2f}"
                )
        if "http_over_raw_api_p50" in entry:
            alone = entry["http_over_raw_api_p50"]
            lines.append(f"{'':4}HTTP / raw_api p50 (the HTTP layer alone): {alone:.2f}")
    sealed = results.get("sealing")
    if sealed:
        lines += [
            "",
            f"Sealing a {sealed['text_bytes']}-byte message: {sealed['seal_cpu_us']} µs CPU to "
            f"seal, {sealed['open_cpu_us']} µs to open ({sealed['page_of_20_open_cpu_us']} µs "
            f"a page of 20); stored as {sealed['sealed_bytes']} bytes",
        ]
    t = results["throughput"]
    warm = results["throughput_warm_up"]
    lines += [
        "",
        f"Warm-up (not counted): {len(warm)} rounds of {warm[0]['messages']} messages; "
        "DynamoDB Local CPU s per round "
        + " → ".join(f"{r['emulator_cpu_seconds']:.1f}" for r in warm)
        + "; lag p99 ms "
        + " → ".join(f"{r['stream_lag_p99_ms']:.0f}" for r in warm),
        f"Send throughput and stream lag over HTTP, {t['messages']} messages per row "
        "(closed loop: each client sends when its last send is answered)",
        f"{'clients':>11}{'msg/s':>9}{'lag p50':>10}{'lag p99':>10}",
    ]
    for point in results["throughput_sweep"]:
        mark = f"  ← knee: more clients add less than {KNEE_GAIN - 1:.0%} msg/s"
        mark = mark if point == t else ""
        lines.append(
            f"{point['clients']:>11}{point['messages_per_second']:>9.1f}"
            f"{point['stream_lag']['p50_ms']:>10.1f}{point['stream_lag']['p99_ms']:>10.1f}{mark}"
        )
    paced = results["throughput_paced"]
    lines += [
        f"At the knee: peak RSS API {t['api_peak_rss_mib']} MiB (since its start, with the "
        f"sign-ups' password hashes: {t.get('api_rss_hwm_mib')} MiB), poller "
        f"{t.get('poller_peak_rss_mib')} MiB",
        "CPU per sent message "
        f"(/proc): API {t.get('api_cpu_ms_per_message')} ms, poller "
        f"{t.get('poller_cpu_ms_per_message')} ms, DynamoDB Local "
        f"{t['emulator_cpu_seconds'] * 1000 / t['messages']:.2f} ms",
        f"{paced['clients']} clients paced at {paced['paced_rate']:.0f} msg/s (half the best): "
        "stream lag p50 "
        f"{paced['stream_lag']['p50_ms']:.1f} ms, p99 {paced['stream_lag']['p99_ms']:.1f} ms "
        f"(n={paced['stream_lag']['n']})",
        "",
        "Capacity per message          WCU      RCU   $ per million messages",
    ]
    for name in ("ours_single", "ours_burst", "course"):
        c = results["capacity"][name]
        lines.append(
            f"  {name:26}{c['wcu_per_message']:7.2f}{c['rcu_per_message']:9.2f}"
            f"{c['usd_per_million_messages']:12.3f}"
        )
    price = results["capacity"]["prices"]
    lines.append(f"  (on-demand prices, {price['region']}, as of {price['as_of']})")
    lines += ["", "Capacity per change           WCU      RCU    calls"]
    for what in ("start", "visit", "edit", "react", "unreact", "delete", "block", "unblock"):
        c = results["capacity"].get(f"ours_{what}")
        if c is not None:
            lines.append(
                f"  {what:26}{c[f'wcu_per_{what}']:7.2f}{c[f'rcu_per_{what}']:9.2f}"
                f"{c[f'calls_per_{what}']:9.2f}"
            )
    lines += groups.table_lines(results)
    lines += ["", "Scaling (service layer, p50 ms)" if "scaling" in results else ""]
    for pattern, entry in results.get("scaling", {}).items():
        lines.append(
            f"  {pattern} (page of {entry['page']}): "
            f"{entry['small']['size']:>7} → {entry['small']['p50_ms']:.2f}   "
            f"{entry['large']['size']:>7} → {entry['large']['p50_ms']:.2f}   "
            f"ratio {entry['large_over_small_p50']:.2f}"
        )
    lines += _observability(results.get("observability"))
    lines += _repair(results.get("repair"))
    lines += _your_data(results.get("your_data"))
    lines += _default_config(results.get("default_config"))
    lines += _startup(results.get("startup"))
    return "\n".join([*lines, "", *_targets(results)])


def _targets(results: dict[str, Any]) -> list[str]:
    lines = ["Targets"]
    for target in results["targets"]:
        mark = "met " if target["met"] else "MISSED"
        lines.append(
            f"  [{mark}] {target['target']}: {target['value']:g} (limit {target['limit']:g})"
        )
    for name, limit, why in unmeasured(results):
        lines.append(f"  [n/a ] {name}: not measured (limit {limit:g}); {why}")
    return lines


def _observability(seen: dict[str, Any] | None) -> list[str]:
    if seen is None:
        return []
    cpu = seen["cpu_ms_per_send"]
    return [
        "",
        f"Logging and metrics, {seen['sends_each']} sends to each of two API processes in turns:"
        f" API CPU per send {cpu['observed']:.3f} ms with a JSON line per request and every"
        f" figure kept ({seen['log_lines']} lines), {cpu['bare']:.3f} ms without;"
        f" ratio {seen['ratio']}",
    ]


def _your_data(seen: dict[str, Any] | None) -> list[str]:
    if seen is None:
        return []
    return [
        "",
        f"Your data, a person with {seen['messages']} messages in {seen['conversations']}"
        f" conversations: export {seen['export_seconds']:.1f} s, {seen['export_bytes']:,} bytes;"
        f" erasure {seen['erase_seconds']:.2f} s ({seen['erase_items']} items changed, no"
        f" message rewritten); a page of 20 from {seen['page_authors']} authors:"
        f" {seen['page_key_reads_cold']} key read(s) cold, {seen['page_key_reads_warm']} warm",
    ]


def _repair(seen: dict[str, Any] | None) -> list[str]:
    if seen is None:
        return []
    lines = [
        "",
        f"repair-inboxes --all over {seen['conversations']} conversations "
        f"({seen['rows_damaged']} rows lost or miscounted before the second pass)",
        f"{'':10}{'seconds':>9}{'conv/s':>9}{'created':>9}{'rewrote':>9}{'RCU':>9}{'WCU':>8}",
    ]
    for name in ("sound", "damaged", "again"):
        run = seen[name]
        lines.append(
            f"  {name:8}{run['seconds']:>9.1f}{run['conversations_per_second']:>9.1f}"
            f"{run['rows_created']:>9}{run['rows_rewritten']:>9}{run['rcu']:>9.0f}{run['wcu']:>8.0f}"
        )
    return lines


def _default_config(up: dict[str, Any] | None) -> list[str]:
    if up is None:
        return []
    lines = [
        "",
        "`cruddur up` (DynamoDB Local on disk, API and poller in one process), started in "
        f"{up['start_seconds']} s; RSS {up['ready_rss_mib']} MiB ready, {up['peak_rss_mib']} MiB "
        "at its peak over the step's sign-ups and sends;",
        "sequential sends right after the start (cold) and after warm-up rounds (warm): p50 ms, "
        "and the process's CPU ms per send",
        f"{'':10}{'unkeyed':>10}{'cpu':>7}{'keyed':>10}{'cpu':>7}",
    ]
    for state in ("cold", "warm"):
        row = up[state]
        lines.append(
            f"  {state:8}{row['unkeyed']['p50_ms']:>10.2f}{row['unkeyed']['cpu_ms_per_send']:>7.2f}"
            f"{row['keyed']['p50_ms']:>10.2f}{row['keyed']['cpu_ms_per_send']:>7.2f}"
        )
    loop = up["closed_loop"]
    lines.append(
        f"  {loop['clients']} clients, closed loop: {loop['unkeyed']} msg/s unkeyed, "
        f"{loop['keyed']} msg/s keyed"
    )
    return lines


def _startup(seen: dict[str, Any] | None) -> list[str]:
    if seen is None:
        return []
    other = seen["synapse"]
    lines = [
        "",
        f"Start-up to the first 200, medians of {seen['runs']} alternating runs (s): "
        "`cruddur up` to /readyz" + (f", Synapse {other['version']} to /health" if other else ""),
        f"{'':16}{'first start':>12}{'restart':>10}",
    ]
    rows = [("cruddur up", seen["up"]["median_seconds"])]
    if other is not None:
        rows += [("Synapse", other["median_seconds"]), ("up / Synapse", seen["up_over_synapse"])]
    for name, figures in rows:
        lines.append(f"  {name:14}{figures['first_start']:>12.2f}{figures['restart']:>10.2f}")
    if other is None:
        lines.append(f"  Synapse not measured: {seen.get('reason') or '?'}")
    return lines


def write(results: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "results.json"
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    return [json_path, plot(results, out / "results.png")]


def plot(results: dict[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 2, figsize=(12, 8))
    overhead = results["overhead"]
    patterns = [p for p in overhead if p != "floor"]
    width = 0.8 / len(LAYERS)
    for offset, layer in enumerate(LAYERS):
        values = [overhead[p].get(layer, {}).get("p50_ms", 0) for p in patterns]
        axes[0][0].bar(
            [i + offset * width for i in range(len(patterns))], values, width, label=layer
        )
    middle = (len(LAYERS) - 1) * width / 2
    axes[0][0].set_xticks([i + middle for i in range(len(patterns))], patterns)
    axes[0][0].set_ylabel("p50 ms")
    axes[0][0].set_title("Overhead over the raw call")
    axes[0][0].legend()
    runs = [
        (point, f"{point['clients']} client{'s' if point['clients'] > 1 else ''}")
        for point in results["throughput_sweep"]
    ]
    runs.append((results["throughput_paced"], "paced, half the best rate"))
    for run, label in runs:
        lags = sorted(run["lag_samples_ms"])
        axes[0][1].plot(lags, [(i + 1) / len(lags) for i in range(len(lags))], label=label)
    axes[0][1].legend()
    axes[0][1].set_xlabel("ms from send response to both inbox rows")
    axes[0][1].set_title("Stream lag (CDF)")
    capacity = results["capacity"]
    names = ["ours_single", "ours_burst", "course"]
    axes[1][0].bar(names, [capacity[n]["wcu_per_message"] for n in names])
    axes[1][0].set_ylabel("WCU per message")
    axes[1][0].set_title("Capacity per message")
    scaling = results.get("scaling", {})
    for offset, size in enumerate(("small", "large")):
        values = [scaling[p][size]["p50_ms"] for p in scaling]
        axes[1][1].bar([i + offset * 0.4 for i in range(len(scaling))], values, 0.4, label=size)
    axes[1][1].set_xticks([i + 0.2 for i in range(len(scaling))], list(scaling))
    axes[1][1].set_ylabel("p50 ms")
    axes[1][1].set_title("Page latency: small vs large")
    axes[1][1].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path
