"""Pausing Python's cyclic garbage collector while a whole-graph answer is decoded and shaped.

A whole-graph answer allocates hundreds of thousands of small containers (the province's
co-involvement projection: 91,400 groups, ~500,000 lists, tuples and sets). Each 700 new containers
start a young collection, and every tenth of those an older one, so the collector walked the
growing answer again and again: 0.6–1.0 s of `risk_clusters`' 1.7–2.2 s on the province (measured
with the collector disabled around the same call: 1.1 s). Reference counting still frees what
these answers drop; only reference cycles wait for the collector, and it runs again as soon as
the last pause ends.

The collector is one per process and the API answers on several threads, so pauses are counted:
the collector comes back when the last one ends. Should pauses overlap without a break (a stream
of whole-graph queries), a full collection runs at the end of a pause once a minute has passed
since the collector last ran, so cycles cannot pile up.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["MAX_PAUSE_SECONDS", "gc_paused"]

MAX_PAUSE_SECONDS = 60.0
"""Longest stretch of overlapping pauses before a pause's end runs a full collection anyway."""

_lock = threading.Lock()
_pauses = 0
_resume = True  # whether the collector was enabled when the first of the current pauses began
_since = 0.0  # when the collector last ran or the first current pause began (time.monotonic)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off (see the module docstring)."""
    global _pauses, _resume, _since
    with _lock:
        if _pauses == 0:
            _resume, _since = gc.isenabled(), time.monotonic()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0:
                if _resume:
                    gc.enable()
            elif _resume and time.monotonic() - _since > MAX_PAUSE_SECONDS:
                gc.collect()
                _since = time.monotonic()
