"""Cognito's JWKS, fetched and cached.

A token naming a `kid` we do not know triggers a refetch (keys rotate), but at most once per
`min_refetch_seconds`, so a flood of tokens with made-up kids cannot turn into a flood of
requests to the key server.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import httpx
from jwt import PyJWK

from cruddur.adapters.auth.jwks import parse_jwks
from cruddur.errors import Unavailable

log = logging.getLogger(__name__)


class RemoteKeys:
    def __init__(
        self,
        url: str,
        http: httpx.Client,
        min_refetch_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._http = http
        self._min_refetch = min_refetch_seconds
        self.clock = clock  # monotonic seconds; tests move it instead of sleeping
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    def key_for(self, kid: str) -> PyJWK | None:
        key = self._keys.get(kid)
        if key is not None:
            return key
        with self._lock:
            key = self._keys.get(kid)
            if key is None and self._may_fetch():
                self._fetch()
                key = self._keys.get(kid)
            return key

    def _may_fetch(self) -> bool:
        return self._fetched_at is None or self.clock() - self._fetched_at >= self._min_refetch

    def _fetch(self) -> None:
        self._fetched_at = self.clock()
        self.fetches += 1
        try:
            response = self._http.get(self.url)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("JWKS fetch from %s failed: %s", self.url, exc)
            if not self._keys:
                raise Unavailable("the sign-in keys could not be fetched") from exc
            return  # keep the keys we have; the next unknown kid may try again later
        fresh = parse_jwks(document) if isinstance(document, dict) else {}
        if fresh:
            self._keys = fresh
        log.info("JWKS fetched from %s: %d keys", self.url, len(fresh))
