"""Work that loses its cancellation, as libraries make it: the tests of cancelling again."""

from __future__ import annotations

import asyncio
from typing import NoReturn


async def wait_taking_back_cancellation(taken_back: list[bool]) -> NoReturn:
    """Wait for ever; take the first cancellation back (``Task.uncancel``, as a timeout racing
    it does), note it in ``taken_back`` and wait on as if never cancelled. A second
    cancellation ends it."""
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        assert task is not None and not taken_back
        task.uncancel()
        taken_back.append(True)
    await asyncio.Event().wait()
    raise AssertionError("unreachable")
