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

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # type checkers see every name; at run time each is imported on first use
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
    from aiconv.simulation import personas

#: Where each public name lives. ``import aiconv`` imports none of them: the console scripts
#: import this package first, and a Ctrl+C during the second or so the whole platform takes to
#: import must still end as one after start-up does (``aiconv.console``), not in a traceback.
_HOMES = {
    "AiconvError": "aiconv.errors",
    "ConfigError": "aiconv.errors",
    "ConversationLog": "aiconv.queues.log",
    "ConversationNotFound": "aiconv.errors",
    "ConversationResult": "aiconv.api",
    "EventCallback": "aiconv.api",
    "LogUnavailable": "aiconv.errors",
    "Participant": "aiconv.api",
    "ProviderError": "aiconv.errors",
    "SequenceConflict": "aiconv.errors",
    "StopConfig": "aiconv.platform.events",
    "Summary": "aiconv.platform.projections",
    "ToolBox": "aiconv.agents.toolbox",
    "ToolCallContext": "aiconv.agents.toolbox",
    "ToolError": "aiconv.agents.toolbox",
    "ToolOutcomeUnknown": "aiconv.agents.toolbox",
    "connect_log": "aiconv.queues.urls",
    "open_log": "aiconv.queues.urls",
    "personas": "aiconv.simulation.personas",
    "run_conversation": "aiconv.api",
    "tool": "aiconv.agents.tools.python",
}


def __getattr__(name: str) -> object:
    """A public name, imported from its module on first use (then kept here)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'aiconv' has no attribute {name!r}")
    module = importlib.import_module(home)
    value = module if home.endswith(f".{name}") else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


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
