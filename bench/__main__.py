"""`python -m bench` (`make bench`): the benchmark, printed and written under bench/results/.

Not part of the product: it lives beside it, with its own extra (`bench`, locked in `uv.lock`
like the rest and installed by `make setup`), and drives the product from outside, as separate
`cruddur` processes.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import click

from bench import report
from bench.run import TINY, Plan, run
from cruddur.cli.common import handle_errors


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--tiny", is_flag=True, help="A seconds-long run that only shows it all works.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("bench/results"),
    show_default=True,
    help="Where results.json and results.png go.",
)
@click.option("--iterations", type=click.IntRange(1), help="Samples per latency figure [300].")
@click.option(
    "--clients",
    "client_counts",
    type=click.IntRange(1, 64),
    multiple=True,
    help="Concurrent HTTP senders, one throughput run per value; repeat it "
    "(--clients 1 --clients 4) [1, 2, 4, 8].",
)
@click.option(
    "--messages",
    type=click.IntRange(1),
    help="Messages per throughput run, sent as fast as the clients can [800]; half as many are "
    "then sent paced at half the best rate.",
)
@click.option(
    "--skip-scaling",
    is_flag=True,
    help="Leave out step (4), writing 100,000 messages for the page-at-scale figures: the "
    "rest takes a few minutes.",
)
@click.option(
    "--no-synapse",
    is_flag=True,
    help="Time only `cruddur up`'s start in step (7), without installing Matrix Synapse (a "
    "pinned release, into a venv of its own under ~/.cache/cruddur) to time its start beside.",
)
@handle_errors
def bench(
    tiny: bool,
    out: Path,
    iterations: int | None,
    client_counts: tuple[int, ...],
    messages: int | None,
    skip_scaling: bool,
    no_synapse: bool,
) -> None:
    """Measure latency over the raw calls, send throughput and stream lag, capacity per
    message (ours and the course's design) and page latency at scale, on a fresh in-memory
    DynamoDB Local with the API and the stream poller in their own processes.

    Throughput and lag: after warm-up rounds that let DynamoDB Local's JIT settle, closed-loop
    clients in growing numbers; the lag is judged at the knee, where doubling the clients
    raises the throughput by less than 10 % (past it they only queue); then paced at half the
    best rate.

    Prints a table and its targets; writes OUT/results.json and OUT/results.png.
    The full run takes 10 to 30 minutes on two cores (most of it writing 100,000 messages).
    """
    # Progress goes to stderr line by line; per-step INFO logs would bury it.
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    plan = TINY if tiny else Plan()
    changes: dict[str, object] = {
        "iterations": iterations,
        "client_counts": tuple(sorted(set(client_counts))) or None,
        "messages": messages,
        "scaling": False if skip_scaling else None,
        "synapse": False if no_synapse else None,
    }
    plan = dataclasses.replace(plan, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]
    results = run(plan, progress=lambda line: click.echo(line, err=True))
    click.echo(report.table(results))
    for path in report.write(results, out):
        click.echo(f"wrote {path}")


if __name__ == "__main__":
    bench()
