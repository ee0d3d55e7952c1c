"""The voice layer: a conductor ``TurnHook`` that makes every message heard and spoken.

Inside a claimed turn, before the model is asked, the speaker *hears* every utterance of the
others it has not heard yet: the audio is recognised (what it heard is what its model receives,
see ``platform.prompts``), or cut off first when its persona barges in. After the reply, the
message is *spoken*: synthesised, stored in the blob store and placed on the timeline. ``fast``
mode places audio on a simulated timeline without waiting; ``real`` mode waits for audio to
play out on the clock, so the timeline is the wall clock.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from aiconv.platform.codec import decode
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import Event, MessagePosted, UtteranceHeard, UtteranceSpoken
from aiconv.queues.log import ConversationLog
from aiconv.reliability.clock import SYSTEM_CLOCK, Clock
from aiconv.voice.audio import decode_wav, encode_wav
from aiconv.voice.blobs import BlobStore
from aiconv.voice.config import VoiceConfig
from aiconv.voice.participants import VoiceAgentProvider
from aiconv.voice.projection import apply
from aiconv.voice.stt import PocketsphinxRecognizer
from aiconv.voice.telemetry import VoiceTelemetry
from aiconv.voice.timeline import Utterance
from aiconv.voice.tts import EspeakSynthesizer

#: Shortest pause before an answer on the simulated timeline (people rarely answer faster).
MIN_GAP_S = 0.25
#: How long a barged-in speaker keeps talking over the caller before it stops.
REACTION_S = 0.3


@dataclass(slots=True)
class _Listening:
    """Where the listener's answer may start: after ``until_s`` (or at it, if it cut in);
    ``began`` is when it finished listening (monotonic clock)."""

    until_s: float
    cut_in: bool
    began: float


class VoiceLayer:
    """Hears and speaks for every participant this process runs (a conductor ``TurnHook``)."""

    def __init__(
        self,
        log: ConversationLog,
        store: BlobStore,
        *,
        synthesizer: EspeakSynthesizer,
        recognizer: PocketsphinxRecognizer,
        clock: Clock = SYSTEM_CLOCK,
        voice_agents: Mapping[str, VoiceAgentProvider] | None = None,
        telemetry: VoiceTelemetry | None = None,
    ) -> None:
        self.log = log
        self.store = store
        self.synthesizer = synthesizer
        self.recognizer = recognizer
        self.clock = clock
        self._seen: dict[str, tuple[int, dict[int, Utterance]]] = {}
        self._listening: dict[tuple[str, str], _Listening] = {}
        #: Participants that are voice agents: they hear the audio themselves.
        self.voice_agents = dict(voice_agents or {})
        self._agent_heard: dict[tuple[str, str], Utterance] = {}
        self.telemetry = telemetry

    async def _utterances(self, conversation_id: str) -> dict[int, Utterance]:
        """The conversation's utterances so far (read incrementally from the log)."""
        sequence, found = self._seen.get(conversation_id, (0, {}))
        for stored in await self.log.read(conversation_id, after=sequence):
            recorded = decode(stored)
            apply(found, recorded)
            sequence = recorded.sequence
        self._seen[conversation_id] = (sequence, found)
        return found

    async def before_call(self, state: ConversationState, name: str) -> Sequence[Event]:
        """Hear what the others said since ``name`` last listened."""
        config = _config(state)
        if config is None:
            return ()
        spoken = await self._utterances(state.conversation_id)
        unheard = [
            u
            for s, u in sorted(spoken.items())
            if u.speaker != name and (name, s) not in state.heard and s <= state.sequence
        ]
        events: list[Event] = []
        until_s, cut_in = 0.0, False
        agent = self.voice_agents.get(name)
        for index, utterance in enumerate(unheard):
            last = index == len(unheard) - 1
            played = self._barge_in(state, config, name, utterance) if last else None
            await self._wait_until_played(state, config, utterance, played)
            if agent is None:
                events.append(await self._hear(name, utterance, played))
            await self._tell_interrupted(utterance, played)
            cut_in = played is not None
            until_s = utterance.start_s + (played - REACTION_S if played else utterance.duration_s)
        if agent is not None and unheard:  # a voice agent hears the audio itself
            agent.pending = decode_wav(await self.store.get(unheard[-1].audio_ref))
            self._agent_heard[(state.conversation_id, name)] = unheard[-1]
        if unheard:  # the answer is timed from here: the model's latency and the synthesis
            began = self.clock.monotonic()
            self._listening[(state.conversation_id, name)] = _Listening(until_s, cut_in, began)
        return events

    async def _tell_interrupted(self, utterance: Utterance, played: float | None) -> None:
        """A voice agent that was cut off is told how much of its answer was heard."""
        speaker = self.voice_agents.get(utterance.speaker)
        if speaker is not None and played is not None:
            await speaker.agent.interrupted(played)

    def _barge_in(
        self, state: ConversationState, config: VoiceConfig, name: str, utterance: Utterance
    ) -> float | None:
        """How much ``name`` lets play before cutting in (None: it listens to the end)."""
        seat = config.seats.get(name)
        if seat is None or seat.interrupts <= 0 or utterance.duration_s < 1.5:
            return None
        assert state.started is not None
        rng = random.Random(f"{state.started.seed}|{utterance.sequence}|{name}")
        if rng.random() >= seat.interrupts:
            return None
        return round(utterance.duration_s * rng.uniform(0.35, 0.7) + REACTION_S, 3)

    async def _wait_until_played(
        self,
        state: ConversationState,
        config: VoiceConfig,
        utterance: Utterance,
        played: float | None,
    ) -> None:
        if config.mode != "real":
            return
        end = state.started_at + utterance.start_s + (played or utterance.duration_s)
        await self.clock.sleep(max(0.0, end - self.clock.now()))

    async def _hear(self, name: str, utterance: Utterance, played: float | None) -> UtteranceHeard:
        audio = decode_wav(await self.store.get(utterance.audio_ref))
        if played is not None:
            audio = audio.cut(played)
        heard = await self.recognizer.recognize(audio)
        if self.telemetry is not None:
            cut = replace(utterance, played_s=played, interrupted_by=name if played else None)
            self.telemetry.heard(cut, name, heard.text, interrupted=played is not None)
        return UtteranceHeard(
            listener=name,
            speaker=utterance.speaker,
            message_sequence=utterance.sequence,
            text=heard.text,
            confidence=heard.confidence,
            played_s=played,
            interrupted=played is not None,
        )

    async def after_reply(
        self, state: ConversationState, message: MessagePosted
    ) -> Sequence[Event]:
        """Speak ``message``: synthesise it (or take a voice agent's own audio), store the audio,
        place it on the timeline."""
        config = _config(state)
        seat = config.seats.get(message.sender) if config else None
        if config is None or seat is None:
            return ()
        agent = self.voice_agents.get(message.sender)
        turn = agent.last if agent is not None else None
        if agent is not None and turn is not None:
            audio, label = turn.audio, agent.agent.label
            heard = self._agent_hearing(state, message.sender, turn.heard)
        else:
            audio, label = await self.synthesizer.synthesize(message.content, seat.voice), None
            heard = []
        if audio.frames == 0:
            return heard
        ref = await self.store.put(encode_wav(audio))
        start, waited, gap = await self._place(state, config, message.sender)
        if turn is not None and turn.first_audio_s is not None:
            waited = turn.first_audio_s  # measured by the agent itself
        if self.telemetry is not None:
            self.telemetry.spoken(message.sender, audio.duration_s, gap, waited)
        spoken = UtteranceSpoken(
            speaker=message.sender,
            message_sequence=state.sequence + 1,
            text=message.content,
            voice=label or seat.voice.label,
            audio_ref=ref,
            duration_s=round(audio.duration_s, 3),
            start_s=round(start, 3),
            first_audio_s=None if waited is None else round(waited, 3),
        )
        return [*heard, spoken]

    async def _place(
        self, state: ConversationState, config: VoiceConfig, name: str
    ) -> tuple[float, float | None, float | None]:
        """Where an answer starts on the timeline, how long its speaker took to answer, and
        the gap after the utterance it answers (negative: talked over it)."""
        listening = self._listening.pop((state.conversation_id, name), None)
        if listening is None:  # the first utterance, or this instance did not do the hearing
            if config.mode == "real":
                return self.clock.now() - state.started_at, None, None
            return await self._after_the_last(state.conversation_id), None, None
        waited = self.clock.monotonic() - listening.began
        previous_end = listening.until_s + (REACTION_S if listening.cut_in else 0.0)
        if config.mode == "real":
            start = self.clock.now() - state.started_at
        elif listening.cut_in:
            start = listening.until_s
        else:
            start = listening.until_s + max(MIN_GAP_S, waited)
        return start, waited, start - previous_end

    async def _after_the_last(self, conversation_id: str) -> float:
        """On the simulated timeline, just after the last utterance played (0 for the first):
        where a turn taken over after its speaker had heard (e.g. by ``aic resume``) starts."""
        spoken = (await self._utterances(conversation_id)).values()
        ends = [u.start_s + (u.duration_s if u.played_s is None else u.played_s) for u in spoken]
        return max(ends) + MIN_GAP_S if ends else 0.0

    def _agent_hearing(self, state: ConversationState, name: str, text: str | None) -> list[Event]:
        """What a voice agent heard (its own transcription), recorded with its answer; nothing
        when it did not say (``transcript.heard`` is optional): unknown, not the empty text,
        which would count every word as missed."""
        utterance = self._agent_heard.pop((state.conversation_id, name), None)
        if utterance is None or text is None:
            return []
        if self.telemetry is not None:
            self.telemetry.heard(utterance, name, text, interrupted=False)
        heard = UtteranceHeard(
            listener=name,
            speaker=utterance.speaker,
            message_sequence=utterance.sequence,
            text=text,
            confidence=1.0,
        )
        return [heard]


def _config(state: ConversationState) -> VoiceConfig | None:
    return VoiceConfig.from_metadata(state.started.metadata) if state.started else None
