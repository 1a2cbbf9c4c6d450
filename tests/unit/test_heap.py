"""The start-up heap leaves the collector's full passes, and start-up garbage is not kept."""

from __future__ import annotations

import gc
import weakref

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
