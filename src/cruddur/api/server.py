"""Running the API with uvicorn in a background thread, on a socket we bind ourselves.

Binding first means a taken port is a clear error before anything starts, port 0 picks a free
port (tests, side-by-side instances), and the caller knows the real address.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from fastapi import FastAPI

from cruddur.api.http_protocol import BoundedHttpToolsProtocol
from cruddur.config import Settings
from cruddur.errors import Unavailable


class PortInUse(Unavailable):
    code = "port_in_use"


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it Nagle's algorithm meets delayed ACKs and every response waits ~40 ms.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortInUse(f"cannot listen on {host}:{port} ({exc.strerror}); choose --port") from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class ApiServer:
    def __init__(
        self,
        app: FastAPI,
        host: str = "127.0.0.1",
        port: int = 4567,
        forwarded_allow_ips: str = "",
    ) -> None:
        self.app = app
        self.socket = bind(host, port)
        self.host, self.port = self.socket.getsockname()[:2]
        # httptools and uvloop (dependencies) rather than h11 and asyncio's loop: measured in
        # `make bench`, a round trip that does nothing costs ~20 % less. Live-update streams
        # stay open; on stop they get a few seconds, then are closed.
        settings = getattr(getattr(app.state, "runtime", None), "settings", None) or Settings()
        config = uvicorn.Config(
            app,
            # httptools, with bounds on the head's size and on how long head and body take
            http=BoundedHttpToolsProtocol.bounded(
                settings.request_head_timeout, settings.request_body_timeout
            ),
            # Past this many open connections (and requests in flight) new ones get a 503.
            limit_concurrency=settings.max_connections,
            loop="auto",  # uvloop where it is installed
            # The process's logging is ours (cruddur.logs): uvicorn's dictConfig would shut our
            # handlers down (dictConfig closes every existing handler) and its lines would skip
            # the JSON format. Its own loggers then reach ours through the root.
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=3,
            # The limits count by client address: take X-Forwarded-For from trusted proxies
            # (the load balancer) only, never from anyone else.
            proxy_headers=bool(forwarded_allow_ips),
            forwarded_allow_ips=forwarded_allow_ips or None,
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 15.0) -> ApiServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise Unavailable("the API server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        state = self.app.state
        loop = getattr(state, "loop", None)
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(state.stopping.set)
        self.server.should_exit = True
        self._thread.join(timeout=10)
        self.socket.close()

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
