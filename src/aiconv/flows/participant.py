"""``FlowProvider``: a participant whose replies come from a stage flow.

It keeps no state: its progress is the fold of its own ``StageEntered``/``FieldsExtracted``
events, which the conductor hands back with every request (``ChatRequest.records``), and what it
decides in a turn goes back as the reply's records, appended with its message in one atomic
append. So any instance (a worker, a takeover after a crash) continues the flow exactly.

Each turn: enter the first stage (first turn), read the latest messages with the stage's
extractor (the fields still missing and the stage's own), keep what reaches the threshold, follow
the open transitions, and say the drafted reply — through the stage's talking agent when it has
one (routing across vendors and models), else as drafted. After its final stage it ends the
conversation (``flow_completed``) instead of speaking again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiconv.agents.messages import ChatMessage, ChatReply, ChatRequest, Record, Usage
from aiconv.agents.provider import ChatProvider, DeltaCallback
from aiconv.flows import engine
from aiconv.flows.extraction import Reading, extraction_request, read_fields
from aiconv.flows.model import Flow, Stage
from aiconv.platform import codec
from aiconv.platform.flow_events import FlowEvent, StageEntered
from aiconv.platform.flow_fold import FlowProgress, events_of, flow_progress

#: The end reason when a flow that has finished is asked to speak again.
COMPLETED = "flow_completed"


#: Said before a question the user's last answer left unfilled, so it is never asked in the
#: same words twice running (the loop detector ends a conversation that repeats itself).
NOT_READ = "Sorry, I couldn't make that out."


def not_again(text: str, history: Sequence[ChatMessage]) -> str:
    """``text``, or with ``NOT_READ`` before it when it is exactly the flow's last message."""
    last = next((m.content for m in reversed(history) if m.role == "assistant"), None)
    return f"{NOT_READ} {text}" if text and text == last else text


class FlowProvider(ChatProvider):
    """The flow ``flow``; ``agents`` are its stages' agents by id (built by the registry)."""

    name = "flow"

    def __init__(self, flow: Flow, agents: Mapping[str, ChatProvider]) -> None:
        self.flow = flow
        self.agents = dict(agents)
        self.model = f"flow:{flow.name}"

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The flow's next message, with the events it records (not streamed: its events
        come before its text in the transcript)."""
        speaker = str(request.context.get("speaker") or "flow")
        progress = flow_progress(events_of(request.records, speaker), speaker)
        if progress.final:
            return ChatReply(content="", model=self.model, provider=self.name, stop=COMPLETED)
        recorded: list[FlowEvent] = []
        if progress.stage is None:
            recorded.append(engine.entered(self.flow, progress, self.flow.first, "start"))
            progress = engine.replay(progress, recorded)
        replies: list[ChatReply] = []
        if int(request.context.get("turn") or 1) > 1:  # someone spoke: read it
            reading = await self._read(progress, request.messages)
            stage = self.flow.stage(progress.stage or self.flow.first.name)
            judged = engine.judge(stage, self.flow, reading.guesses)
            event = engine.extracted(speaker, stage, judged, stage.extractor, reading.error)
            progress = engine.replay(progress, [event])
            recorded.append(event)
            replies += reading.replies
        moved = engine.moves(self.flow, progress)
        progress = engine.replay(progress, moved)
        recorded += moved
        entered_now = [e for e in recorded if isinstance(e, StageEntered)]
        text = not_again(engine.draft(self.flow, progress, entered_now), request.messages)
        said = await self._say(progress, request, text)
        if said is not None:
            replies.append(said)
            text = said.content
        return self._reply(text, replies, recorded, said)

    async def _read(self, progress: FlowProgress, history: Sequence[ChatMessage]) -> Reading:
        stage = self.flow.stage(progress.stage or self.flow.first.name)
        names = [
            n
            for n in self.flow.fields
            if stage.revise or n not in progress.values or n in stage.collect
        ]
        if not names:
            return Reading()
        asking = engine.focus(self.flow, progress)
        fields = [self.flow.fields[n] for n in names]
        request = extraction_request(
            self.flow, fields, history, asking.name if asking is not None else None
        )
        return await read_fields(self.agents[stage.extractor], request)

    async def _say(
        self, progress: FlowProgress, request: ChatRequest, text: str
    ) -> ChatReply | None:
        """The stage's talking agent saying ``text`` in its own words (None: no such agent)."""
        stage = self.flow.stage(progress.stage or self.flow.first.name)
        if stage.agent is None or not text:
            return None
        ask = ChatRequest(
            model="",
            system=_talker_system(self.flow, stage, text),
            messages=tuple(request.messages[-self.flow.history :]),
            max_tokens=request.max_tokens,
            temperature=request.temperature,
            context=request.context,
        )
        return await self.agents[stage.agent].complete(ask)

    def _reply(
        self,
        text: str,
        replies: Sequence[ChatReply],
        recorded: Sequence[FlowEvent],
        said: ChatReply | None,
    ) -> ChatReply:
        costs = [r.cost_usd for r in replies]
        return ChatReply(
            content=text,
            model=said.model if said is not None else self.model,
            provider=self.name,
            usage=Usage(
                input_tokens=sum(r.usage.input_tokens for r in replies),
                output_tokens=sum(r.usage.output_tokens for r in replies),
            ),
            cost_usd=None if None in costs else sum(c or 0.0 for c in costs),
            records=tuple(_record(e) for e in recorded),
        )

    async def aclose(self) -> None:
        """Close the stage agents."""
        for agent in self.agents.values():
            await agent.aclose()


def _record(event: FlowEvent) -> Record:
    data = codec.body_of(event)
    data.pop("participant", None)  # the conductor records it as the speaker's
    return Record(kind=event.KIND, data=data)


def _talker_system(flow: Flow, stage: Stage, text: str) -> str:
    lines = [
        flow.system or f"You are the '{flow.name}' assistant.",
        f"Current stage: {stage.name}. Goal: {stage.goal or 'see below'}.",
        "Write your next message to the user. It must convey this, with every question kept:",
        text,
        "Reply with the message only.",
    ]
    return "\n".join(lines)
