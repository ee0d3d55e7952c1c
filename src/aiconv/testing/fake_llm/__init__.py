"""A wire-compatible fake LLM server (Anthropic Messages, OpenAI Chat Completions, Gemini
generateContent, streaming included) with fault injection, for tests and for trying
real-provider mode without keys: ``python -m aiconv.testing.fake_llm --port 8765``.
"""

from aiconv.testing.fake_llm.faults import Fault, Faults, fault_json
from aiconv.testing.fake_llm.server import FakeLLM, Received

__all__ = ["FakeLLM", "Fault", "Faults", "Received", "fault_json"]
