"""Offline providers: no key, no network. ``mock`` (seeded, topic-aware chatter; with
``tools=auto`` it calls the tools it is given, see ``aiconv.agents.tool_policy``), ``echo`` and
``script:PATH`` (replays recorded replies). They behave like real providers: usage, latency,
retryable failures on demand.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
from dataclasses import dataclass

from aiconv.agents import chatter, tool_policy
from aiconv.agents.messages import (
    ChatReply,
    ChatRequest,
    ToolCall,
    Usage,
    estimate_tokens,
    request_tokens,
    to_json,
)
from aiconv.agents.provider import ChatProvider, DeltaCallback
from aiconv.agents.registry import AgentSpec
from aiconv.errors import ProviderError, UnknownAgent
from aiconv.validation import MAX_INT, SEED, parse_number

#: The longest reply time a ``mock`` agent may be given (an hour: a stand-in for a slow model).
MAX_LATENCY_S = 3600.0


@dataclass(frozen=True, slots=True, kw_only=True)
class MockOptions:
    """``mock:turns=N,latency=A[-B],fail=P,seed=S,tools=auto|off``."""

    turns: int = 4
    latency: tuple[float, float] = (0.0, 0.0)
    fail: float = 0.0
    seed: int | None = None
    #: ``auto``: call the tools a request offers (a tool-using agent); ``off``: ignore them.
    tools: str = "off"

    @classmethod
    def parse(cls, spec: AgentSpec) -> MockOptions:
        """Validated options from an agent spec; UnknownAgent says what is wrong."""
        known = {"turns", "latency", "fail", "seed", "tools"}
        unknown = set(spec.options) - known
        if unknown:
            raise UnknownAgent(
                f"agent {spec.agent_id!r}: unknown option {sorted(unknown)[0]!r}; "
                f"mock takes {', '.join(sorted(known))}"
            )
        range_rule = "latency A or A-B with 0 <= A <= B"
        try:
            low, dash, high = ascii_number(spec.options.get("latency", "0")).partition("-")
            if dash and not (low and high):  # '-1', '1-', '-': not a range, nor a number >= 0
                raise UnknownAgent(f"agent {spec.agent_id!r}: {range_rule}")
            latency = (float(low), float(high or low))
            turns = int(ascii_number(spec.options.get("turns", "4")))
            if turns > MAX_INT:  # as a seed: what no log stores as a number is not a count
                raise ValueError(f"turns must be a whole number that fits in 64 bits ({turns})")
            options = cls(
                turns=turns,
                latency=latency,
                fail=float(ascii_number(spec.options.get("fail", "0"))),
                seed=seed_option(spec),
                tools=spec.options.get("tools", "off"),
            )
        except ValueError as exc:
            raise UnknownAgent(f"agent {spec.agent_id!r}: bad option value ({exc})") from None
        if options.tools not in ("auto", "off"):
            raise UnknownAgent(f"agent {spec.agent_id!r}: tools must be auto or off")
        # Written so that NaN (which compares false with everything) fails each test.
        if not (options.turns >= 0 and 0 <= options.fail <= 1 and 0 <= latency[0] <= latency[1]):
            raise UnknownAgent(
                f"agent {spec.agent_id!r}: turns must be >= 0, fail in 0..1, {range_rule}"
            )
        if not math.isfinite(latency[1]):
            raise UnknownAgent(f"agent {spec.agent_id!r}: latency must be a finite number")
        if latency[1] > MAX_LATENCY_S:  # "1e20" for "1e-2" would wait for ever, silently
            raise UnknownAgent(
                f"agent {spec.agent_id!r}: latency must be at most {MAX_LATENCY_S:g} seconds"
            )
        return options


def ascii_number(text: str) -> str:
    """``text``, the spelling of a number as people write it; ValueError for one that only
    Python reads as a number (``５``, ``٣``, ``1_0``: int() and float() take them)."""
    if not text.isascii() or "_" in text:
        raise ValueError(f"{text!r} is not written with the digits 0-9")
    return text


def seed_option(spec: AgentSpec) -> int | None:
    """The ``seed=S`` option of an offline agent (0..2^63-1, as ``--seed``); UnknownAgent
    for any other value."""
    text = spec.options.get("seed")
    if text is None:
        return None
    try:
        return int(parse_number(text, SEED))
    except ValueError as exc:
        raise UnknownAgent(f"agent {spec.agent_id!r}: seed {exc}") from None


class MockProvider(ChatProvider):
    """Deterministic, varied, topic- and persona-aware replies; ends itself after ``turns``."""

    name = "mock"

    def __init__(self, options: MockOptions | None = None, *, model: str = "mock-chat") -> None:
        self.options = options or MockOptions()
        self.model = model
        self._calls = 0

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """A generated reply after the configured latency; may fail on purpose."""
        own_turn = _own_turn(request)
        rng = random.Random(self._seed(request, own_turn))
        low, high = self.options.latency
        if high > 0:
            await asyncio.sleep(rng.uniform(low, high))
        self._calls += 1
        # Failures vary per attempt (a retry of the same turn may succeed); text does not.
        if self.options.fail and self._fails(request, own_turn):
            raise ProviderError("mock: injected failure", provider=self.name, retryable=True)
        uses_tools = self.options.tools == "auto"
        calls = tool_policy.plan_calls(request, call_id="mock") if uses_tools else ()
        if calls:
            return self._reply(request, "", calls)
        end = self.options.turns > 0 and own_turn >= self.options.turns
        text = chatter.compose(request, rng, own_turn=own_turn, closing=end)
        results = tool_policy.pending_round(request) if uses_tools else None
        if results:
            text = f"{tool_policy.answer_from(results)}\n{text}"
        if on_delta is not None:
            for piece in re.findall(r"\S+\s*", text):
                on_delta(piece)
        return self._reply(request, text, ())

    def _reply(self, request: ChatRequest, text: str, calls: tuple[ToolCall, ...]) -> ChatReply:
        arguments = sum(estimate_tokens(to_json(c.arguments)) for c in calls)
        return ChatReply(
            content=text,
            model=self.model,
            provider=self.name,
            usage=Usage(
                input_tokens=request_tokens(request),
                output_tokens=estimate_tokens(text) + arguments,
            ),
            cost_usd=0.0,
            finish_reason="tool_calls" if calls else "stop",
            tool_calls=calls,
        )

    def _fails(self, request: ChatRequest, own_turn: int) -> bool:
        chance = random.Random(f"{self._seed(request, own_turn)}|{self._calls}").random()
        return chance < self.options.fail

    def _seed(self, request: ChatRequest, own_turn: int) -> str:
        seed = self.options.seed if self.options.seed is not None else request.context.get("seed")
        return f"{seed}|{request.context.get('speaker')}|{own_turn}|{request.context.get('topic')}"

    async def aclose(self) -> None:
        """Nothing to release."""


def _own_turn(request: ChatRequest) -> int:
    """Which of its own turns the speaker is taking: from the conversation when the request
    carries it (the prompt keeps only the newest messages), else counted in the request."""
    recorded = request.context.get("own_turn")
    if isinstance(recorded, int) and recorded > 0:
        return recorded
    return 1 + sum(1 for m in request.messages if m.role == "assistant" and not m.tool_calls)


class EchoProvider(ChatProvider):
    """Repeats the last message it was sent (handy for wiring tests)."""

    name = "echo"

    def __init__(self, *, model: str = "echo") -> None:
        self.model = model

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The last user message, or the topic when there is none."""
        users = [m.content for m in request.messages if m.role == "user"]
        text = users[-1] if users else str(request.context.get("topic", ""))
        if on_delta is not None:
            on_delta(text)
        usage = Usage(input_tokens=request_tokens(request), output_tokens=estimate_tokens(text))
        return ChatReply(
            content=text, model=self.model, provider=self.name, usage=usage, cost_usd=0.0
        )

    async def aclose(self) -> None:
        """Nothing to release."""
