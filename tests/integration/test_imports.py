"""Every module of the product imports on its own, in a fresh interpreter: no import cycles.
(`cruddur.api` and `cruddur.web` once imported each other: `import cruddur.web.pages` failed.)"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import cruddur

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(cruddur.__path__, "cruddur.")
    # Alembic's scripts run inside Alembic only; __main__ runs the command.
    if ".migrations." not in info.name and not info.name.endswith("__main__")
)


def _import_alone(name: str) -> str | None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {name}"], capture_output=True, text=True, timeout=120
    )
    return None if done.returncode == 0 else f"{name}: {done.stderr.strip().splitlines()[-1]}"


def test_every_module_imports_first_in_a_fresh_interpreter():
    assert "cruddur.web.pages" in MODULES
    with ThreadPoolExecutor(max_workers=2) as pool:
        failed = [line for line in pool.map(_import_alone, MODULES) if line]
    assert failed == []
