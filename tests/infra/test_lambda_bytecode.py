"""The Lambda zip carries its own bytecode: /var/task is read-only, so Python can never cache it
there, and a zip of sources alone is compiled on every cold start. The timing runs it that way."""

from __future__ import annotations

import importlib.util
import json
import marshal
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import pytest

from cruddur_infra import lambda_package, lambda_timing

# Runs with the task folder read-only and -B: every module that is compiled from source, and
# not loaded from the zip's pyc, goes through SourceLoader.source_to_code.
_SPY = """
import _frozen_importlib_external as external, json, sys
compiled = []
to_code = external.SourceLoader.source_to_code
def spy(self, data, path, *, _optimize=-1):
    compiled.append(path)
    return to_code(self, data, path, _optimize=_optimize)
external.SourceLoader.source_to_code = spy
sys.path[:0] = [{task!r}, {runtime!r}]
import cruddur.stream.lambda_handler
own = sorted(m for m, v in sys.modules.items() if (getattr(v, "__file__", None) or "")
             .startswith({task!r}))
print(json.dumps({{"compiled": compiled, "own": own}}))
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    files = lambda_package.scan().own_files
    out = tmp_path_factory.mktemp("zip") / "lambda.zip"
    lambda_package.write_zip(files, out)
    return out, files


def test_every_module_has_an_unchecked_hash_pyc_of_its_source_in_the_zip(built):
    out, files = built
    tag = "cpython-{}{}".format(*lambda_package.LAMBDA_PYTHON)
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        assert {name for name in names if name.endswith(".py")} == set(files)
        for name in sorted(files):
            folder, _, module = name.rpartition("/")
            cached = importlib.util.cache_from_source(name, optimization="")
            assert cached == f"{folder}/__pycache__/{module[:-3]}.{tag}.pyc"
            pyc, source = archive.read(cached), archive.read(name)
            assert pyc[:4] == importlib.util.MAGIC_NUMBER, name
            assert int.from_bytes(pyc[4:8], "little") == 0b01, name  # hash-based, unchecked
            assert pyc[8:16] == importlib.util.source_hash(source), name
            assert isinstance(marshal.loads(pyc[16:]), types.CodeType)
        assert len(names) == 2 * len(files)  # a source and its pyc, nothing else


def test_the_handler_imports_from_the_zips_bytecode_compiling_nothing(built, tmp_path: Path):
    out, _ = built
    task = lambda_package.unpack(out, tmp_path, read_only=True)
    runtime = lambda_package.runtime_folder(tmp_path)
    code = _SPY.format(task=str(task), runtime=str(runtime))
    done = subprocess.run(
        [sys.executable, "-S", "-E", "-B", "-c", code],
        capture_output=True,
        text=True,
        cwd=task,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert set(report["own"]) == lambda_package.HANDLER_MODULES  # all of them from the task
    assert [path for path in report["compiled"] if path.startswith(str(task))] == []


def test_the_timed_interpreters_cannot_cache_bytecode_in_the_task_folder(tmp_path: Path):
    sources_only = tmp_path / "sources.zip"  # what Python would compile, and cache if it could
    with zipfile.ZipFile(sources_only, "w") as archive:
        archive.writestr("probe_module.py", "VALUE = 1\n")
    task = lambda_package.unpack(sources_only, tmp_path, read_only=True)
    flags = lambda_timing.flags_for(task)
    assert lambda_timing.cold_import_ms("probe_module", [task], task, flags) > 0
    assert [path.name for path in task.rglob("*")] == ["probe_module.py"]


def test_the_import_times_are_taken_as_lambda_runs_the_zip():
    times = lambda_timing.import_times(runs=1)
    assert times.handler_ms[0] > 0
    assert times.boto3_ms[0] > 0
    assert "alternating fresh `python -S -E" in times.summary()
    assert "unpacked read-only as on Lambda" in times.summary()
