"""How every process logs: one line per event, as JSON (one object a line, for CloudWatch Logs
Insights and any log shipper) or as text for a terminal; the request id on every line logged
while a request is served.

What goes in a line is named fields (`extra=`): ids, counts, durations, statuses. Never message
text, tokens, keys or passwords — the callers pass none, and a test greps a whole e2e run's
logs for the texts and tokens it used.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

FORMATS = ("json", "text")
_HANDLER = "cruddur"
# The request being served in this context (set by the API's request log middleware).
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# A client's X-Request-Id is kept only if it is this (anything else could forge log lines).
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
# What a LogRecord holds of its own: everything else on it came from `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "request_id",
}


def request_id_from(header: str | None) -> str:
    """The client's id when well-formed (a load balancer's, a retrying client's), else ours."""
    if header is not None and WELL_FORMED.fullmatch(header):
        return header
    return uuid.uuid4().hex


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The named fields a caller passed with `extra=`."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


# Made once: json.dumps with any option builds a new encoder for every call.
_ENCODE = json.JSONEncoder(default=str, separators=(",", ":")).encode


class JsonFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self._second: tuple[int, str] = (-1, "")

    def _time(self, created: float) -> str:
        """ISO 8601 UTC to the millisecond. The part up to the second is made once a second:
        making a datetime for every line was a sixth of a line's cost."""
        second = int(created)
        if second != self._second[0]:
            stamp = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = (second, stamp)
        return f"{self._second[1]}.{int((created - second) * 1000):03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self._time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid is not None:
            line["request_id"] = rid
        line.update(fields_of(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _ENCODE(line)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = fields_of(record)
        rid = getattr(record, "request_id", None)
        if rid is not None:
            fields = {"request_id": rid, **fields}
        if fields:
            text += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        return text


class BufferedStream(logging.Handler):
    """Records gathered, then formatted and written a block at a time, at most `interval`
    seconds after the first of them; a warning or worse, and everything before it, at once.

    Why: a request's line, formatted and written as it came, cost the API about 5 % of its CPU
    per send (the bench's step 1c) — several times what the same line costs in a loop, because
    between two requests everything else the API ran had pushed the formatter's code and data
    out of the processor's caches, and each line was its own write system call. A block of a
    tenth of a second's lines is formatted in one pass (the code stays warm) and written in one
    call. What the caller's thread still does per line: make the record and append it.

    The price: a process killed with SIGKILL loses the last tenth of a second's INFO lines; an
    orderly exit (SIGTERM included) writes them (`logging.shutdown` at exit). A record's message
    is merged with its arguments when logged, so a later change to an argument cannot alter it.
    A thread writes a block left waiting; it sleeps while nothing waits, so an idle process
    stays idle."""

    def __init__(self, stream: Any, interval: float = 0.1, most: int = 1000) -> None:
        super().__init__()
        self.stream = stream
        self.interval, self.most = interval, most
        self._waiting: list[logging.LogRecord | str] = []
        self._first = 0.0  # when the oldest waiting record came
        # Reentrant: a finalizer the collector runs while this thread holds it (an unclosed
        # aiohttp session's, which asyncio reports with `logger.error`) logs through here.
        self._due = threading.Condition(threading.RLock())
        # Held from taking a block to having written it: blocks leave in the order they came.
        self._writing = threading.Lock()
        self._inside = threading.local()  # this thread is writing a block
        self._closed = False
        self._writer = threading.Thread(target=self._write_late, name="log-writer", daemon=True)
        self._writer.start()

    def emit(self, record: logging.LogRecord) -> None:
        # At once: a warning or worse (an operator needs it now; it may be the last line before
        # a crash), an exception (its traceback holds frames alive), and anything once closed
        # (`logging.config` closes every handler it finds; one may still be attached).
        now = self._closed or record.levelno >= logging.WARNING or record.exc_info is not None
        try:
            if record.args:
                record.msg, record.args = record.getMessage(), None
            item: logging.LogRecord | str = self._line(record) if now else record
        except Exception:  # noqa: BLE001 - logging's own contract: report, never raise
            self.handleError(record)
            return
        with self._due:
            if not self._waiting:
                self._first = time.monotonic()
                self._due.notify()
            self._waiting.append(item)
            full = len(self._waiting) >= self.most
            if full:
                self._first = -self.interval  # due now: the writer takes it at once
                self._due.notify()
        if now:
            self.flush()

    def flush(self) -> None:
        if getattr(self._inside, "writing", False):
            # A line logged from inside this thread's write (a finalizer's): it goes with the
            # next block. Taking `_writing` again here deadlocked this thread on itself, and
            # with it every thread that logged after.
            return
        with self._writing:
            self._inside.writing = True
            try:
                self._write_block()
            finally:
                self._inside.writing = False

    def _write_block(self) -> None:
        with self._due:
            block, self._waiting = self._waiting, []
        if not block:
            return
        try:
            text = "".join(x if isinstance(x, str) else self._line(x) for x in block)
            self.stream.write(text)
            self.stream.flush()
        except Exception:  # noqa: BLE001 - a closed or broken stream: say so, never raise
            self.handleError(logging.makeLogRecord({"msg": f"{len(block)} log lines lost"}))

    def close(self) -> None:
        self.flush()
        with self._due:
            self._closed = True
            self._due.notify()
        super().close()

    def _line(self, record: logging.LogRecord) -> str:
        return self.format(record) + "\n"

    def _write_late(self) -> None:
        while True:
            with self._due:
                while True:
                    if self._closed:
                        return
                    if not self._waiting:
                        self._due.wait()
                        continue
                    left = self._first + self.interval - time.monotonic()
                    if left <= 0:
                        break
                    self._due.wait(left)
            self.flush()


def configure(level: str = "INFO", fmt: str = "text") -> None:
    """The root logger of this process: to stderr, in `fmt` (one of FORMATS)."""
    handler = BufferedStream(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_RequestId())
    handler.set_name(_HANDLER)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER]:
        root.removeHandler(old)  # configured again (tests invoke the CLI in one process)
        old.close()
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Neither format shows the caller's file and line, thread or process: not looking them up
    # for every record is a third of a line's cost (the logging HOWTO's "Optimization").
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None
    for noisy in ("botocore", "httpx", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
