"""The garbage collector's settings of a process that plays many conversations: every ``aic``
and ``aic-start`` process, and the benchmark's child processes, which stand for them. It must
not be applied by importing anything: a program that embeds aiconv keeps its own settings.

CPython collects its youngest generation after every 700 net allocations of container objects.
A turn allocates thousands (states, events, messages, futures), nearly all freed by reference
counting; what a collection finds alive moves to the older generations, which are traversed
again and again (with 1,000 conversations in memory, the oldest is large). Collecting the
youngest after 10,000 lets most of a turn's objects die before anyone traverses them. Measured
with 1,000 conversations at once (``benchmarks/concurrency_profile.py``, alternated in the same
minutes): CPU per turn -9 % in memory, -14 % on SQLite; cyclic garbage waits for at most
10,000 allocations more.
"""

from __future__ import annotations

import gc

#: Net allocations of container objects between two collections of the youngest generation.
YOUNG_THRESHOLD = 10_000


def tune_collector() -> None:
    """Collect the youngest generation less often (never more often than it already is)."""
    young, older, oldest = gc.get_threshold()
    if young:  # 0: the collector is off, and stays off
        gc.set_threshold(max(young, YOUNG_THRESHOLD), older, oldest)
