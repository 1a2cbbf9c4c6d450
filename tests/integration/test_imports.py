"""Every module of the product imports on its own, in a fresh interpreter: no import cycles.
(`cruddur.api` and `cruddur.web` once imported each other: `import cruddur.web.pages` failed.)

One interpreter per module would start Python and its libraries ~160 times. Instead one
interpreter loads the third-party libraries the product uses, and nothing of `cruddur`, then
forks a child per module: each child starts with no `cruddur` module loaded, as a fresh
interpreter does, and an import cycle fails there exactly as it would in one.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import cruddur

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(cruddur.__path__, "cruddur.")
    # Alembic's scripts run inside Alembic only; __main__ runs the command.
    if ".migrations." not in info.name and not info.name.endswith("__main__")
)

# Loaded once before the forks: only libraries, never the product.
LIBRARIES = (
    "aiohttp",
    "boto3",
    "botocore.session",
    "click",
    "cryptography.hazmat.primitives.ciphers.aead",
    "fastapi",
    "jinja2",
    "jwt",
    "pydantic",
    "pydantic_settings",
    "sqlalchemy",
    "starlette.applications",
    "urllib3",
    "uvicorn",
)

CHILDREN = r"""
import importlib, os, sys
for library in sys.argv[2].split(","):
    try:
        importlib.import_module(library)
    except ImportError:
        pass
assert not any(name == "cruddur" or name.startswith("cruddur.") for name in sys.modules)
failed = []
for name in sys.argv[1].split(","):
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read)
        try:
            importlib.import_module(name)
        except BaseException as exc:
            os.write(write, f"{name}: {type(exc).__name__}: {exc}".encode())
            os._exit(1)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as said:
        message = said.read().decode()
    _, status = os.waitpid(child, 0)
    if status != 0:
        failed.append(message or f"{name}: exit status {status}")
print("\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_module_imports_first_in_a_fresh_interpreter():
    assert "cruddur.web.pages" in MODULES
    done = subprocess.run(
        [sys.executable, "-c", CHILDREN, ",".join(MODULES), ",".join(LIBRARIES)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_import_cycle_fails_in_a_child(tmp_path):
    # The check itself can fail: two modules that import each other's names first.
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclic.b import B\nA = 1\n")
    (package / "b.py").write_text("from cyclic.a import A\nB = 1\n")
    done = subprocess.run(
        [sys.executable, "-c", CHILDREN, "cyclic.a,cyclic.b", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path)},
    )
    assert done.returncode == 1
    assert "cyclic.a: ImportError" in done.stdout
    assert "cyclic.b: ImportError" in done.stdout
