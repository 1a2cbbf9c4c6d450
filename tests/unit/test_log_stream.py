"""The block-buffered log stream: lines arrive a block at a time, soon, in order, all of them;
a warning at once; nothing waits past an orderly exit."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from typing import Any

from cruddur.logs import BufferedStream

# Generous: the test asserts that lines arrive, not how fast (the machine's speed varies).
PATIENCE = 20.0


class Recording:
    """A stream that keeps each write apart, so the test can count the blocks."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def text(self) -> str:
        return "".join(self.writes)


def _logger(handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(f"test.buffered.{id(handler)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger


def _arrived(stream: Recording, lines: int) -> bool:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if stream.text().count("\n") >= lines:
            return True
        time.sleep(0.01)
    return False


def test_many_lines_arrive_in_few_writes_and_in_order() -> None:
    stream = Recording()
    handler = BufferedStream(stream, interval=0.2)
    logger = _logger(handler)
    try:
        for i in range(500):
            logger.info("line %d", i)
        assert _arrived(stream, 500)
        assert stream.text().splitlines() == [f"line {i}" for i in range(500)]
        # One write a line is what this handler exists to avoid.
        assert len(stream.writes) < 50
    finally:
        handler.close()


def test_a_line_left_alone_is_written_without_another_coming() -> None:
    stream = Recording()
    handler = BufferedStream(stream, interval=0.05)
    logger = _logger(handler)
    try:
        logger.info("alone")
        assert _arrived(stream, 1)
        assert stream.text() == "alone\n"
    finally:
        handler.close()


def test_a_warning_is_written_at_once_with_what_waited_before_it() -> None:
    stream = Recording()
    handler = BufferedStream(stream, interval=3600)  # the writer thread never comes in time
    logger = _logger(handler)
    try:
        logger.info("before")
        assert stream.writes == []
        logger.warning("trouble")
        assert stream.text() == "before\ntrouble\n"
    finally:
        handler.close()


def test_a_full_block_is_written_without_waiting() -> None:
    stream = Recording()
    handler = BufferedStream(stream, interval=3600, most=10)
    logger = _logger(handler)
    try:
        for i in range(30):
            logger.info("line %02d", i)
        assert _arrived(stream, 10), "a block past its size limit waited for the timer"
    finally:
        handler.close()


def test_a_message_is_what_its_arguments_were_when_logged() -> None:
    stream = Recording()
    handler = BufferedStream(stream, interval=3600)
    logger = _logger(handler)
    changing = ["then"]
    logger.info("it was %s", changing)
    changing[0] = "later"
    handler.close()
    assert stream.text() == "it was ['then']\n"


def test_an_exception_is_written_at_once_with_its_traceback() -> None:
    stream = Recording()
    handler = BufferedStream(stream, interval=3600)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = _logger(handler)
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            logger.info("caught", exc_info=True)
        assert "ValueError: boom" in stream.text()
    finally:
        handler.close()


def test_close_writes_what_waits() -> None:
    stream = Recording()
    handler = BufferedStream(stream, interval=3600)
    logger = _logger(handler)
    logger.info("last words")
    handler.close()
    assert stream.text() == "last words\n"


def test_an_exiting_process_writes_its_last_lines() -> None:
    """`logging.shutdown` at interpreter exit flushes the handler: a normal exit loses nothing."""
    code = (
        "import logging\n"
        "from cruddur import logs\n"
        "logs.configure('INFO', 'json')\n"
        "for i in range(3): logging.getLogger('cruddur.t').info('bye %d', i)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert [line.count("bye") for line in done.stderr.splitlines()] == [1, 1, 1]


def test_a_broken_stream_does_not_raise_into_the_caller() -> None:
    class Broken(Recording):
        def write(self, text: str) -> Any:
            raise OSError("disk full")

    handler = BufferedStream(Broken(), interval=3600)
    logger = _logger(handler)
    raised = logging.raiseExceptions
    logging.raiseExceptions = False  # logging's own switch for printing the report
    try:
        logger.warning("this write fails")  # must not raise
    finally:
        logging.raiseExceptions = raised
        handler.close()


def test_a_closed_handler_still_writes_each_line() -> None:
    """`logging.config.dictConfig` closes every handler it finds (uvicorn called it once): a
    line logged through a closed handler that is still attached must not wait for nobody."""
    stream = Recording()
    handler = BufferedStream(stream, interval=3600)
    logger = _logger(handler)
    handler.close()
    logger.info("after close")
    assert stream.text() == "after close\n"


def test_a_line_logged_while_a_block_is_written_waits_for_the_next_one() -> None:
    """A finalizer run by the collector in the middle of a write (an unclosed aiohttp session's,
    which asyncio reports with `logger.error`) logs through this handler from inside it. That
    once deadlocked the writing thread on its own lock, and then every thread that logged: a
    test run hung. Now the line waits for the next block, and nothing waits for ever."""
    handler = BufferedStream(Recording(), interval=0.05)
    logger = _logger(handler)
    inner: list[bool] = []

    class Reentrant(Recording):
        def write(self, text: str) -> int:
            if not inner:
                inner.append(True)
                logger.error("logged from inside a write")  # as a finalizer would
            return super().write(text)

    handler.stream = stream = Reentrant()
    done = threading.Event()

    def log_a_warning() -> None:
        logger.warning("the first line")
        done.set()

    threading.Thread(target=log_a_warning, daemon=True).start()
    assert done.wait(PATIENCE), "the handler deadlocked on itself"
    deadline = time.monotonic() + PATIENCE
    while "logged from inside a write" not in stream.text() and time.monotonic() < deadline:
        time.sleep(0.01)
    text = stream.text()
    assert text.index("the first line") < text.index("logged from inside a write")
    handler.close()
