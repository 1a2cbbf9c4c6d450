"""A signed-out token stays signed out: after a restart on the same data (tests/e2e/test_up.py
restarts `cruddur up` itself), with Redis down, and after Redis restarts empty. When the
deny-list cannot be read at all, a request is a 503, never a pass."""

from __future__ import annotations

from pathlib import Path

from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.config import Settings
from tests.e2e.conftest import running
from tests.redis_server import redis_server


def _me(api, member) -> int:
    return int(api.http.get("/api/me", headers=member.auth).status_code)


def test_a_new_process_on_the_same_data_refuses_a_signed_out_token(
    settings: Settings, store: ConversationTable
):
    with running(settings, store) as first:
        ada, bo = first.signup(), first.signup()
        assert first.http.post("/api/auth/logout", headers=ada.auth).status_code == 204
        assert _me(first, ada) == 401
    with running(settings, store) as again:  # nothing in memory: the table remembers
        assert _me(again, ada) == 401
        assert _me(again, bo) == 200


def test_no_signed_out_token_passes_while_redis_is_down_or_after_it_restarts_empty(
    settings: Settings, store: ConversationTable, tmp_path: Path
):
    with (
        redis_server(tmp_path / "redis") as cache,
        running(settings, store, redis_url=cache.url) as api,
    ):
        ada, bo, cy = api.signup(), api.signup(), api.signup()
        for member in (ada, bo, cy):
            assert _me(api, member) == 200  # seen, verified, cached as valid
        assert api.http.post("/api/auth/logout", headers=ada.auth).status_code == 204
        assert _me(api, ada) == 401

        cache.stop()  # an outage: the check asks the table, never passes by default
        for _ in range(3):
            assert _me(api, ada) == 401
            assert _me(api, bo) == 200
        # Signing out during the outage holds too, and afterwards.
        assert api.http.post("/api/auth/logout", headers=bo.auth).status_code == 204
        assert _me(api, bo) == 401

        cache.start()  # back, empty: the cache is refilled from the table first
        for member in (ada, bo):
            assert _me(api, member) == 401
        assert _me(api, cy) == 200

        cache.restart()
        assert _me(api, ada) == 401
        assert _me(api, bo) == 401
        assert _me(api, cy) == 200


def test_a_deny_list_that_cannot_be_read_is_a_503_not_a_pass(
    settings: Settings, store: ConversationTable, tmp_path: Path
):
    with (
        redis_server(tmp_path / "redis") as cache,
        running(settings, store, redis_url=cache.url) as api,
    ):
        ada = api.signup()
        assert _me(api, ada) == 200
        cache.stop()
        # The table is gone too (its name changed under the process): nothing can say
        # whether this token was signed out.
        api.runtime.accounts.revocations.store.table.name = "no-such-table"  # type: ignore[union-attr]
        refused = api.http.get("/api/me", headers=ada.auth)
        assert refused.status_code == 503
        assert refused.json()["errors"][0]["code"]
