"""`python -m bench.instructions`: the instructions the API's process executes per request of
patterns A (a page of messages), B (the first inbox page) and C (a send), and for the floor
(`GET /healthz`), counted by valgrind's callgrind, for this tree and any others named.

Seconds move 2× from hour to hour on a shared machine; instructions do not: the same code on
the same inputs counts the same whatever else runs, so two trees compare in any hour. What is
counted is the app's whole request in one process, the in-process HTTP client's share
included (the same for every tree), never DynamoDB Local (a child process, left alone by
callgrind). Counting runs ~50× slower than the code: a pattern takes about a minute.
Not part of `make bench`: it needs valgrind, which a user's machine may lack.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click

from bench.rig import BENCH_LIMITS

ROOT = Path(__file__).resolve().parents[1]
DRIVER = Path(__file__).with_name("instructions_driver.py")
PATTERNS = ("A", "B", "C", "floor")
COLLECTED = re.compile(r"Collected : (\d+)")
TIMEOUT = 1800  # seconds for one pattern's count: bounded even on a slow hour


def count(tree: Path, pattern: str, requests: int) -> int:
    """Instructions per request of `pattern`, with `tree`'s code."""
    env = {
        **os.environ,
        **BENCH_LIMITS,
        "PYTHONPATH": f"{tree / 'src'}{os.pathsep}{tree}",
        "PYTHONHASHSEED": "0",  # the same dict and set layouts every run
    }
    env.pop("AWS_ENDPOINT_URL", None)
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",  # counting is switched on around the requests only
        "--callgrind-out-file=/dev/null",
        sys.executable,
        str(DRIVER),
        pattern,
        str(requests),
    ]
    done = subprocess.run(  # noqa: S603 - our own command
        command, capture_output=True, text=True, cwd=tree, env=env, timeout=TIMEOUT, check=False
    )
    found = COLLECTED.search(done.stderr)
    if done.returncode or found is None:
        raise click.ClickException(f"counting {pattern} in {tree} failed:\n{done.stderr[-3000:]}")
    return int(found.group(1)) // requests


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--tree",
    "trees",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    multiple=True,
    help="Another checkout to count beside this one (repeat it); each runs with this venv, so "
    "its dependencies must be these (its node_modules, or a link to these, holds the jar).",
)
@click.option("--requests", type=click.IntRange(10), default=100, show_default=True)
@click.option(
    "--pattern",
    "patterns",
    type=click.Choice(PATTERNS),
    multiple=True,
    help="Count only these (repeat it) [A, B, C, floor].",
)
def main(trees: tuple[Path, ...], requests: int, patterns: tuple[str, ...]) -> None:
    """Print instructions per request for each pattern and tree, and each tree's ratio to this
    one."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise click.ClickException("needs valgrind (Debian: apt-get install valgrind)")
    every = (ROOT, *trees)
    for pattern in patterns or PATTERNS:
        counts = [count(tree, pattern, requests) for tree in every]
        shown = ", ".join(
            f"{tree.name or tree}: {n:,}" + (f" (×{n / counts[0]:.3f})" if index else "")
            for index, (tree, n) in enumerate(zip(every, counts, strict=True))
        )
        click.echo(f"{pattern:>5}  {shown}")


if __name__ == "__main__":
    main()
