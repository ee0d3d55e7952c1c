"""``bank-agent``: an offline, rule-based Harbor Bank support agent that calls the banking tools.

It reads the conversation and the tools it is offered, asks for identification, verifies the
caller, calls the right tools with the right arguments, tells the customer the facts and hands
over when the policy says so (``planner``). With ``mistakes=R`` it makes realistic mistakes —
each kind in ``MISTAKES`` with probability R per conversation, decided by the seed and the
conversation id, so a run is reproducible: ``bank-agent:mistakes=0.2,seed=7`` (``kinds=a+b``
limits which kinds). No key, no network.
"""

from __future__ import annotations

import hashlib
import math
import random

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
from aiconv.agents.providers.offline import ascii_number, seed_option
from aiconv.agents.registry import AgentSpec, Vendor
from aiconv.environments.banking.agent.memory import Memory
from aiconv.environments.banking.agent.planner import plan
from aiconv.errors import UnknownAgent

#: The mistakes a careless agent makes, each with the configured rate.
MISTAKES = (
    "skip_verification",  # looks the caller up by name and ZIP, never checks the birth date
    "wrong_card",  # acts on another of the customer's cards
    "wrong_reason",  # blocks a stolen card as lost (or a lost one as stolen)
    "wrong_amount",  # misreads an amount: a balance, or how much to dispute
    "unverified_address",  # sends the replacement to an address that is not verified
    "forget_fact",  # does not tell the delivery time, or the dispute's credit and review time
    "no_transfer",  # tells the caller to phone a team instead of transferring them
    "ignore_policy",  # unblocks a stolen card, disputes a charge older than the window
)


def planned_mistakes(
    rate: float, seed: object, conversation_id: str, kinds: tuple[str, ...] = MISTAKES
) -> frozenset[str]:
    """The mistakes the agent makes in one conversation (a function of its arguments)."""
    chosen = set()
    for kind in kinds:
        draw = random.Random(f"{seed}|{conversation_id}|{kind}").random()
        if draw < rate:
            chosen.add(kind)
    return frozenset(chosen)


class BankAgentProvider(ChatProvider):
    """The rule-based agent behind ``bank-agent``."""

    name = "bank-agent"

    def __init__(
        self,
        *,
        mistakes: float = 0.0,
        seed: int | None = None,
        kinds: tuple[str, ...] = MISTAKES,
        model: str = "bank-agent",
    ) -> None:
        self.mistakes = mistakes
        self.seed = seed
        self.kinds = kinds
        self.model = model

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The next tool calls or message."""
        seed = self.seed if self.seed is not None else request.context.get("seed")
        conversation = str(request.context.get("conversation_id", ""))
        mistakes = planned_mistakes(self.mistakes, seed, conversation, self.kinds)
        offered = (
            frozenset(t.name for t in request.tools)
            if request.tool_choice != "none"
            else (frozenset())
        )
        memory = Memory.of(request)
        move = plan(memory, mistakes, offered)
        calls = tuple(
            ToolCall(
                id=_call_id(conversation, len(memory.items), index, name),
                name=name,
                arguments=dict(arguments),
            )
            for index, (name, arguments) in enumerate(move.calls)
        )
        if on_delta is not None and move.text:
            on_delta(move.text)
        written = estimate_tokens(move.text) + sum(
            estimate_tokens(to_json(c.arguments)) for c in calls
        )
        return ChatReply(
            content=move.text,
            model=self.model,
            provider=self.name,
            usage=Usage(input_tokens=request_tokens(request), output_tokens=written),
            cost_usd=0.0,
            finish_reason="tool_calls" if calls else "stop",
            tool_calls=calls,
        )

    async def aclose(self) -> None:
        """Nothing to release."""


def _call_id(conversation: str, position: int, index: int, name: str) -> str:
    digest = hashlib.sha256(f"{conversation}|{position}|{index}|{name}".encode()).hexdigest()
    return f"bank_{digest[:20]}"


def _bank_agent(spec: AgentSpec, key: str | None) -> BankAgentProvider:
    options = dict(spec.options)
    unknown = set(options) - {"mistakes", "seed", "kinds"}
    if unknown:
        raise UnknownAgent(
            f"agent {spec.agent_id!r}: unknown option {sorted(unknown)[0]!r}; "
            "bank-agent takes mistakes, seed and kinds"
        )
    try:
        rate = float(ascii_number(options.get("mistakes", "0")))
    except ValueError as exc:
        raise UnknownAgent(f"agent {spec.agent_id!r}: bad option value ({exc})") from None
    if not math.isfinite(rate) or not 0 <= rate <= 1:
        raise UnknownAgent(f"agent {spec.agent_id!r}: mistakes must be a rate from 0 to 1")
    kinds = tuple(k for k in options.get("kinds", "").split("+") if k) or MISTAKES
    wrong = [k for k in kinds if k not in MISTAKES]
    if wrong:
        raise UnknownAgent(
            f"agent {spec.agent_id!r}: unknown mistake {wrong[0]!r}; kinds are {'+'.join(MISTAKES)}"
        )
    return BankAgentProvider(mistakes=rate, seed=seed_option(spec), kinds=kinds, model=spec.model)


def _check(spec: AgentSpec) -> None:
    _bank_agent(spec, None)


BANK_AGENT_VENDOR = Vendor(
    name="bank-agent",
    aliases=(),
    default_model="bank-agent",
    factory=_bank_agent,
    preflight=_check,
    suffix="options",
    offline=True,
    tools=True,
    description="offline rule-based banking support agent (env:banking); "
    "bank-agent:mistakes=R,seed=S,kinds=a+b",
)

__all__ = ["BANK_AGENT_VENDOR", "MISTAKES", "BankAgentProvider", "planned_mistakes"]
