"""The start-up heap leaves the collector's full passes, start-up garbage is not kept, large
blocks go back to the system, and threads share one malloc arena."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

import pytest

from cruddur.heap import freeze_startup_heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_freezing_exempts_what_exists_and_collects_garbage_first():
    live = [Node() for _ in range(100)]
    garbage = Node()
    gone = weakref.ref(garbage)
    del garbage
    before = gc.get_freeze_count()
    try:
        freeze_startup_heap()
        assert gone() is None  # collected before the freeze, not frozen in for good
        assert gc.get_freeze_count() > before + len(live)
    finally:
        gc.unfreeze()  # give this test process its collector back


HASH_TWICE = """
import sys
from cruddur.adapters.auth.passwords import _hasher
from cruddur.heap import tune_malloc

def rss_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

if sys.argv[1] == "on":
    tune_malloc()
before = rss_kib()
for _ in range(3):  # the first free is what raises glibc's own threshold
    _hasher.hash("a password of someone signing in")
print(rss_kib() - before)
"""


def _growth_kib(setting: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", HASH_TWICE, setting], capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_a_password_hash_gives_its_memory_back():
    assert _growth_kib("off") > 5 * 1024  # the defect: a hash's 7 MiB kept after it
    assert _growth_kib("on") < 4 * 1024


COUNT_ARENAS = """
import ctypes, sys, threading
from cruddur.heap import tune_malloc

if sys.argv[1] == "on":
    tune_malloc()
libc = ctypes.CDLL("libc.so.6")
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]


def allocate():  # what a request thread does: objects past pymalloc's 512 bytes go to malloc
    kept = [bytearray(4096) for _ in range(200)]
    ready.wait()
    del kept


ready = threading.Event()
threads = [threading.Thread(target=allocate) for _ in range(4)]
for thread in threads:
    thread.start()
ready.set()
for thread in threads:
    thread.join()
stream = libc.fopen(sys.argv[2].encode(), b"w")
libc.malloc_info(0, stream)
libc.fclose(stream)
print(open(sys.argv[2]).read().count("<heap nr="))
"""


def _arenas(setting: str, tmp_path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", COUNT_ARENAS, setting, str(tmp_path / f"malloc-{setting}.xml")],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_threads_share_one_malloc_arena(tmp_path):
    assert _arenas("off", tmp_path) > 1  # the defect: each thread kept an arena of its own
    assert _arenas("on", tmp_path) == 1
