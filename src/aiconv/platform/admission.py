"""The conductor's admission hook: may a turn begin, and when has every admitted turn finished.

A ``TurnAdmission`` is asked before a turn claims anything and held until the turn is over. It
refuses a turn by raising ``TurnRefused``, which ``Conductor.play`` lets through to its caller:
refusing is part of this port's contract (unlike observers, which must never raise). The worker's
``TurnGate`` uses it to drain on stop; other uses (quotas, maintenance windows) fit the same seat.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Protocol


class TurnRefused(Exception):
    """An admission hook kept a turn from beginning; nothing was claimed or appended."""


class TurnAdmission(Protocol):
    """Decides whether a turn may begin; held for the whole turn it admits."""

    def admit(self, conversation_id: str, speaker: str) -> contextlib.AbstractContextManager[None]:
        """Enter before the claim, exit when the turn is over; raise ``TurnRefused`` to refuse.

        A claim appended ahead (with the message before it) enters it then, in the task that
        posts that message, and the turn's own task leaves it."""
        ...


class AdmitAll:
    """The default: every turn may begin."""

    def admit(self, conversation_id: str, speaker: str) -> contextlib.AbstractContextManager[None]:
        """Admits (a shared, stateless context: nothing is made per turn)."""
        return _ADMITTED


_ADMITTED = contextlib.nullcontext()


ADMIT_ALL = AdmitAll()


class TurnGate(TurnAdmission):
    """The worker's admission hook: counts turns in flight and, once ``close()`` is called,
    admits no new turn (``TurnRefused`` before the claim is appended)."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.is_closed = False
        self._idle = asyncio.Event()
        self._idle.set()

    def close(self) -> None:
        """From now on, no new turn."""
        self.is_closed = True

    async def drained(self, timeout: float) -> bool:
        """Whether every turn in flight finished within ``timeout`` seconds."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        return self.in_flight == 0

    @contextlib.contextmanager
    def admit(self, conversation_id: str, speaker: str) -> Iterator[None]:
        """Count the turn; when closed, refuse it before it claims anything."""
        if self.is_closed:
            raise TurnRefused(f"not starting a turn of {speaker}: the worker is stopping")
        self.in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self._idle.set()
