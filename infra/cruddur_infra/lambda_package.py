"""`make lambda`: dist/lambda.zip holds exactly the modules the stream handler imports.

A fresh interpreter imports the handler and reports what it loaded. Standard library and
boto3's family come from the Lambda runtime; cruddur's own modules go into the zip; anything
else is refused, because it would need a wheel built for the Lambda platform and would cost the
cold start.

What the gate checks is deterministic: the loaded cruddur modules are exactly `HANDLER_MODULES`
(a change to the handler's imports is a reviewed change to that list: nothing of the web, SQL,
crypto or Redis client comes in unnoticed) and the zip stays under `MAX_ZIP_BYTES`. The cold
import's time is printed, beside `import boto3`, both timed as Lambda runs them (lambda_timing.py:
the zip unpacked into a read-only task folder, boto3 beside it, `python -S -E`), and never judged
here: this machine's speed moves 2× from hour to hour, so a fixed limit in milliseconds would
fail on a slow hour. `make bench` reports the same ratio.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import importlib.util
import json
import py_compile
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

HANDLER_MODULE = "cruddur.stream.lambda_handler"
HANDLER = f"{HANDLER_MODULE}.lambda_handler"
# The Python the Lambda runs, the one place it is written: the stack's runtime (stream.py) is
# this one, and the zip is built only under it, because what the handler is found to import,
# and what the tests run the zip on (tests/lambda_runtime.py), is this interpreter's. Lambda
# deprecates python3.11 on 2027-06-30 (new functions refused from 2027-07-31): move the tests,
# the image and this together before then.
LAMBDA_PYTHON: tuple[int, int] = (3, 11)
LAMBDA_RUNTIME = "python{}.{}".format(*LAMBDA_PYTHON)
# What the AWS Lambda Python runtime ships: boto3 and what it needs. (certifi: botocore uses it
# when present and its own CA bundle otherwise.)
RUNTIME_DISTRIBUTIONS = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3", "certifi"}
)
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "dist" / "lambda.zip"
MAX_ZIP_BYTES = 5 * 1024 * 1024
# Exactly what importing the handler loads of cruddur: the processor, the inbox writer, the wire
# and the RESP publisher. Nothing of api/, web/, services/, the users directory, sealing
# (cryptography) or redis-py.
HANDLER_MODULES = frozenset(
    {
        "cruddur",
        "cruddur.adapters",
        "cruddur.adapters.aws_clients",
        "cruddur.adapters.dynamodb",
        "cruddur.adapters.dynamodb.capacity",
        "cruddur.adapters.dynamodb.errors",
        "cruddur.adapters.dynamodb.attributes",
        "cruddur.adapters.dynamodb.group_items",
        "cruddur.adapters.dynamodb.inbox_items",
        "cruddur.adapters.dynamodb.inbox_statements",
        "cruddur.adapters.dynamodb.message_items",
        "cruddur.adapters.dynamodb.text_sealer",
        "cruddur.adapters.dynamodb.operations",
        "cruddur.adapters.dynamodb.retry",
        "cruddur.adapters.dynamodb.sigv4",
        "cruddur.adapters.dynamodb.stores",
        "cruddur.adapters.dynamodb.stores.group_members",
        "cruddur.adapters.dynamodb.stores.inbox_fan_out",
        "cruddur.adapters.dynamodb.stores.inbox_rows",
        "cruddur.adapters.dynamodb.table",
        "cruddur.adapters.dynamodb.wire",
        "cruddur.domain",
        "cruddur.domain.attachments",
        "cruddur.domain.groups",
        "cruddur.domain.inbox_changes",
        "cruddur.domain.keys",
        "cruddur.domain.model",
        "cruddur.domain.text",
        "cruddur.errors",
        "cruddur.live_events",
        "cruddur.live_events.hub",
        "cruddur.stream.publishing",
        "cruddur.live_events.resp",
        "cruddur.heap",
        "cruddur.metrics",
        "cruddur.metrics.emf",
        "cruddur.production",
        "cruddur.stream",
        "cruddur.stream.lambda_handler",
        "cruddur.stream.processor",
        "cruddur.stream.records",
        "cruddur.stream.settings",
    }
)
# A fixed time for every entry: the same sources give the same zip, byte for byte, so the
# CDK asset hash changes only when the code does.
ZIP_TIME = (2020, 1, 1, 0, 0, 0)

# Only what importing the handler loads: what the interpreter loaded before it (site hooks such
# as Debian's sitecustomize, .pth files) is not the handler's, and is not in the zip either.
_SCAN = """
import importlib.metadata, json, sys, time
before = set(sys.modules)
start = time.perf_counter()
import {module}
elapsed = (time.perf_counter() - start) * 1000
dists = importlib.metadata.packages_distributions()
loaded = {{}}
for name, mod in list(sys.modules.items()):
    top = name.partition(".")[0]
    if name in before:
        continue
    if top in sys.stdlib_module_names or top in sys.builtin_module_names:
        continue
    loaded[name] = {{"file": getattr(mod, "__file__", None), "dists": dists.get(top, [])}}
