"""DynamoDB Local starts on loopback, answers, and never outlives whoever started it."""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.config import Settings
from cruddur.local import launcher_class
from cruddur.local.dynamodb_local import DynamoDBLocal, LauncherError
from tests.processes import processes_owned_by


def listening_addresses(port: int) -> set[str]:
    """The addresses a socket listens on at `port`, read from the kernel's own tables
    (/proc/net/tcp and tcp6): no `ss` needed, which a minimal machine lacks."""
    found = set()
    for table in ("tcp", "tcp6"):
        path = Path("/proc/net") / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(_address(bytes.fromhex(address)))
    return found


def _address(raw: bytes) -> str:
    # The kernel prints each 32-bit word of the address in host (little-endian) order.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    address = ipaddress.ip_address(words)
    # Java listens on an IPv6 socket: 127.0.0.1 shows as ::ffff:127.0.0.1.
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return str(mapped or address)


def test_it_binds_loopback_only(dynamodb_local):
    addresses = listening_addresses(dynamodb_local.port)
    assert addresses
    assert all("127.0.0.1" in address for address in addresses), addresses


def test_persistent_data_survives_a_restart_and_stop_leaves_no_process(tmp_path: Path):
    settings = Settings(data_dir=tmp_path)
    with DynamoDBLocal(data_dir=tmp_path / "db") as server:
        pid = server.process.pid if server.process else -1
        wire = AwsClients(
            settings.model_copy(update={"aws_endpoint_url": server.endpoint_url})
        ).wire
        dynamo_schema.create_table(wire, dynamo_schema.table_definition("kept"))
    assert not Path(f"/proc/{pid}").exists()
    with DynamoDBLocal(data_dir=tmp_path / "db") as server:
        client = AwsClients(
            settings.model_copy(update={"aws_endpoint_url": server.endpoint_url})
        ).dynamodb()
        assert client.list_tables()["TableNames"] == ["kept"]


def test_a_sigkilled_owner_takes_its_server_along(tmp_path: Path):
    script = textwrap.dedent("""
        import os, sys, time
        from cruddur.local.dynamodb_local import DynamoDBLocal
        server = DynamoDBLocal().start()
        print(os.getpid(), flush=True)
        time.sleep(600)
    """)
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None
    owner_pid = int(owner.stdout.readline())
    assert processes_owned_by(owner_pid)
    os.kill(owner_pid, signal.SIGKILL)
    owner.wait()
    owner.stdout.close()
    deadline = time.monotonic() + 15
    while processes_owned_by(owner_pid):
        assert time.monotonic() < deadline, "DynamoDB Local outlived its owner"
        time.sleep(0.2)


def test_missing_java_or_jar_says_how_to_install(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("CRUDDUR_DYNAMODB_LOCAL_JAR", str(tmp_path / "nope.jar"))
    with pytest.raises(LauncherError, match="npm ci"):
        DynamoDBLocal().start()
    monkeypatch.delenv("CRUDDUR_DYNAMODB_LOCAL_JAR")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LauncherError, match="apt-get install"):
        DynamoDBLocal().start()


def test_the_launcher_is_compiled_once_into_the_cache_and_runs_from_it(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    server = DynamoDBLocal()
    command = server.command()
    assert launcher_class.MAIN_CLASS in command
    assert str(launcher_class.SOURCE) not in command  # not compiled again at start
    [compiled] = (tmp_path / "cache" / "cruddur").rglob(f"{launcher_class.MAIN_CLASS}.class")
    made = compiled.stat().st_mtime_ns
    with server:  # it starts from the class, bound as before
        assert server.answers()
        assert listening_addresses(server.port) == {"127.0.0.1"}
    again = DynamoDBLocal(port=server.port).command()
    assert again[again.index("-cp") + 1] == command[command.index("-cp") + 1]  # the same class
    assert compiled.stat().st_mtime_ns == made


def test_without_a_writable_cache_it_runs_the_source(tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    server = DynamoDBLocal()
    assert str(launcher_class.SOURCE) in server.command()
    with server:
        assert server.answers()
