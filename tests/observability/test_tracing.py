"""Spans from an in-memory exporter: the conversation's root, turns, provider calls with the
GenAI attributes, log appends, and the trace context stored in ``TurnClaimed``."""

from __future__ import annotations

import asyncio
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.semconv._incubating.attributes.gen_ai_attributes import (
    GEN_AI_OPERATION_NAME,
    GEN_AI_PROVIDER_NAME,
    GEN_AI_SYSTEM,
)
from opentelemetry.semconv.attributes.error_attributes import ERROR_TYPE
from opentelemetry.semconv.attributes.server_attributes import SERVER_ADDRESS, SERVER_PORT
from opentelemetry.trace import SpanKind, StatusCode

from aiconv.agents.guarded import GuardConfig, Guards
from aiconv.agents.messages import ChatMessage, ChatRequest
from aiconv.agents.providers.openai import OpenAIProvider
from aiconv.errors import ProviderRejected, RateLimited
from aiconv.observability.tracing import (
    TraceConfig,
    conversation_span_id,
    conversation_trace_id,
    extract,
)
from aiconv.platform import codec, session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import ConversationEnded, ParticipantSpec, StopConfig, TurnClaimed
from aiconv.queues.forwarding import ForwardingLog
from aiconv.queues.log import ConversationLog, StoredEvent
from aiconv.queues.memory import InMemoryLog
from aiconv.reliability.retry import RetryPolicy
from aiconv.testing.clock import FakeClock
from aiconv.testing.fake_llm import FakeLLM
from aiconv.testing.providers import ScriptedProvider
from tests.observability.conftest import Rig


def by_name(spans: list[ReadableSpan], prefix: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name.startswith(prefix)]


def _attributes(span: ReadableSpan) -> dict[str, object]:
    return dict(span.attributes or {})


def parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


async def test_spans_nest_conversation_turn_call_and_append_with_genai_attributes(
    rig: Rig,
) -> None:
    log = InMemoryLog()
    seats = {
        "alice": ScriptedProvider(["hi", "bye"], name="anthropic", model="claude-x"),
        "bob": ScriptedProvider(["yo", "ciao"], name="openai", model="gpt-x"),
    }
    async with asyncio.timeout(10):
        final = await rig.converse(seats, log=rig.log(log), max_turns=4)
    cid = final.conversation_id
    spans = rig.spans()
    trace_id = conversation_trace_id(cid)
    assert trace_id == int(cid, 16)  # a uuid4 hex conversation id is its trace id
    assert {s.context.trace_id for s in spans} == {trace_id}

    [root] = by_name(spans, "conversation")
    assert root.parent is None
    assert root.context.span_id == conversation_span_id(cid)
    assert root.attributes is not None
    assert root.attributes["gen_ai.conversation.id"] == cid
    assert root.attributes["aiconv.end_reason"] == "max_turns"
    assert root.attributes["aiconv.turns"] == 4

    turns = by_name(spans, "invoke_agent")
    assert [t.name for t in turns] == ["invoke_agent alice", "invoke_agent bob"] * 2
    assert all(parent_id(t) == root.context.span_id for t in turns)
    assert turns[0].attributes is not None
    assert turns[0].attributes["gen_ai.agent.name"] == "alice"

    calls = by_name(spans, "chat ")
    assert len(calls) == 4
    turn_ids = {t.context.span_id for t in turns}
    assert all(parent_id(c) in turn_ids for c in calls)
    call = calls[1]
    assert call.kind is SpanKind.CLIENT
    assert call.attributes is not None
    assert call.attributes["gen_ai.operation.name"] == "chat"
    assert call.attributes["gen_ai.provider.name"] == "openai"
    assert call.attributes["gen_ai.request.model"] == "gpt-x"
    assert call.attributes["gen_ai.response.model"] == "gpt-x"
    assert call.attributes["gen_ai.usage.input_tokens"] == 10
    assert isinstance(call.attributes["gen_ai.usage.output_tokens"], int)

    appends = by_name(spans, "append")
    # The first two turns' claims, then a message a turn with the next turn's claim riding
    # along (both seats play here; bob's seat starts after alice's first message); the creation
    # is outside a turn.
    assert len(appends) == 6
    assert all(parent_id(a) in turn_ids for a in appends)
    assert appends[0].attributes is not None
    assert appends[0].attributes["db.system.name"] == "memory"

    claims = [r.event for r in codec.decode_all(await log.read(cid))]
    contexts = [e.trace_context for e in claims if isinstance(e, TurnClaimed)]
    linked = [extract(c) for c in contexts]
    assert [c.span_id if c else None for c in linked] == [t.context.span_id for t in turns]
    assert all(c["traceparent"].startswith(f"00-{cid}-") for c in contexts)


