"""Shared fixtures: one in-memory DynamoDB Local per session, a fresh table per test."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import sqlalchemy
from pydantic import SecretStr

from cruddur import bootstrap, storage
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.dynamodb.stores.inbox_rows import InboxUpdates
from cruddur.config import Settings
from cruddur.domain.model import UserRef
from cruddur.errors import TableMissing
from cruddur.local.dynamodb_local import DynamoDBLocal
from cruddur.services.context import MessagingContext
from tests.boto import control_of
from tests.own_loop import run
from tests.processes import processes_owned_by
from tests.session_services import SERVICES_KEY, TestServices

# Tests talk to loopback only: make sure no AWS default endpoint or profile leaks in.
os.environ.pop("AWS_PROFILE", None)
os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
# Tests send and sign up far faster than people do, and with REDIS_URL the counts live in the
# machine's Redis across runs: lift the per-user and per-address limits for every process the
# tests start. The limits' own tests set theirs low explicitly.
for _name in ("SEND_PER_MINUTE", "SIGNUPS_PER_HOUR", "LOGINS_PER_ADDRESS"):
    os.environ[f"CRUDDUR_LIMIT_{_name}"] = "100000"


@pytest.fixture(scope="session")
def postgres_admin_url(request: pytest.FixtureRequest) -> str:
    """A PostgreSQL server's superuser URL: the one CRUDDUR_TEST_DATABASE_URL names, else a
    throwaway cluster of this session's (tests.session_services.py)."""
    return _services(request.config).postgres_admin_url()


@pytest.fixture(scope="session")
def redis_url(request: pytest.FixtureRequest) -> str:
    """A Redis the tests may write to (each test its own keys): CRUDDUR_TEST_REDIS_URL, else one
    this session started on a free port."""
    return _services(request.config).redis_url()


@pytest.fixture(scope="session")
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    name = f"cruddur_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield str(
        sqlalchemy.engine.make_url(postgres_admin_url).set(
            drivername="postgresql+psycopg", database=name
        )
    )
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@contextmanager
def moto_server(**env: str) -> Iterator[str]:
    """`moto_server` on a free loopback port, with `env` added to its environment; its URL.

    The port is free when chosen but taken only once moto has imported (a second or two): a
    server another worker starts meanwhile may get it, and then answer in its place (without
    `env`: a moto that checks no signature). So the answering socket must be this process's
    own, or it starts again on another port."""
    for _ in range(5):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("moto_server")),
                "-H",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **env},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            if _answers_as_itself(server, url, port):
                yield url
                return
        finally:
            server.terminate()
            server.wait(timeout=10)
    raise RuntimeError("moto_server never held the port it was given")


def _answers_as_itself(server: subprocess.Popen[bytes], url: str, port: int) -> bool:
    deadline = time.monotonic() + 30
    while server.poll() is None:
        try:
            httpx.get(f"{url}/moto-api/", timeout=1)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
            continue
        return _listens(server.pid, port)
    return False  # it exited: the port was taken


def _listens(pid: int, port: int) -> bool:
    """Whether process `pid` holds the socket listening on `port` (read from /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    fds = Path(f"/proc/{pid}/fd")
    held = set()
    for fd in fds.iterdir():
        with contextlib.suppress(OSError):
            held.add(os.readlink(fd))
    return any(f"socket:[{inode}]" in held for inode in inodes)


# Under pytest-xdist the controller starts the one DynamoDB Local and every worker uses it (each
# test has tables of its own): one JVM starting instead of one per worker, which on two cores
# cost both workers most of ten seconds. Without xdist the session fixture starts its own.
_SHARED_ENDPOINT = "cruddur_dynamodb_local_port"
_shared_server = pytest.StashKey[DynamoDBLocal]()


def _services(config: pytest.Config) -> TestServices:
    found = config.stash.get(_test_services, None)
    if found is None:
        # A worker takes the controller's; a session without xdist starts its own, lazily.
        given = getattr(config, "workerinput", {}).get(SERVICES_KEY)
        found = config.stash[_test_services] = TestServices(given)
    return found


_test_services = pytest.StashKey[TestServices]()


def pytest_configure(config: pytest.Config) -> None:
    distributing = getattr(config.option, "dist", "no") != "no"
    if distributing and not hasattr(config, "workerinput"):
        config.stash[_shared_server] = DynamoDBLocal().start()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:  # pytest-xdist's, run by the controller
    node.workerinput[_SHARED_ENDPOINT] = node.config.stash[_shared_server].port
    # PostgreSQL and Redis: started by the controller the first time a worker is configured, so
    # the workers share one of each (each test keeps to its own database and keys).
    node.workerinput[SERVICES_KEY] = _services(node.config).shared()


@pytest.fixture(scope="session")
def dynamodb_local(request: pytest.FixtureRequest) -> Iterator[DynamoDBLocal]:
    port = getattr(request.config, "workerinput", {}).get(_SHARED_ENDPOINT)
    if port is not None:
        yield DynamoDBLocal(port=port)  # the controller's: it runs and stops it
        return
    with DynamoDBLocal() as server:
        yield server


def fresh_settings(dynamodb_local: DynamoDBLocal, data_dir: Path) -> Settings:
    """Settings of a table and a data dir no other test uses."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    return Settings(
        aws_endpoint_url=dynamodb_local.endpoint_url,
        table_name=name,
        # Its own keys table: the demo users' fixed uuids would otherwise meet keys wrapped
        # under another test's data keys. (The CLI, run in-process, takes it from the
        # environment: the `settings` fixture sets it there too.)
        keys_table_name=f"{name}-keys",
        data_dir=data_dir,
        cursor_secret=SecretStr("test-cursor-secret-0123456789"),
    )


