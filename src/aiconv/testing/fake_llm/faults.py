"""Faults the fake LLM server injects on demand: error statuses (with ``retry-after``), delays,
malformed bodies and dropped connections, queued in order and matched by API.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from aiconv.testing.fake_llm.wire import Api


@dataclass(frozen=True, slots=True, kw_only=True)
class Fault:
    """One injected failure for the next matching request (``api=None`` matches any).

    ``status`` answers with that HTTP error (and ``retry_after`` as the ``retry-after`` header,
    seconds or an HTTP-date); ``delay`` waits first; ``malformed`` sends a broken 200 body;
    ``drop`` closes the connection in the middle of the response; ``arguments`` answers
    normally but sends this text as every tool call's arguments (broken or non-object JSON);
    ``cut_stream`` ends a streamed reply cleanly after that many events (``0``: an empty
    stream), as a proxy or a vendor outage may; ``text`` answers normally but with this text
    instead of generated chatter or tool calls (a structured reply: valid JSON, JSON in a
    Markdown fence, broken JSON; at Anthropic, the forced tool's input); ``body`` answers
    status 200 with exactly this text (``content_type``, else JSON or, asked to stream, an event
    stream): a gateway's HTML page, an error object, a reply missing fields or of wrong types.
    """

    status: int | None = None
    retry_after: str | float | None = None
    delay: float = 0.0
    malformed: bool = False
    drop: bool = False
    arguments: str | None = None
    cut_stream: int | None = None
    text: str | None = None
    body: str | None = None
    content_type: str | None = None
    api: Api | None = None
    message: str = "injected fault"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        """A fault from its JSON form (unknown keys are an error)."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields {sorted(unknown)}; known: {sorted(known)}")
        return cls(**data)


class Faults:
    """A queue of faults, consumed in order by matching requests."""

    def __init__(self) -> None:
        self._queue: list[Fault] = []

    def push(self, *faults: Fault) -> None:
        """Queue ``faults``."""
        self._queue.extend(faults)

    def take(self, api: Api) -> Fault | None:
        """The first queued fault for ``api``, removed from the queue."""
        for index, fault in enumerate(self._queue):
            if fault.api in (None, api):
                return self._queue.pop(index)
        return None

    def clear(self) -> None:
        """Forget every queued fault."""
        self._queue.clear()

    def __len__(self) -> int:
        return len(self._queue)


def fault_json(fault: Fault) -> dict[str, Any]:
    """The JSON form of ``fault`` for ``POST /_fake/faults``."""
    defaults = asdict(Fault())
    return {k: v for k, v in asdict(fault).items() if v != defaults[k]}