async def test_a_failed_call_marks_its_chat_span_and_its_turn(rig: Rig) -> None:
    seats = {
        "alice": ScriptedProvider(
            [ProviderRejected("bad request", provider="anthropic", status=400)], name="anthropic"
        ),
        "bob": ScriptedProvider(["yo"], name="openai"),
    }
    async with asyncio.timeout(10):
        final = await rig.converse(seats)
    assert final.ended is not None and final.ended.reason == "provider_error"
    [call] = by_name(rig.spans(), "chat ")
    assert call.attributes is not None
    assert call.attributes["error.type"] == "rejected"
    assert call.status.status_code is StatusCode.ERROR
    [turn] = by_name(rig.spans(), "invoke_agent")
    assert _attributes(turn)[ERROR_TYPE] == "rejected"
    assert turn.status.status_code is StatusCode.ERROR


def test_no_otel_variables_means_no_exporter_and_an_endpoint_means_otlp() -> None:
    assert TraceConfig.from_env({}).exporters == ()
    config = TraceConfig.from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert config.exporters == ("otlp",)
    assert config.endpoint == "http://collector:4318/v1/traces"
    named = TraceConfig.from_env(
        {"OTEL_SERVICE_NAME": "w", "OTEL_EXPORTER_OTLP_HEADERS": "api-key=a%20b"}
    )
    assert (named.service_name, named.headers) == ("w", {"api-key": "a b"})
    assert TraceConfig.from_env({"OTEL_SDK_DISABLED": "true"}).disabled


async def test_a_turn_taken_over_from_a_dead_claimant_links_to_its_span(rig: Rig) -> None:
    log = rig.log()
    conductor = Conductor(log, observer=rig.observer)
    specs = [ParticipantSpec(name="alice", agent="a"), ParticipantSpec(name="bob", agent="b")]
    state = await session.create(
        conductor, topic="t", participants=specs, stop=StopConfig(max_turns=1)
    )
    cid = state.conversation_id
    dead = f"00-{cid}-00000000000000aa-01"
    state = await conductor.append(
        state,
        [
            TurnClaimed(
                speaker="alice",
                instance_id="dead",
                lease_expires_at=0.0,
                trace_context={"traceparent": dead},
            )
        ],
    )
    async with asyncio.timeout(10):
        await conductor.play(cid, "alice", ScriptedProvider(["I take over"]))
    [turn] = by_name(rig.spans(), "invoke_agent")
    assert parent_id(turn) == conversation_span_id(cid)
    [link] = turn.links
    assert (link.context.trace_id, link.context.span_id) == (int(cid, 16), 0xAA)
    assert link.attributes is not None and link.attributes["aiconv.link"] == "taken_over"


async def test_turn_spans_follow_the_installed_genai_conventions(rig: Rig) -> None:
    """``invoke_agent`` spans carry ``gen_ai.provider.name``; nothing carries the deprecated
    ``gen_ai.system`` (names from the installed semantic-conventions package)."""
    seats = {
        "alice": ScriptedProvider(["hi", "bye"], name="anthropic", model="claude-x"),
        "bob": ScriptedProvider(["yo", "ciao"], name="gemini", model="gemini-x"),
    }
    async with asyncio.timeout(10):
        await rig.converse(seats, max_turns=4)
    spans = rig.spans()
    turns = by_name(spans, "invoke_agent")
    assert [_attributes(t)[GEN_AI_PROVIDER_NAME] for t in turns] == [
        "anthropic",
        "gcp.gemini",
    ] * 2
    assert all(GEN_AI_SYSTEM not in _attributes(s) for s in spans)
    assert all(_attributes(c)[GEN_AI_OPERATION_NAME] == "chat" for c in by_name(spans, "chat "))


