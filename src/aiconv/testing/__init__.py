"""Shipped test doubles: offline providers, the log contract suite, a fake LLM server, helpers.

Teams use these to test their own agents and backends the way aiconv tests itself. The
providers and the fake clock are here by name (``aiconv.testing.ScriptedProvider``); the
contract suite (``aiconv.testing.contract``, which needs pytest), the fake servers and the
process helpers are imported from their own modules.
"""

from aiconv.testing.clock import FakeClock
from aiconv.testing.providers import FunctionProvider, RecordingProvider, ScriptedProvider

__all__ = ["FakeClock", "FunctionProvider", "RecordingProvider", "ScriptedProvider"]
