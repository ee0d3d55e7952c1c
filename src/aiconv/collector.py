"""The garbage collector's settings of a process that plays many conversations: every ``aic``
and ``aic-start`` process, and the benchmark's child processes, which stand for them. It must
not be applied by importing anything: a program that embeds aiconv keeps its own settings.

CPython collects its youngest generation after every 700 net allocations of container objects.
A turn allocates thousands (states, events, messages, futures), nearly all freed by reference
counting; what a collection finds alive moves to the older generations, which are traversed
again and again (with 1,000 conversations in memory, the oldest is large).

Conversations that wait on a slow provider are served in bursts: a thousand of them wake
within a few milliseconds, each holds its turn's objects (its request, reply, views of the new
message, provisional states) until its append, and the next burst comes 200 ms later. At
10,000 a young collection fell inside nearly every burst and promoted what the burst still
held, so the middle and the oldest generation were collected again and again (26 collections
during 1,000 conversations of 10 turns, one of them a full one of ~120-160 ms); and none of
them found anything to free (20 objects in the whole run: these objects form no cycles).
At 50,000, most of a burst dies before a collection looks at it: 5 collections, the
collector's CPU in that run 0.61-0.72 -> 0.23-0.26 s (~0.045 ms a turn; 4-turn conversations:
0.27-0.31 -> 0.07-0.10 s). Cyclic garbage waits for at most 50,000 allocations more; the
longest pause of a young collection grows with it (a few tens of ms at 1,000 conversations;
the full collection it replaces took longer).
"""

from __future__ import annotations

import gc

#: Net allocations of container objects between two collections of the youngest generation.
YOUNG_THRESHOLD = 50_000


def tune_collector() -> None:
    """Collect the youngest generation less often (never more often than it already is)."""
    young, older, oldest = gc.get_threshold()
    if young:  # 0: the collector is off, and stays off
        gc.set_threshold(max(young, YOUNG_THRESHOLD), older, oldest)