async def test_each_retry_is_its_own_chat_span(rig: Rig) -> None:
    guards = Guards(GuardConfig(retry=RetryPolicy(attempts=3, base=0.0)), clock=FakeClock())
    flaky = guards.wrap(
        ScriptedProvider(
            [RateLimited("slow down", provider="openai"), "hi", "bye"],
            name="openai",
            model="gpt-x",
        )
    )
    seats = {"alice": flaky, "bob": ScriptedProvider(["yo"], name="openai", model="gpt-x")}
    async with asyncio.timeout(10):
        await rig.converse(seats, max_turns=2)
    spans = rig.spans()
    first_turn = by_name(spans, "invoke_agent alice")[0]
    attempts = [c for c in by_name(spans, "chat ") if parent_id(c) == first_turn.context.span_id]
    assert [_attributes(c).get(ERROR_TYPE) for c in attempts] == ["rate_limited", None]
    assert [c.status.status_code for c in attempts] == [StatusCode.ERROR, StatusCode.UNSET]
    assert _attributes(first_turn)["aiconv.attempts"] == 2
    assert first_turn.status.status_code is StatusCode.UNSET


async def test_chat_spans_name_the_server_they_called(rig: Rig) -> None:
    async with FakeLLM() as fake:
        adapter = OpenAIProvider(api_key="k", base_url=fake.openai_base_url)
        provider = rig.instrument(adapter)
        try:
            await provider.complete(
                ChatRequest(
                    model="gpt-6.2-sol",
                    system="",
                    messages=(ChatMessage(role="user", content="hi"),),
                )
            )
        finally:
            await provider.aclose()
    [call] = by_name(rig.spans(), "chat ")
    assert _attributes(call)[SERVER_ADDRESS] == "127.0.0.1"
    assert _attributes(call)[SERVER_PORT] == fake.port
    assert _attributes(call)["gen_ai.usage.reasoning.output_tokens"] >= 0  # type: ignore[operator]


class OpenSpans(SpanProcessor):
    """The spans started and not (yet) ended, by span id."""

    def __init__(self) -> None:
        self.open: dict[int, str] = {}

    def on_start(self, span: Span, parent_context: Any = None) -> None:
        self.open[span.context.span_id] = span.name

    def on_end(self, span: ReadableSpan) -> None:
        assert span.context is not None
        self.open.pop(span.context.span_id, None)


class EndsBeforeTheClaimLands(ForwardingLog):
    """Ends the conversation (as ``aic`` interrupting it from elsewhere would) just before the
    first append that carries a message and the next turn's claim, which then conflicts."""

    def __init__(self, inner: ConversationLog) -> None:
        super().__init__(inner)
        self.fired = False

    async def append(
        self, conversation_id: str, expected_sequence: int, events: Any, **kwargs: Any
    ) -> list[StoredEvent]:
        if not self.fired and [e.kind for e in events] == ["MessagePosted", "TurnClaimed"]:
            self.fired = True
            ended = ConversationEnded(reason="interrupted", detail="elsewhere", by="test")
            await super().append(conversation_id, expected_sequence, [codec.encode(ended)])
        return await super().append(conversation_id, expected_sequence, events, **kwargs)


async def test_a_turn_span_opened_for_a_claim_that_never_landed_is_ended(rig: Rig) -> None:
    """A claim appended ahead opens its turn's span; when that append conflicts (or the seat
    leaves before taking the turn) the span must still end, or it is never exported (and a
    claim in the log may carry its trace context)."""
    spans = OpenSpans()
    rig.provider.add_span_processor(spans)
    log = EndsBeforeTheClaimLands(rig.log())
    seats = {
        "alice": ScriptedProvider([f"a{i}" for i in range(5)]),
        "bob": ScriptedProvider([f"b{i}" for i in range(5)]),
    }
    async with asyncio.timeout(10):
        final = await rig.converse(seats, log=log, max_turns=8)
    assert log.fired
    assert final.ended is not None and final.ended.reason == "interrupted"
    assert {n for n in spans.open.values() if n.startswith("invoke_agent")} == set()
