"""aiconv: autonomous conversations between AI agents, on an event-sourced log.

The public API::

    async with aiconv.open_log("sqlite:///runs.db") as log:
        result = await aiconv.run_conversation(
            log,
            participants=[
                aiconv.Participant("customer", "mock"),
                aiconv.Participant("support", "mock"),
            ],
            topic="Lost card replacement",
            max_turns=30,
        )
        print(result.ended.reason, result.summary.cost_usd)
"""

from typing import TYPE_CHECKING

from aiconv.agents.toolbox import ToolBox, ToolCallContext, ToolError, ToolOutcomeUnknown
from aiconv.agents.tools.python import tool
from aiconv.api import ConversationResult, EventCallback, Participant, run_conversation
from aiconv.errors import (
    AiconvError,
    ConfigError,
    ConversationNotFound,
    LogUnavailable,
    ProviderError,
    SequenceConflict,
)
from aiconv.platform.events import StopConfig
from aiconv.platform.projections import Summary
from aiconv.queues.log import ConversationLog
from aiconv.queues.urls import connect_log, open_log

if TYPE_CHECKING:  # type checkers see the module; at run time it is imported on first use
    from aiconv.simulation import personas


def __getattr__(name: str) -> object:
    """``aiconv.personas`` (the built-in personas), imported on first use only."""
    if name == "personas":
        from aiconv.simulation import personas

        return personas
    raise AttributeError(f"module 'aiconv' has no attribute {name!r}")


__all__ = [
    "AiconvError",
    "ConfigError",
    "ConversationLog",
    "ConversationNotFound",
    "ConversationResult",
    "EventCallback",
    "LogUnavailable",
    "Participant",
    "ProviderError",
    "SequenceConflict",
    "StopConfig",
    "Summary",
    "ToolBox",
    "ToolCallContext",
    "ToolError",
    "ToolOutcomeUnknown",
    "connect_log",
    "open_log",
    "personas",
    "run_conversation",
    "tool",
]
