"""The PostgreSQL and the Redis a test session talks to: the ones named by
CRUDDUR_TEST_DATABASE_URL and CRUDDUR_TEST_REDIS_URL, else servers of its own, started when a test
first asks and stopped at the session's end. No test uses a service it did not start or was not
pointed at (the machine's own on 5432 and 6379 are never assumed)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from tests.postgres_server import PostgresServer
from tests.redis_server import RedisServer

# The key under which pytest-xdist's controller hands its services' URLs to the workers.
SERVICES_KEY = "cruddur_test_services"
DATABASE_ENV = "CRUDDUR_TEST_DATABASE_URL"
REDIS_ENV = "CRUDDUR_TEST_REDIS_URL"


class TestServices:
    """URLs given (by the environment or the controller) or servers started on demand."""

    __test__ = False  # not a test class, whatever pytest's naming rule says

    def __init__(self, given: dict[str, str] | None = None) -> None:
        given = given or {}
        self._postgres_url = given.get("postgres") or os.environ.get(DATABASE_ENV) or None
        self._redis_url = given.get("redis") or os.environ.get(REDIS_ENV) or None
        self._postgres: PostgresServer | None = None
        self._redis: RedisServer | None = None

    def postgres_admin_url(self) -> str:
        if self._postgres_url is None:
            self._postgres = PostgresServer().start()
            self._postgres_url = self._postgres.admin_url
        return self._postgres_url

    def redis_url(self) -> str:
        if self._redis_url is None:
            if shutil.which("redis-server") is None:
                raise RuntimeError(
                    "redis-server was not found: sudo apt-get install redis-server "
                    f"(or set {REDIS_ENV})"
                )
            self._redis = RedisServer(Path(tempfile.mkdtemp(prefix="cruddur-redis-")))
            self._redis.start()
            self._redis_url = self._redis.url
        return self._redis_url

    def shared(self) -> dict[str, str]:
        """Both URLs, starting what is not running: for the workers of one session."""
        return {"postgres": self.postgres_admin_url(), "redis": self.redis_url()}

    def stop(self) -> None:
        if self._postgres is not None:
            self._postgres.stop()
            self._postgres = None
        if self._redis is not None:
            self._redis.stop()
            shutil.rmtree(self._redis.work, ignore_errors=True)
            self._redis = None
