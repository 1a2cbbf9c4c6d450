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
        return json.dumps(line, default=str, separators=(",", ":"))


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


def configure(level: str = "INFO", fmt: str = "text") -> None:
    """The root logger of this process: to stderr, in `fmt` (one of FORMATS)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_RequestId())
    handler.set_name(_HANDLER)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER]:
        root.removeHandler(old)  # configured again (tests invoke the CLI in one process)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Neither format shows the caller's file and line, thread or process: not looking them up
    # for every record is a third of a line's cost (the logging HOWTO's "Optimization").
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None
    for noisy in ("botocore", "httpx", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
