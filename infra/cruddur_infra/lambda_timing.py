"""The stream handler's cold import, timed the way Lambda runs it, beside `import boto3`.

The zip is unpacked into a task folder nobody can write, as /var/task is on Lambda (so the pycs
the zip carries are all the bytecode the handler gets: nothing is cached between cold starts),
boto3's family sits in a runtime folder beside it, and fresh `python -S -E` interpreters, with
only those two ahead of the standard library, alternate: one imports the handler, one boto3
alone, so both see the same hour of this machine. `make lambda` prints the medians and `make
bench` reports the same ratio; neither judges it.
"""

from __future__ import annotations

import ctypes
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cruddur_infra import lambda_package

# No site-packages (-S) and no PYTHON* variables (-E): only the task and runtime folders.
FLAGS = ("-S", "-E")
# prctl(2) PR_CAPBSET_DROP and capabilities(7) CAP_DAC_OVERRIDE.
_PR_CAPBSET_DROP, _CAP_DAC_OVERRIDE = 24, 1

_TIME_IMPORT = """
import sys, time
sys.path[:0] = {path!r}
start = time.perf_counter()
import {module}
print((time.perf_counter() - start) * 1000)
"""
_PROBE = """
import os
try:
    os.mkdir("__pycache__")
except OSError:
    raise SystemExit(3)
"""


class TimingError(RuntimeError):
    """A timed interpreter failed."""


@dataclass(frozen=True)
class ImportTimes:
    """Cold imports of the handler and of boto3 alone, alternating in fresh interpreters."""

    handler_ms: list[float]
    boto3_ms: list[float]
    flags: tuple[str, ...] = FLAGS

    @property
    def ratio(self) -> float:
        return statistics.median(self.handler_ms) / statistics.median(self.boto3_ms)

    @property
    def extra_ms(self) -> float:
        return statistics.median(self.handler_ms) - statistics.median(self.boto3_ms)

    def summary(self) -> str:
        return (
            f"  cold import  {statistics.median(self.handler_ms):8.1f} ms    "
            f"`import boto3` {statistics.median(self.boto3_ms):.1f} ms: "
            f"×{self.ratio:.2f}, {self.extra_ms:+.1f} ms (medians of {len(self.handler_ms)}"
            f" alternating fresh `python {' '.join(self.flags)}`, the zip unpacked read-only as"
            " on Lambda, boto3 beside it; a figure, not a gate)"
        )


def _as_lambdas_user() -> None:
    """In the child, before it runs Python: root writes through read-only modes, Lambda's user
    does not. Without CAP_DAC_OVERRIDE (dropped from the bounding set, which a root exec's
    permitted set becomes) the task folder's modes hold for a root child too."""
    if os.geteuid() == 0 and sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_CAPBSET_DROP, _CAP_DAC_OVERRIDE, 0, 0, 0)


def _python(flags: tuple[str, ...], code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *flags, "-c", code],
        capture_output=True,
        text=True,
        cwd=cwd,  # Lambda's working directory is its task folder
        env={"PATH": "/usr/bin:/bin"},
        preexec_fn=_as_lambdas_user,
        check=False,
    )


def flags_for(task: Path) -> tuple[str, ...]:
    """FLAGS, when the timed interpreters cannot write into `task`; else FLAGS and -B (never
    write bytecode), so that no run reads a cache an earlier one wrote."""
    probe = _python(FLAGS, _PROBE, task)
    if probe.returncode == 3:
        return FLAGS
    if probe.returncode:
        raise TimingError(f"the probe failed: {probe.stderr[-2000:]}")
    (task / "__pycache__").rmdir()
    return (*FLAGS, "-B")


def cold_import_ms(module: str, path: list[Path], task: Path, flags: tuple[str, ...]) -> float:
    """`import module` in a fresh interpreter, `path` ahead of the standard library."""
    code = _TIME_IMPORT.format(path=[str(entry) for entry in path], module=module)
    done = _python(flags, code, task)
    if done.returncode:
        raise TimingError(f"import {module} failed: {done.stderr[-2000:]}")
    return float(done.stdout)


def import_times(runs: int = 7, zip_path: Path | None = None) -> ImportTimes:
    """The zip (`zip_path`, or one built now) unpacked read-only, boto3's family beside it."""
    with tempfile.TemporaryDirectory(prefix="cruddur-lambda-") as scratch:
        folder = Path(scratch)
        if zip_path is None:
            zip_path = folder / "lambda.zip"
            lambda_package.write_zip(lambda_package.scan().own_files, zip_path)
        task = lambda_package.unpack(zip_path, folder, read_only=True)
        path = [task, lambda_package.runtime_folder(folder)]
        flags = flags_for(task)
        handler, boto3 = [], []
        for _ in range(runs):
            handler.append(cold_import_ms(lambda_package.HANDLER_MODULE, path, task, flags))
            boto3.append(cold_import_ms("boto3", path, task, flags))
    return ImportTimes(handler, boto3, flags)
