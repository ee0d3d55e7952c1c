"""Discovery with a model: a proposed schema, then every conversation labelled in batches.

1. **Propose**: a sample of conversations goes to the model, which answers a JSON schema of
   intents (slug, description) and outcomes (slug, description, success).
2. **Label**: conversations go in batches (``batch`` a request, ``concurrency`` requests at
   once); the model answers ``{"labels": [{"id", "intent", "outcome"}]}`` using the schema's
   slugs. Answers are validated (pydantic; every id of the batch, known slugs only); an invalid
   one is sent back once with the error, and conversations still unlabelled are counted.

Valid answers are cached by the hash of (model, prompt, batch), so running discovery again on
the same conversations costs nothing. Personas and timing are measured offline either way.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import pydantic

from aiconv.agents.messages import ChatMessage, ChatRequest
from aiconv.agents.provider import ChatProvider
from aiconv.agents.structured import StructuredOutputError, parse_structured, response_format_for
from aiconv.learning.cache import AnswerCache
from aiconv.learning.transcripts import SYSTEM, Transcript

M = TypeVar("M", bound=pydantic.BaseModel)
INTENT_SLUG = r"^[a-z][a-z0-9_-]*$"
OUTCOME_SLUG = r"^[a-z][a-z0-9_]*$"


class IntentLabel(pydantic.BaseModel):
    slug: str = pydantic.Field(pattern=INTENT_SLUG, max_length=60)
    description: str = pydantic.Field(min_length=1, max_length=400)


class OutcomeLabel(IntentLabel):
    slug: str = pydantic.Field(pattern=OUTCOME_SLUG, max_length=60)
    success: bool = False


class Schema(pydantic.BaseModel):
    """The model's proposal: intents and outcomes with unique slugs."""

    intents: list[IntentLabel] = pydantic.Field(min_length=1, max_length=30)
    outcomes: list[OutcomeLabel] = pydantic.Field(min_length=1, max_length=15)

    @pydantic.model_validator(mode="after")
    def _unique(self) -> Schema:
        for kind, items in (("intent", self.intents), ("outcome", self.outcomes)):
            slugs = [i.slug for i in items]
            if len(set(slugs)) != len(slugs) or "undecided" in slugs:
                raise ValueError(f"{kind} slugs must be unique (and not 'undecided')")
        return self


class Label(pydantic.BaseModel):
    id: str
    intent: str
    outcome: str


class Labels(pydantic.BaseModel):
    labels: list[Label]


PROPOSE = (
    "You analyse customer-support chats to set up simulations. From the sample below, propose "
    "the intents (why customers came) and the outcomes (how chats ended). Slugs are lowercase: "
    "intents like `lost-card`, outcomes like `resolved` (letters, digits, underscores). Mark an "
    "outcome `success` when the customer got what they came for. Answer with one JSON object "
    'only: {"intents": [{"slug": …, "description": …}], "outcomes": [{"slug": …, '
    '"description": …, "success": true|false}]}.'
)
LABEL = (
    "You label customer-support chats. For every chat below, give its intent and outcome, "
    "using exactly these slugs.\nIntents:\n{intents}\nOutcomes:\n{outcomes}\n"
    'Answer with one JSON object only: {{"labels": [{{"id": "<chat id>", "intent": "<slug>", '
    '"outcome": "<slug>"}}, …]}} with one entry per chat.'
)


def chat_text(transcript: Transcript, limit: int = 1500) -> str:
    """A chat as ``role: text`` lines, its middle elided past ``limit`` characters."""
    lines = [
        f"{m.role}: {' '.join(m.text.split())}" for m in transcript.messages if m.role != SYSTEM
    ]
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    head, tail = "\n".join(lines[:4]), "\n".join(lines[-3:])
    return f"{head[: limit // 2]}\n…\n{tail[-limit // 2 :]}"


def _batch_text(batch: Sequence[Transcript]) -> str:
    return "\n\n".join(f"### c{i}\n{chat_text(t)}" for i, t in enumerate(batch, 1))


