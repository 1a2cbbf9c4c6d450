"""The start-up heap leaves the collector's full passes, start-up garbage is not kept, and
large blocks go back to the system."""

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
from cruddur.adapters.passwords import _hasher
from cruddur.heap import return_large_blocks

def rss_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

if sys.argv[1] == "on":
    return_large_blocks()
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
    assert _growth_kib("off") > 15 * 1024  # the defect: 19 MiB kept after a hash
    assert _growth_kib("on") < 4 * 1024
