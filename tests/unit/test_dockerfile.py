"""The API image installs its locked dependencies in a layer before any of the source arrives,
so a change to src/ rebuilds only the package's layer (no Docker engine here: the Dockerfile is
read, instruction by instruction)."""

from __future__ import annotations

import fnmatch
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

Instruction = tuple[str, list[str]]  # (FROM, RUN, COPY…, its arguments)


def instructions(text: str) -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    found: list[Instruction] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, rest = (pending + stripped).partition(" ")
        found.append((keyword.upper(), shlex.split(rest)))
        pending = ""
    return found


def build_stage(text: str) -> list[Instruction]:
    steps = instructions(text)
    starts = [i for i, (keyword, _) in enumerate(steps) if keyword == "FROM"]
    return steps[starts[0] : starts[1]]


def copied(args: list[str]) -> list[str]:
    """A COPY's sources from the build context (not --from another stage)."""
    if any(arg.startswith("--from") for arg in args):
        return []
    paths = [arg for arg in args if not arg.startswith("--")]
    return paths[:-1]


def is_source(path: str) -> bool:
    return path.rstrip("/") in {".", "src"} or path.startswith(("src/", "./src"))


def layering_faults(text: str) -> list[str]:
    """What keeps the build stage from installing the dependencies before the source arrives."""
    stage = build_stage(text)
    syncs = [i for i, (k, args) in enumerate(stage) if k == "RUN" and args[:2] == ["uv", "sync"]]
    sources = [
        i for i, (k, args) in enumerate(stage) if k == "COPY" and any(map(is_source, copied(args)))
    ]
    if not syncs or not sources:
        return ["no uv sync, or no COPY of src"]
    dependencies, project = stage[syncs[0]][1], stage[syncs[-1]][1]
    before = [p for k, args in stage[: syncs[0]] if k == "COPY" for p in copied(args)]
    faults = {
        "the first sync is not before the source": syncs[0] > sources[0],
        "no sync after the source": syncs[-1] < sources[-1],
        "the first sync installs the project": "--no-install-project" not in dependencies,
        "the first sync is not frozen and non-editable": not {"--frozen", "--no-editable"}
        <= set(dependencies),
        # Anything else copied first would invalidate the dependencies' layer when it changes.
        "more than the lock comes before the dependencies": sorted(before)
        != ["pyproject.toml", "uv.lock"],
        "the last sync leaves the project out": "--no-install-project" in project,
        "the last sync is not frozen and non-editable": not {"--frozen", "--no-editable"}
        <= set(project),
    }
    return [fault for fault, found in faults.items() if found]


def test_the_dependencies_are_synced_from_the_lock_before_any_source_is_copied():
    assert layering_faults((ROOT / "Dockerfile").read_text()) == []


def test_one_sync_after_copying_everything_is_refused():
    single = """FROM python:3.11-slim-bookworm AS build
COPY pyproject.toml uv.lock README.md ./
COPY src ./src
RUN uv sync --frozen --no-editable
FROM python:3.11-slim-bookworm
"""
    assert "the first sync is not before the source" in layering_faults(single)


def admitted(path: str, rules: list[str]) -> bool:
    """Whether .dockerignore lets `path` into the build context (the last matching rule wins)."""
    keep = True
    for rule in rules:
        negated = rule.startswith("!")
        pattern = rule.removeprefix("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            keep = negated
    return keep


def test_every_file_the_build_copies_is_in_the_build_context():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    rules = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    stage = build_stage((ROOT / "Dockerfile").read_text())
    paths = [p for k, args in stage if k == "COPY" for p in copied(args)]
    assert [p for p in paths if not admitted(p.rstrip("/"), rules)] == []