class ModelLabeller:
    """Proposes a schema and labels conversations with one ``ChatProvider``."""

    def __init__(
        self,
        provider: ChatProvider,
        *,
        cache: AnswerCache | None = None,
        batch: int = 20,
        concurrency: int = 4,
        attempts: int = 2,
    ) -> None:
        self.provider = provider
        self.cache = cache or AnswerCache(None)
        self.batch = max(1, batch)
        self.concurrency = max(1, concurrency)
        self.attempts = max(1, attempts)
        self.requests = 0

    async def propose(
        self, transcripts: Sequence[Transcript], *, sample: int = 30, seed: int = 0
    ) -> Schema:
        """The schema the model proposes from a sample of ``transcripts``."""
        chosen = list(transcripts)
        if len(chosen) > sample:
            chosen = random.Random(seed).sample(chosen, sample)
        schema = await self._ask(PROPOSE, _batch_text(chosen), Schema, lambda answer: None)
        if schema is None:
            raise ValueError("the model did not propose a valid schema of intents and outcomes")
        return schema

    async def label(
        self, transcripts: Sequence[Transcript], schema: Schema
    ) -> dict[str, tuple[str, str]]:
        """source id -> (intent, outcome) for every conversation the model labelled validly."""
        system = LABEL.format(
            intents="\n".join(f"- {i.slug}: {i.description}" for i in schema.intents),
            outcomes="\n".join(f"- {o.slug}: {o.description}" for o in schema.outcomes),
        )
        limit = asyncio.Semaphore(self.concurrency)
        batches = [transcripts[i : i + self.batch] for i in range(0, len(transcripts), self.batch)]
        found: dict[str, tuple[str, str]] = {}

        async def one(batch: Sequence[Transcript]) -> None:
            async with limit:
                check = _label_check(len(batch), schema)
                answer = await self._ask(system, _batch_text(batch), Labels, check)
            for item in answer.labels if answer is not None else []:
                found[batch[int(item.id[1:]) - 1].source_id] = (item.intent, item.outcome)

        async with asyncio.TaskGroup() as group:
            for batch in batches:
                group.create_task(one(batch))
        return found

    async def _ask(self, system: str, content: str, model: type[M], check: Any) -> M | None:
        """A validated answer (cached), one retry with the error; None when still invalid."""
        key = hashlib.sha256(
            json.dumps([self.provider.name, self.provider.model, system, content]).encode()
        ).hexdigest()
        cached = await self.cache.get(key)
        if cached is not None:
            return model.model_validate_json(cached)
        messages = [ChatMessage(role="user", content=content)]
        for _ in range(self.attempts):
            reply = await self.provider.complete(
                ChatRequest(
                    model=self.provider.model,
                    system=system,
                    messages=tuple(messages),
                    max_tokens=4000,
                    temperature=0.0,
                    context={"speaker": "discovery"},
                    response_format=response_format_for(model),
                )
            )
            self.requests += 1
            try:
                answer = parse_structured(reply.content, model)
                problem = check(answer)
            except StructuredOutputError as exc:
                problem = str(exc)
            if problem is None:
                await self.cache.put(key, answer.model_dump_json())
                return answer
            messages += [
                ChatMessage(role="assistant", content=reply.content or "(empty)"),
                ChatMessage(
                    role="user",
                    content=f"Invalid answer ({problem}). Answer again with the JSON object only.",
                ),
            ]
        return None


def _label_check(size: int, schema: Schema) -> Any:
    intents = {i.slug for i in schema.intents}
    outcomes = {o.slug for o in schema.outcomes}
    wanted = {f"c{i}" for i in range(1, size + 1)}

    def check(answer: Labels) -> str | None:
        ids = [item.id for item in answer.labels]
        if set(ids) != wanted or len(ids) != size:
            return f"give exactly one label for each of the chats c1 … c{size}"
        for item in answer.labels:
            if item.intent not in intents:
                return f"{item.id}: intent {item.intent!r} is not one of the listed slugs"
            if item.outcome not in outcomes:
                return f"{item.id}: outcome {item.outcome!r} is not one of the listed slugs"
        return None

    return check


def cache_path_for(directory: Path) -> Path:
    """Where discovery keeps model answers inside a learning directory."""
    return directory / "model-answers.jsonl"