@contextmanager
def fresh_store(settings: Settings) -> Iterator[ConversationTable]:
    """The API's store on a new table, dropped after; its calls run on the tests' loop
    (tests/own_loop.py)."""
    store = storage.build_store(settings, meter=CapacityMeter())
    definition = dynamo_schema.table_definition(settings.table_name)
    dynamo_schema.create_table(control_of(store), definition)
    yield store
    run(store.close())
    dynamo_schema.drop_table(control_of(store), settings.table_name)
    with contextlib.suppress(TableMissing):
        dynamo_schema.drop_table(control_of(store), settings.keys_table)


@pytest.fixture
def settings(
    dynamodb_local: DynamoDBLocal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    made = fresh_settings(dynamodb_local, tmp_path / "data")
    monkeypatch.setenv("CRUDDUR_KEYS_TABLE_NAME", made.keys_table)
    return made


@pytest.fixture
def store(settings: Settings) -> Iterator[ConversationTable]:
    with fresh_store(settings) as store:
        yield store


NewStore = Callable[[Settings], ConversationTable]


@pytest.fixture
def new_store() -> Iterator[NewStore]:
    """Builds more stores (other settings, other keys), closed after the test."""
    made: list[ConversationTable] = []

    def build(settings: Settings) -> ConversationTable:
        made.append(storage.build_store(settings))
        return made[-1]

    yield build
    for store in made:
        run(store.close())


@pytest.fixture
def inbox(settings: Settings, store: ConversationTable) -> InboxUpdates:
    """The stream processor's writer of the same table, metered with the store."""
    return InboxUpdates(storage.build_table(settings, store.table.meter))


@pytest.fixture
def ctx(settings: Settings, store: ConversationTable) -> MessagingContext:
    return bootstrap.build_messaging(settings, store)


def make_user(handle: str) -> UserRef:
    return UserRef(str(uuid.uuid4()), handle, handle.title())


@pytest.fixture
def alice() -> UserRef:
    return make_user("alice")


@pytest.fixture
def bob() -> UserRef:
    return make_user("bob")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shared = session.config.stash.get(_shared_server, None)
    if shared is not None:
        shared.stop()
    services = session.config.stash.get(_test_services, None)
    if services is not None:
        services.stop()
    # Runs after every fixture is torn down: any DynamoDB Local this session started and left
    # running fails the session.
    left = processes_owned_by(os.getpid())
    if left:
        session.exitstatus = 1
        print(f"\nERROR: DynamoDB Local processes left running by the tests: {left}")


# Tests that start browsers, servers, CDK synths or load floods, or wait on real time: `slow`.
# `make test` runs every test; `make quick` leaves these out for a fast loop while coding.
SLOW_PATHS = (
    "tests/browser/",
    "tests/attack/",
    "tests/infra/",
    "tests/e2e/test_up.py",
    "tests/integration/test_bench.py",
    "tests/integration/test_imports.py",
    "tests/integration/test_lambda_zip.py",
    "tests/integration/test_poller.py",
    "tests/integration/test_launcher.py",
    # A Redis of their own, started, stopped and restarted:
    "tests/e2e/test_live_redis_restart.py",
    "tests/e2e/test_revocation.py",
)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # `make quick` (-m "not slow") does not even import the slow modules: the CDK's (a jsii
    # node process), Playwright's and the attack suite's imports were most of its collection.
    if config.getoption("markexpr") != "not slow":
        return None
    root = Path(str(config.rootpath)).resolve()
    if not collection_path.resolve().is_relative_to(root):
        return None
    path = collection_path.resolve().relative_to(root).as_posix()
    return True if path.startswith(SLOW_PATHS) or f"{path}/".startswith(SLOW_PATHS) else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))
    for item in items:
        path = Path(str(item.path)).relative_to(root).as_posix()
        if path.startswith(SLOW_PATHS):
            item.add_marker(pytest.mark.slow)
