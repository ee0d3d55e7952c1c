"""The conductor's admission hook: may a turn begin, and when has every admitted turn finished.

A ``TurnAdmission`` is asked before a turn claims anything and held until the turn is over. It
refuses a turn by raising ``TurnRefused``, which ``Conductor.play`` lets through to its caller:
refusing is part of this port's contract (unlike observers, which must never raise). The worker's
``TurnGate`` uses it to drain on stop; other uses (quotas, maintenance windows) fit the same seat.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Protocol


class TurnRefused(Exception):
    """An admission hook kept a turn from beginning; nothing was claimed or appended."""


class TurnAdmission(Protocol):
    """Decides whether a turn may begin; held for the whole turn it admits."""

    def admit(self, conversation_id: str, speaker: str) -> contextlib.AbstractContextManager[None]:
        """Enter before the claim, exit when the turn is over; raise ``TurnRefused`` to refuse."""
        ...


class AdmitAll:
    """The default: every turn may begin."""

    @contextlib.contextmanager
    def admit(self, conversation_id: str, speaker: str) -> Iterator[None]:
        """Admits."""
        yield


ADMIT_ALL = AdmitAll()
