"""A throwaway PostgreSQL cluster the test session starts itself (never the machine's own on
5432): `initdb` into a temporary folder, the server on a free loopback port, trust auth, nothing
kept after. Debian keeps the server's programs off the PATH, under /usr/lib/postgresql/N/bin."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

# initdb and the server refuse to run as root: a root session runs them as this account,
# which Debian's postgresql package creates.
SERVER_ACCOUNT = "postgres"
INSTALL_HINT = "sudo apt-get install postgresql (or set CRUDDUR_TEST_DATABASE_URL)"


def _program(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    if not versions:
        raise RuntimeError(f"PostgreSQL's {name} was not found: {INSTALL_HINT}")
    return str(versions[-1])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One cluster; `admin_url` reaches its `postgres` database as the superuser `postgres`."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.work = Path(tempfile.mkdtemp(prefix="cruddur-pg-"))
        self._process: subprocess.Popen[bytes] | None = None
        self._user: str | None = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam(SERVER_ACCOUNT)
            except KeyError:
                raise RuntimeError(
                    f"as root, PostgreSQL needs the '{SERVER_ACCOUNT}' account: {INSTALL_HINT}"
                ) from None
            self._user = SERVER_ACCOUNT
            shutil.chown(self.work, SERVER_ACCOUNT)

    def start(self) -> PostgresServer:
        data = self.work / "data"
        flags = ["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"]
        subprocess.run(
            [_program("initdb"), "-D", str(data), *flags],
            check=True,
            user=self._user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        # Durability off: the cluster lives as long as the session and is deleted after it.
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.work),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
        }
        options = [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")]
        with (self.work / "server.log").open("wb") as log:  # the child keeps its own copy
            self._process = subprocess.Popen(
                [_program("postgres"), "-D", str(data), *options],
                user=self._user,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                log = (self.work / "server.log").read_text(errors="replace")
                raise RuntimeError(f"PostgreSQL did not start:\n{log[-2000:]}")
            try:
                psycopg.connect(self.admin_url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()  # SIGTERM: smart shutdown, sessions are already closed
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
            self._process = None
        shutil.rmtree(self.work, ignore_errors=True)
