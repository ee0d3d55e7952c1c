"""``task-user``: an offline simulated customer that follows a task's brief.

It reads its brief from its system prompt (``brief``: the layout the task casting writes from a
task's ``user_scenario``), as an LLM user simulator would, and answers like a person following it
(``replies``): known facts only when asked, "I don't know" for unknown ones, its requests one at
a time, and ``###STOP###`` / ``###TRANSFER###`` / ``###OUT-OF-SCOPE###`` alone on the last line
at the end. No key, no network; deterministic for a seed (``task-user:seed=S``, else the
conversation's seed) and the conversation.
"""

from __future__ import annotations

import random

from aiconv.agents.messages import ChatReply, ChatRequest, Usage, estimate_tokens, request_tokens
from aiconv.agents.provider import ChatProvider, DeltaCallback
from aiconv.agents.providers.offline import seed_option
from aiconv.agents.registry import AgentSpec, Vendor
from aiconv.agents.task_user.brief import OUT_OF_SCOPE, SIGNALS, STOP, TRANSFER, Brief
from aiconv.agents.task_user.replies import Situation, next_message, waiting
from aiconv.errors import ProviderError, UnknownAgent


class TaskUserProvider(ChatProvider):
    """The customer of a task conversation, following the brief in its system prompt."""

    name = "task-user"

    def __init__(self, *, seed: int | None = None, model: str = "task-user") -> None:
        self.seed = seed
        self.model = model

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The customer's next message."""
        brief = Brief.parse(request.system)
        if brief is None:
            raise ProviderError(
                "task-user needs a task brief ('Reason for your call:' …) in its system "
                "prompt: run it as the customer of a task suite",
                provider=self.name,
                retryable=False,
            )
        own = tuple(m.content for m in request.messages if m.role == "assistant")
        first = request.context.get("turn") == 1
        others = [m.content for m in request.messages if m.role == "user"]
        said = others[-1] if others and not first else ""
        seed = self.seed if self.seed is not None else request.context.get("seed")
        rng = random.Random(f"{seed}|{request.context.get('conversation_id')}|{len(own)}")
        situation = Situation(brief=brief, agent_said=said, own=own, rng=rng)
        unanswered = bool(own) and request.messages[-1].role == "assistant"  # a double text
        text = waiting(situation) if unanswered else next_message(situation)
        if on_delta is not None:
            on_delta(text)
        return ChatReply(
            content=text,
            model=self.model,
            provider=self.name,
            usage=Usage(input_tokens=request_tokens(request), output_tokens=estimate_tokens(text)),
            cost_usd=0.0,
        )

    async def aclose(self) -> None:
        """Nothing to release."""


def _task_user(spec: AgentSpec, key: str | None) -> TaskUserProvider:
    unknown = set(spec.options) - {"seed"}
    if unknown:
        raise UnknownAgent(
            f"agent {spec.agent_id!r}: unknown option {sorted(unknown)[0]!r}; task-user takes seed"
        )
    return TaskUserProvider(seed=seed_option(spec), model=spec.model)


def _check(spec: AgentSpec) -> None:
    _task_user(spec, None)


TASK_USER_VENDOR = Vendor(
    name="task-user",
    aliases=(),
    default_model="task-user",
    factory=_task_user,
    preflight=_check,
    suffix="options",
    offline=True,
    description="offline customer following a task's brief; task-user:seed=S",
)

__all__ = [
    "OUT_OF_SCOPE",
    "SIGNALS",
    "STOP",
    "TASK_USER_VENDOR",
    "TRANSFER",
    "Brief",
    "TaskUserProvider",
]