print(json.dumps({{"import_ms": elapsed, "modules": loaded}}))
"""


class PackagingError(RuntimeError):
    """The handler imports something the Lambda package must not carry."""


@dataclass(frozen=True)
class Scan:
    import_ms: float
    own_files: dict[str, Path]  # path inside the zip → source file
    own_modules: frozenset[str]
    runtime: frozenset[str]

    def check_modules(self, expected: frozenset[str] = HANDLER_MODULES) -> None:
        """The handler loads exactly the expected cruddur modules, no more and no fewer."""
        extra, missing = self.own_modules - expected, expected - self.own_modules
        if extra or missing:
            raise PackagingError(
                "the stream handler's imports changed: "
                + "; ".join(
                    part
                    for part in (
                        extra and "now loads " + ", ".join(sorted(extra)),
                        missing and "no longer loads " + ", ".join(sorted(missing)),
                    )
                    if part
                )
                + ". If that is meant (and none of it is the web, SQL, crypto or a Redis"
                " client), update HANDLER_MODULES in infra/cruddur_infra/lambda_package.py."
            )


def _fresh_python(code: str) -> str:
    """What `code` prints in a fresh interpreter of this Python, with a bare environment."""
    return subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
    ).stdout


def scan(module: str = HANDLER_MODULE) -> Scan:
    """Import the handler in a fresh interpreter and sort what it loaded."""
    report = json.loads(_fresh_python(_SCAN.format(module=module)))
    own: dict[str, Path] = {}
    own_modules: set[str] = set()
    runtime: set[str] = set()
    foreign: list[str] = []
    source_root = ROOT / "src"
    for name, info in sorted(report["modules"].items()):
        dists = set(info["dists"])
        if name == "cruddur" or name.startswith("cruddur."):
            path = Path(info["file"])
            own[path.relative_to(source_root).as_posix()] = path
            own_modules.add(name)
        elif dists and dists <= RUNTIME_DISTRIBUTIONS:
            runtime |= dists
        elif name.partition(".")[0] not in {"__main__", "__mp_main__", "_distutils_hack"}:
            foreign.append(f"{name} ({', '.join(sorted(dists)) or 'unknown distribution'})")
    if foreign:
        raise PackagingError(
            "the stream handler imports modules the Lambda runtime lacks: "
            + "; ".join(foreign[:10])
            + ". Keep the handler's imports to the standard library, boto3 and cruddur's own"
            " lean modules (each costs the cold start)."
        )
    return Scan(report["import_ms"], own, frozenset(own_modules), frozenset(runtime))


def check_python(running: tuple[int, int] | None = None) -> None:
    """Refused unless this (or `running`) is the Lambda's Python: a zip scanned and tested under
    another one may import what that one lacks, or miss what it needs."""
    major, minor = running or sys.version_info[:2]
    if (major, minor) != LAMBDA_PYTHON:
        raise PackagingError(
            f"the Lambda runs {LAMBDA_RUNTIME}; this is Python {major}.{minor}: package it under"
            " the Lambda's Python (or change LAMBDA_PYTHON in infra/cruddur_infra/"
            "lambda_package.py, which the stack reads too)"
        )


# The zip carries each module's bytecode beside its source, under the name this Python looks for
# (`__pycache__/<name>.cpython-311.pyc`, and the zip is built only under the Lambda's Python):
# /var/task is read-only on Lambda, so Python can never write that cache there itself, and a zip
# of sources alone is compiled module by module on every cold start. Unchecked hash-based pycs
# (PEP 552) hold no mtime: they stay valid whatever times unpacking gives the files, and the zip
# stays the same byte for byte. The sources stay in too: tracebacks show their lines.
def _bytecode(name: str, source: Path, scratch: Path) -> bytes:
    out = scratch / "module.pyc"
    py_compile.compile(
        str(source),
        cfile=str(out),
        dfile=name,  # the path inside the zip, not this machine's (the loader fixes it anyway)
        doraise=True,
        optimize=0,  # the Lambda runs without -O
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    return out.read_bytes()


def write_zip(files: dict[str, Path], out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with tempfile.TemporaryDirectory() as scratch:
        entries = {name: files[name].read_bytes() for name in files}
        for name in files:
            cached = importlib.util.cache_from_source(name, optimization="")
            entries[cached] = _bytecode(name, files[name], Path(scratch))
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, entries[name])
    tmp.replace(out)
    return out.stat().st_size


def unpack(zip_path: Path, folder: Path, *, read_only: bool = False) -> Path:
    """The zip unpacked as Lambda does into its task folder; `read_only`: as /var/task is (but
    root writes through modes: lambda_timing's interpreters give up that power)."""
    task = folder / "task"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(task)
    for path in [task, *task.rglob("*")] if read_only else []:
        path.chmod(0o555 if path.is_dir() else 0o444)
    return task


def runtime_folder(folder: Path) -> Path:
    """boto3 and its dependencies only, linked from this environment (the runtime ships them)."""
    runtime = folder / "runtime"
    runtime.mkdir(exist_ok=True)
    for top, dists in importlib.metadata.packages_distributions().items():
        if not set(dists) <= RUNTIME_DISTRIBUTIONS or top.startswith("_"):
            continue
        source = Path(importlib.import_module(top).__file__ or "")
        source = source.parent if source.name == "__init__.py" else source
        link = runtime / source.name
        if not link.exists():
            link.symlink_to(source)
    return runtime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make lambda",
        description="Package the stream processor for AWS Lambda into a zip "
        "(boto3 comes from the runtime) and report its size and cold import time.",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default: dist/lambda.zip")
    parser.add_argument(
        "--runs",
        type=int,
        default=5,
        help="cold imports of each to time, for the printed figure (default 5; 0: none)",
    )
    args = parser.parse_args(argv)
    try:
        check_python()
        found = scan()
        found.check_modules()
    except PackagingError as exc:
        print(f"make lambda: {exc}", file=sys.stderr)
        return 1
    size = write_zip(found.own_files, args.out)
    shown = args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out
    print(f"{shown}: {len(found.own_files)} modules, handler {HANDLER} on {LAMBDA_RUNTIME}")
    print(f"  zip size     {size / 1024:8.1f} KiB   (limit {MAX_ZIP_BYTES // 1024 // 1024} MiB)")
    print(f"  from the runtime: {', '.join(sorted(found.runtime))}")
    if size > MAX_ZIP_BYTES:
        print("make lambda: the zip is over its size limit", file=sys.stderr)
        return 1
    if args.runs:
        from cruddur_infra import lambda_timing  # it builds on this module

        print(lambda_timing.import_times(args.runs, args.out).summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
