"""Voice metrics reach Prometheus: utterances, audio seconds, word errors, gaps, barge-ins."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry

from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import ParticipantSpec, StopConfig
from aiconv.queues.urls import open_log
from aiconv.testing.providers import FunctionProvider
from aiconv.voice.config import configure
from aiconv.voice.kit import VoiceKit


async def test_a_voice_call_is_measured(tmp_path: Path) -> None:
    registry = CollectorRegistry()
    caller = FunctionProvider(lambda r: "Hello, I need help with my broken phone screen please.")
    agent = FunctionProvider(
        lambda r: "I am sorry to hear that. We can repair the screen in our shop tomorrow."
    )
    config = configure([("caller", "frustrated"), ("agent", None)])
    impatient = {**config.as_metadata()}
    impatient["participants"]["caller"]["interrupts"] = 1.0
    async with open_log(f"sqlite:///{tmp_path / 'runs.db'}") as log:
        kit = VoiceKit.open(log, tmp_path / "audio", registry=registry)
        async with kit:
            conductor = Conductor(log, turn_hook=kit.layer)
            state = await session.create(
                conductor,
                topic="Broken screen",
                seed=4,
                stop=StopConfig(max_turns=3),
                participants=[
                    ParticipantSpec(name="caller", agent="function"),
                    ParticipantSpec(name="agent", agent="function"),
                ],
                metadata={"voice": impatient},
            )
            await session.play_all(
                conductor, state.conversation_id, {"caller": caller, "agent": agent}
            )

    def value(name: str, **labels: str) -> float:
        found = registry.get_sample_value(name, labels)
        assert found is not None, name
        return found

    assert value("aiconv_voice_utterances_total", speaker="caller") == 2
    assert value("aiconv_voice_utterances_total", speaker="agent") == 1
    assert value("aiconv_voice_audio_seconds_total", speaker="agent") > 2
    assert value("aiconv_voice_words_total", listener="agent") == 10
    assert 0 < value("aiconv_voice_word_errors_total", listener="agent") < 10
    assert value("aiconv_voice_interruptions_total", listener="caller") == 1
    assert value("aiconv_voice_overlap_seconds_total") > 0
    assert value("aiconv_voice_response_gap_seconds_count") == 2
    assert value("aiconv_voice_time_to_first_audio_seconds_count", speaker="agent") == 1
