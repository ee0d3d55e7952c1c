"""Codec: every event round-trips through bytes; old versions are upcast."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiconv.errors import CodecError
from aiconv.platform import codec
from aiconv.platform.events import (
    EVENT_TYPES,
    AgentFailed,
    ConversationEnded,
    ConversationStarted,
    MessagePosted,
    ParticipantSpec,
    StopConfig,
    TurnClaimed,
)

text = st.text(max_size=200)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)

messages = st.builds(
    MessagePosted,
    sender=text,
    content=text,
    model=text,
    input_tokens=st.integers(0, 10**9),
    output_tokens=st.integers(0, 10**9),
    cost_usd=st.none() | finite,
    latency_s=finite,
    attempts=st.integers(1, 100),
)
participants = st.builds(ParticipantSpec, name=text, agent=text, persona=st.none() | text)
starts = st.builds(
    ConversationStarted,
    topic=text,
    participants=st.tuples(participants, participants),
    first_speaker=text,
    stop=st.builds(StopConfig, max_turns=st.integers(1, 1000), max_cost_usd=st.none() | finite),
    seed=st.none() | st.integers(0, 2**31),
    metadata=st.dictionaries(st.text(max_size=10), st.integers() | text, max_size=3),
)
claims = st.builds(
    TurnClaimed,
    speaker=text,
    instance_id=text,
    lease_expires_at=finite,
    trace_context=st.dictionaries(text, text, max_size=2),
)
any_event = (
    messages
    | starts
    | claims
    | st.builds(ConversationEnded, reason=text, detail=text)
    | st.builds(AgentFailed, speaker=text, error_kind=text, message=text)
)


@given(any_event)
def test_every_event_round_trips(event: object) -> None:
    stored = codec.encode(event)  # type: ignore[arg-type]
    assert codec.decode_event(stored.kind, stored.version, stored.data) == event


def test_every_event_type_has_a_distinct_kind() -> None:
    kinds = [cls.KIND for cls in EVENT_TYPES]
    assert len(kinds) == len(set(kinds))


def test_unknown_kind_is_a_codec_error() -> None:
    with pytest.raises(CodecError, match="unknown event kind"):
        codec.decode_event("Nope", 1, b"{}")


def test_old_version_is_upcast_through_registered_upcasters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ConversationEnded, "SCHEMA_VERSION", 2)  # no real v2 exists yet
    codec.register_upcaster(
        "ConversationEnded", 1, lambda body: {**body, "detail": f"upcast: {body['detail']}"}
    )
    try:
        old = json.dumps({"reason": "max_turns", "detail": "old"}).encode()
        event = codec.decode_event("ConversationEnded", 1, old)
        assert event == ConversationEnded(reason="max_turns", detail="upcast: old")
    finally:
        del codec._UPCASTERS[("ConversationEnded", 1)]  # registrations are process-wide


def test_missing_upcaster_is_a_codec_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ConversationEnded, "SCHEMA_VERSION", 3)
    with pytest.raises(CodecError, match="no upcaster"):
        codec.decode_event("ConversationEnded", 1, b'{"reason": "x"}')


def test_body_that_does_not_validate_is_a_codec_error() -> None:
    with pytest.raises(CodecError, match="does not decode"):
        codec.decode_event("MessagePosted", 1, b'{"content": 3}')


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_a_number_json_cannot_hold_is_refused_before_it_is_written(bad: float) -> None:
    """NaN and infinities would be stored as null and never read back: encode refuses them,
    also deep inside an event (a stop rule, metadata)."""
    with pytest.raises(CodecError, match=r"TurnClaimed.lease_expires_at is not a finite"):
        codec.encode(TurnClaimed(speaker="a", instance_id="i", lease_expires_at=bad))
    seats = (ParticipantSpec(name="a", agent="mock"), ParticipantSpec(name="b", agent="mock"))
    started = ConversationStarted(
        topic="t", participants=seats, first_speaker="a", stop=StopConfig(max_cost_usd=bad)
    )
    with pytest.raises(CodecError, match=r"ConversationStarted.stop.max_cost_usd"):
        codec.encode(started)
    tagged = ConversationStarted(
        topic="t", participants=seats, first_speaker="a", metadata={"scores": [1.0, bad]}
    )
    with pytest.raises(CodecError, match=r"ConversationStarted.metadata.scores.1"):
        codec.encode(tagged)


def test_text_with_a_lone_surrogate_is_a_codec_error() -> None:
    """``"\\ud800"`` in JSON (an import, a request body) is a str UTF-8 cannot hold: encoding
    raised pydantic's serialisation error, a traceback out of ``aic import``."""
    with pytest.raises(CodecError, match="MessagePosted cannot be stored"):
        codec.encode(MessagePosted(sender="a", content="\ud800"))
