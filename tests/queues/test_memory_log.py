"""The in-memory log passes the shipped contract suite."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aiconv.queues.log import ConversationLog
from aiconv.queues.memory import InMemoryLog
from aiconv.testing.contract import ConversationLogContract


class TestInMemoryLog(ConversationLogContract):
    @pytest.fixture
    async def log(self) -> AsyncIterator[ConversationLog]:
        log = InMemoryLog()
        yield log
        await log.close()


def test_memory_log_declares_its_backend() -> None:
    """The backend name is what `aic` shows and metrics label."""
    assert InMemoryLog.backend == "memory"
    assert isinstance(InMemoryLog(), ConversationLog)
