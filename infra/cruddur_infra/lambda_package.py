"""`make lambda`: dist/lambda.zip holds exactly the modules the stream handler imports.

The module list is not written by hand: a fresh interpreter imports the handler and reports
what it loaded. Standard library and boto3's family come from the Lambda runtime; cruddur's own
modules go into the zip; anything else is refused, because it would need a wheel built for the
Lambda platform and would cost the cold start (budget: import ≤ 250 ms, zip ≤ 5 MB).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

HANDLER_MODULE = "cruddur.stream.lambda_handler"
HANDLER = f"{HANDLER_MODULE}.lambda_handler"
# What the AWS Lambda Python runtime ships: boto3 and what it needs. (certifi: botocore uses it
# when present and its own CA bundle otherwise.)
RUNTIME_DISTRIBUTIONS = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3", "certifi"}
)
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "dist" / "lambda.zip"
MAX_ZIP_BYTES = 5 * 1024 * 1024
MAX_IMPORT_MS = 250.0
# A fixed time for every entry: the same sources give the same zip, byte for byte, so the
# CDK asset hash changes only when the code does.
ZIP_TIME = (2020, 1, 1, 0, 0, 0)

_SCAN = """
import importlib.metadata, json, sys, time
start = time.perf_counter()
import {module}
elapsed = (time.perf_counter() - start) * 1000
dists = importlib.metadata.packages_distributions()
loaded = {{}}
for name, mod in list(sys.modules.items()):
    top = name.partition(".")[0]
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
    runtime: frozenset[str]


def scan(module: str = HANDLER_MODULE) -> Scan:
    """Import the handler in a fresh interpreter and sort what it loaded."""
    out = subprocess.run(
        [sys.executable, "-c", _SCAN.format(module=module)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
    ).stdout
    report = json.loads(out)
    own: dict[str, Path] = {}
    runtime: set[str] = set()
    foreign: list[str] = []
    source_root = ROOT / "src"
    for name, info in sorted(report["modules"].items()):
        dists = set(info["dists"])
        if name == "cruddur" or name.startswith("cruddur."):
            path = Path(info["file"])
            own[path.relative_to(source_root).as_posix()] = path
        elif dists and dists <= RUNTIME_DISTRIBUTIONS:
            runtime |= dists
        elif name.partition(".")[0] not in {"__main__", "__mp_main__", "_distutils_hack"}:
            foreign.append(f"{name} ({', '.join(sorted(dists)) or 'unknown distribution'})")
    if foreign:
        raise PackagingError(
            "the stream handler imports modules the Lambda runtime lacks: "
            + "; ".join(foreign[:10])
            + ". Keep the handler's imports to the standard library, boto3 and cruddur's own"
            " lean modules (the import must stay under 250 ms)."
        )
    return Scan(report["import_ms"], own, frozenset(runtime))


def write_zip(files: dict[str, Path], out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, files[name].read_bytes())
    tmp.replace(out)
    return out.stat().st_size


def import_times(runs: int = 7) -> list[float]:
    """Cold imports of the handler, each in a fresh interpreter."""
    return [scan().import_ms for _ in range(runs)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make lambda",
        description="Package the stream processor for AWS Lambda into a zip "
        "(boto3 comes from the runtime) and report its size and cold import time.",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="default: dist/lambda.zip")
    parser.add_argument("--runs", type=int, default=7, help="cold imports to time (default 7)")
    args = parser.parse_args(argv)
    try:
        found = scan()
    except PackagingError as exc:
        print(f"make lambda: {exc}", file=sys.stderr)
        return 1
    size = write_zip(found.own_files, args.out)
    times = import_times(args.runs)
    median = statistics.median(times)
    print(f"{args.out.relative_to(ROOT)}: {len(found.own_files)} modules, handler {HANDLER}")
    print(f"  zip size     {size / 1024:8.1f} KiB   (limit {MAX_ZIP_BYTES // 1024 // 1024} MiB)")
    print(
        f"  cold import  {median:8.1f} ms    median of {len(times)} fresh interpreters, "
        f"range {min(times):.0f}–{max(times):.0f} ms (limit {MAX_IMPORT_MS:.0f} ms)"
    )
    print(f"  from the runtime: {', '.join(sorted(found.runtime))}")
    if size > MAX_ZIP_BYTES or median > MAX_IMPORT_MS:
        print("make lambda: over budget", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
