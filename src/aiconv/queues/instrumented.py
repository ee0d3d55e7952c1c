"""``InstrumentedLog``: append latency, conflicts by backend and a span per append.

Wraps any ``ConversationLog``; everything but ``append`` is forwarded untouched
(``ForwardingLog``). Append spans are only recorded inside a traced operation (a turn), so
appends outside conversations' traces do not start stray root traces.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from aiconv.errors import SequenceConflict
from aiconv.observability.metrics import Metrics
from aiconv.queues.forwarding import ForwardingLog
from aiconv.queues.log import ConversationLog, IndexEntry, NewEvent, StoredEvent


class InstrumentedLog(ForwardingLog):
    """A ``ConversationLog`` that measures ``inner``'s appends."""

    def __init__(
        self, inner: ConversationLog, *, metrics: Metrics, tracer: trace.Tracer | None = None
    ) -> None:
        super().__init__(inner)
        self.metrics = metrics
        self.tracer = tracer or trace.NoOpTracer()
        self._duration = metrics.log_append_duration.labels(self.backend)
        self._events = metrics.log_events.labels(self.backend)
        self._conflicts = metrics.log_conflicts.labels(self.backend)

    async def append(
        self,
        conversation_id: str,
        expected_sequence: int,
        events: Sequence[NewEvent],
        *,
        index: IndexEntry | None = None,
    ) -> list[StoredEvent]:
        """``inner.append``, timed and counted, in a span when inside a trace."""
        span = self._append_span(conversation_id, expected_sequence, len(events))
        started = time.perf_counter()
        try:
            stored = await self.inner.append(
                conversation_id, expected_sequence, events, index=index
            )
        except SequenceConflict:
            self._conflicts.inc()
            span.set_attribute("error.type", "SequenceConflict")
            raise
        except BaseException as exc:
            span.set_attribute("error.type", type(exc).__name__)
            span.set_status(Status(StatusCode.ERROR))
            raise
        finally:
            self._duration.observe(time.perf_counter() - started)
            span.end()
        self._events.inc(len(stored))
        return stored

    def _append_span(self, conversation_id: str, expected: int, count: int) -> trace.Span:
        """A span for one append, only inside a recording trace (spans cost ~µs each)."""
        if not trace.get_current_span().is_recording():
            return trace.INVALID_SPAN
        return self.tracer.start_span(
            "append conversation_log",
            kind=SpanKind.CLIENT,
            attributes={
                "db.system.name": self.backend,
                "db.operation.name": "append",
                "gen_ai.conversation.id": conversation_id,
                "aiconv.log.expected_sequence": expected,
                "aiconv.log.events": count,
            },
        )
