"""Runs every measurement in one go, on one fresh in-memory DynamoDB Local."""

from __future__ import annotations

import os
import platform
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    capacity,
    default_config,
    groups,
    lambda_import,
    observability,
    overhead,
    repair,
    report,
    scaling,
    sealing,
    startup,
    throughput,
    your_data,
)
from bench.rig import rig
from cruddur import bootstrap
from cruddur.heap import freeze_startup_heap


@dataclass(frozen=True)
class Plan:
    iterations: int = 300
    client_counts: tuple[int, ...] = (1, 2, 4, 8)
    messages: int = 800
    capacity_messages: int = 50
    group_sizes: tuple[int, ...] = groups.SIZES  # step (3b), beside a direct conversation
    group_messages: int = 20  # step (3b): single sends, then as many in bursts, per size
    group_lag_messages: int = 200  # step (3b): paced, into the largest group and as many direct
    warm_up_rounds: int = 10  # at most; fewer once DynamoDB Local's JIT has settled
    small: tuple[int, int] = (100, 10)
    large: tuple[int, int] = (100_000, 5_000)
    scaling: bool = True  # step (4), most of a full run's time
    default_config: bool = True  # step (5), `cruddur up` cold and warm, keyed and not
    lambda_import_runs: int = 15  # step (6), fresh interpreters of each kind
    observability_sends: int = 4000  # step (1c), to each of the two API processes
    repair_conversations: int = 5000  # step (4b)
    your_data_messages: int = 50_000  # step (4c)
    # Steps (4b) and (4c) each on a fresh DynamoDB Local: by then the rig's holds step (4)'s
    # 100,000 items, which would slow their loads and scans several times.
    own_emulators: bool = True
    up_warm_rounds: int = 3  # step (5): closed-loop rounds between the cold and warm figures
    startup_runs: int = 5  # step (7): first starts and restarts of `cruddur up`, and Synapse's
    synapse: bool = True  # step (7): beside Synapse's (installed once into the user's cache)


# Seconds long: each step runs and writes every figure, on the fewest samples that make them.
TINY = Plan(
    iterations=10,  # samples a latency figure; step (5) sends in blocks of ten: one of each kind
    client_counts=(1, 2),
    messages=12,  # a few sends a client: every throughput figure, lag sampled from each send
    capacity_messages=5,
    group_sizes=(3, 10),  # ten members: the page still has its ten authors
    group_messages=3,
    group_lag_messages=6,
    warm_up_rounds=2,
    large=(300, 40),
    lambda_import_runs=1,
    observability_sends=40,
    repair_conversations=30,
    your_data_messages=600,
    own_emulators=False,  # a few hundred items in the rig's: a JVM start would be most of a step
    up_warm_rounds=1,
    startup_runs=1,  # one first start and one restart of `cruddur up`
    synapse=False,  # installs nothing: the ratio is a full run's
)


def run(plan: Plan, progress: Any = print) -> dict[str, Any]:
    started = time.monotonic()

    def step(line: str) -> None:  # how long each part takes shows in the progress lines
        progress(f"[{time.monotonic() - started:4.0f} s] {line}")

    with tempfile.TemporaryDirectory(prefix="cruddur-bench-") as work, rig(Path(work)) as system:
        ctx = bootstrap.build_messaging(system.settings, system.store)
        results: dict[str, Any] = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
            f"{platform.python_implementation()} "
            f"{platform.python_version()}",
            "plan": plan.__dict__,
        }
        # The measuring process is long-running too: its collector must not stall the clients.
        freeze_startup_heap()
        step("(1) overhead over the raw calls …")
        results["overhead"] = overhead.measure(system, ctx, plan.iterations)
        step("(1b) sealing message text …")
        results["sealing"] = sealing.measure(system.store.sealer)
        step("(1c) logging and metrics: API CPU per send, with them and without …")
        results["observability"] = observability.measure(
            system, Path(work), plan.observability_sends
        )
        system.start_poller()
        step("(2) send throughput and stream lag: warming DynamoDB Local up first …")
        most = max(plan.client_counts)
        results["throughput_warm_up"] = throughput.warm_up(
            system, most, plan.messages, plan.warm_up_rounds
        )
        step(f"    … measuring with {', '.join(map(str, plan.client_counts))} clients …")
        points = throughput.sweep(system, plan.client_counts, plan.messages)
        results["throughput_sweep"] = points
        results["throughput"] = throughput.knee(points)
        half = max(point["messages_per_second"] for point in points) / 2
        step(f"    … and {most} clients paced at {half:.0f} msg/s (half the best rate) …")
        paced = throughput.measure(system, most, plan.messages // 2, rate=half)
        results["throughput_paced"] = paced
        step("(3) capacity per message …")
        results["capacity"] = capacity.measure(system.settings, Path(work), plan.capacity_messages)
        # After (2): DynamoDB Local's JIT has settled. Nothing after it needs the rig's poller.
        system.stop_poller()
        step("(3b) groups beside a direct conversation: capacity, send, stream lag, a page …")
        results["groups"] = groups.measure(
            system,
            Path(work),
            plan.group_sizes,
            plan.group_messages,
            plan.group_lag_messages,
            plan.iterations,
            progress=step,
        )
        if plan.scaling:
            step(f"(4) scaling: writing {plan.large[0]} messages and {plan.large[1]} inbox rows …")
            results["scaling"] = scaling.measure(
                system.settings, plan.small, plan.large, plan.iterations
            )
        step(f"(4b) repair-inboxes --all over {plan.repair_conversations} conversations …")
        results["repair"] = repair.measure(
            system.settings, plan.repair_conversations, fresh=plan.own_emulators
        )
        many = plan.your_data_messages
        step(f"(4c) your data: export and erasure of a person with {many} messages …")
        results["your_data"] = your_data.measure(
            system.settings, plan.your_data_messages, fresh=plan.own_emulators
        )
    if plan.default_config:
        step("(5) the default configuration (`cruddur up`): cold, warm, keyed and not …")
        with tempfile.TemporaryDirectory(prefix="cruddur-bench-up-") as work:
            results["default_config"] = default_config.measure(
                Path(work),
                plan.iterations,
                plan.messages,
                max(plan.client_counts),
                plan.up_warm_rounds,
            )
    step("(6) the Lambda handler's cold import beside `import boto3` …")
    results["lambda_import"] = lambda_import.measure(plan.lambda_import_runs)
    beside = f" beside Synapse {startup.SYNAPSE_VERSION}'s" if plan.synapse else ""
    step(f"(7) start-up: `cruddur up` to /readyz{beside}, {plan.startup_runs} runs …")
    with tempfile.TemporaryDirectory(prefix="cruddur-bench-startup-") as work:
        results["startup"] = startup.measure(Path(work), plan.startup_runs, plan.synapse)
    step("done")
    results["targets"] = report.check_targets(results)
    return results
