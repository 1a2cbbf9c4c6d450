"""The loopback launcher (`LoopbackDynamoDBLocal.java`), compiled once into the user's cache.

Run as a single-file program, Java compiles the source on every start of DynamoDB Local, which
was about half of the time the server took to answer. Compiled once per source, jar and Java,
every later start loads the class. The compiler is the JDK module the single-file launcher
itself runs on (`jdk.compiler`, in Debian's JRE package too), so nothing else is needed; where
it cannot compile or the cache cannot be written, the single-file way still works.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)
SOURCE = Path(__file__).with_name("LoopbackDynamoDBLocal.java")
MAIN_CLASS = "LoopbackDynamoDBLocal"
COMPILE_SECONDS = 120.0


def cache_root() -> Path:
    """$XDG_CACHE_HOME, else ~/.cache (the XDG base directory rule)."""
    configured = os.environ.get("XDG_CACHE_HOME")
    return Path(configured) if configured else Path.home() / ".cache"


def compiled_launcher(java: str, classpath: str) -> Path | None:
    """The folder holding the compiled launcher, compiling it there first if it is not yet;
    None when it cannot be compiled or kept (then run the source)."""
    target = cache_root() / "cruddur" / "dynamodb-local-launcher" / _key(java, classpath)
    if (target / f"{MAIN_CLASS}.class").is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=target.parent))
    except OSError as exc:
        log.info("launcher not cached (%s): compiling it at each start", exc)
        return None
    try:
        command = [
            java,
            *("-m", "jdk.compiler/com.sun.tools.javac.Main"),
            *("--release", "17", "-nowarn", "-cp", classpath, "-d", str(scratch)),
            str(SOURCE),
        ]
        done = subprocess.run(  # noqa: S603 - our own fixed command
            command, capture_output=True, timeout=COMPILE_SECONDS, check=False
        )
        if done.returncode != 0:
            log.info("launcher not compiled: %s", done.stderr.decode(errors="replace")[-500:])
            return None
        try:
            scratch.rename(target)  # atomic: a concurrent start finds all of it or none
        except OSError:
            if not (target / f"{MAIN_CLASS}.class").is_file():
                return None  # neither ours nor another start's: run the source
        return target
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.info("launcher not compiled (%s)", exc)
        return None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _key(java: str, classpath: str) -> str:
    """Another source, jar or Java (its real path and its date) is another compiled class."""
    real = os.path.realpath(java)
    try:
        java_date = str(os.stat(real).st_mtime_ns)
    except OSError:
        java_date = ""
    parts = (SOURCE.read_bytes(), classpath.encode(), real.encode(), java_date.encode())
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:20]
