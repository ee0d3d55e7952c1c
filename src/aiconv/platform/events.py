"""The facts a conversation is made of: frozen, past-tense events with a ``kind`` and a version.

Adding a field with a default is backwards compatible; renaming or changing the meaning of one
bumps ``SCHEMA_VERSION`` of that event and adds an upcaster in ``codec.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantSpec:
    """Who takes part: a unique ``name``, the ``agent`` id it runs on and the resolved model."""

    name: str
    agent: str
    model: str = ""
    persona: str | None = None
    role: str | None = None
    system: str | None = None
    system_prompt: str = ""
    base_url: str | None = None
    #: Sampling temperature and seed of this participant's model (None: the vendor's default).
    temperature: float | None = None
    seed: int | None = None
    #: Tool sources this participant may call (``aiconv.tools`` references: a Python file or
    #: module, ``mcp:stdio:COMMAND``, ``mcp:http://…``, ``env:DOMAIN`` …), rebuilt by any process.
    tools: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class StopSignal:
    """``token`` alone on a line of a message by ``sender`` (anyone when None) ends the
    conversation with ``reason`` (e.g. a simulated user's ``###STOP###`` -> ``satisfied``)."""

    token: str
    reason: str
    sender: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StopConfig:
    """The stop rules a conversation was started with (see ``termination.py``)."""

    max_turns: int = 20
    max_turns_per_participant: int | None = None
    end_token: str = "<END>"
    timeout_s: float | None = None
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    closing: str = "mutual"
    closing_phrases: tuple[str, ...] = ()
    loop_policy: str = "end"
    #: Tool rounds a turn may take before its message (then the model must answer in text).
    max_tool_rounds: int = 8
    #: Seconds a tool call may take before it is recorded as ``timeout``.
    tool_timeout_s: float = 60.0
    #: Tokens that end the conversation with a reason of their own.
    signals: tuple[StopSignal, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PluginRef:
    """A plugin a conversation is run with (an ``aiconv.judges`` or ``aiconv.stamps`` name) and
    the settings it is rebuilt from, so every process taking a turn runs it alike."""

    name: str
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationStarted:
    """A conversation began: its topic, participants, first speaker, policy and stop rules.

    ``judge`` decides, after each message, which events to add and whether to stop (the plain
    stop rules, closing and loop detection when None); ``stamp`` rewrites each message before it
    is posted (e.g. simulated time). Version 2 made them typed fields (they were untyped
    ``metadata`` keys in version 1; ``codec`` upcasts old events).
    """

    KIND: ClassVar[str] = "ConversationStarted"
    SCHEMA_VERSION: ClassVar[int] = 2
    topic: str
    participants: tuple[ParticipantSpec, ...]
    first_speaker: str
    turn_policy: str = "round_robin"
    stop: StopConfig = StopConfig()
    seed: int | None = None
    lease_s: float = 60.0
    detached: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    judge: PluginRef | None = None
    stamp: PluginRef | None = None
    #: When it really began, for a conversation recorded elsewhere and imported (else None:
    #: the time the log stored the event).
    occurred_at: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnClaimed:
    """``speaker``'s instance ``instance_id`` holds the next turn until ``lease_expires_at``."""

    KIND: ClassVar[str] = "TurnClaimed"
    SCHEMA_VERSION: ClassVar[int] = 1
    speaker: str
    instance_id: str
    lease_expires_at: float
    trace_context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePosted:
    """``sender`` said ``content``; the call's model, usage, cost and latency."""

    KIND: ClassVar[str] = "MessagePosted"
    SCHEMA_VERSION: ClassVar[int] = 1
    sender: str
    content: str
    model: str = ""
    #: The vendor name of the provider that answered (``ChatReply.provider``); empty in events
    #: recorded before it was kept.
    provider: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    latency_s: float = 0.0
    attempts: int = 1
    trace_id: str | None = None
    simulated_at: float | None = None
    #: The reply came from the response cache: nothing was paid (``cost_usd`` 0) and
    #: ``saved_usd`` is what the original call cost (None when its price was unknown).
    cached: bool = False
    saved_usd: float | None = None
    #: When it was really sent, for a message recorded elsewhere and imported (else None: the
    #: time the log stored the event).
    occurred_at: float | None = None
    #: Why the model stopped, as the vendor said it (``end_turn``, ``stop``, ``max_tokens`` …);
    #: ``truncated`` when it hit its output limit, so the content is cut short.
    finish_reason: str | None = None
    truncated: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCalled:
    """``speaker``'s model asked for tool ``tool`` in round ``round`` of its turn; recorded
    *before* the call runs, so a takeover knows which effects may have happened.

    The first call of a round also carries that model call's facts: the text the model wrote
    with its calls, the model, usage, cost and latency (zero on the other calls of the round).
    ``idempotent`` says whether the tool may be run again with the same ``call_id`` (its
    idempotency key) when its result was never recorded.
    """

    KIND: ClassVar[str] = "ToolCalled"
    SCHEMA_VERSION: ClassVar[int] = 1
    speaker: str
    call_id: str
    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)
    round: int = 1
    idempotent: bool = False
    text: str = ""
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    latency_s: float = 0.0
    #: Set when the model's arguments were not a JSON object: the call is answered with an
    #: error instead of being run.
    error: str | None = None
    #: The vendor's opaque token for the call (Gemini's thought signature), sent back with it.
    signature: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolReturned:
    """The call ``call_id`` ended: its result (``content``, JSON for structured results) or an
    error. ``outcome`` is ``ok``, ``error`` (the tool failed or its arguments were invalid;
    the model is told), ``timeout``, or ``unknown`` (the instance running it stopped before it
    returned and the tool is not idempotent, so it was not run again)."""

    KIND: ClassVar[str] = "ToolReturned"
    SCHEMA_VERSION: ClassVar[int] = 1
    speaker: str
    call_id: str
    tool: str
    content: str
    is_error: bool = False
    outcome: str = "ok"
    latency_s: float = 0.0
    #: The call was run again after a takeover (idempotent tools only, same call id).
    rerun: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class EnvironmentSnapshot:
    """The state of environment ``domain`` (its whole database, as JSON) at the start of the
    conversation. With the recorded tool calls it determines every later state, so any process
    rebuilds the environment and the end state can be audited and graded."""

    KIND: ClassVar[str] = "EnvironmentSnapshot"
    SCHEMA_VERSION: ClassVar[int] = 1
    domain: str
    state: dict[str, Any] = field(default_factory=dict)
    task_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CriterionEvaluated:
    """One criterion of a task's evaluation and its evidence, so a report says why a
    conversation passed or failed. ``kind`` is ``end_state``, ``action``, ``communicate``,
    ``nl_assertion``, ``outcome`` or ``rubric`` (a 1–5 ``score`` with a rationale);
    ``passed`` is None when the criterion could not be judged (e.g. no judge configured)."""

    KIND: ClassVar[str] = "CriterionEvaluated"
    SCHEMA_VERSION: ClassVar[int] = 1
    task_id: str
    criterion: str
    kind: str
    passed: bool | None = None
    score: float | None = None
    evidence: str = ""
    by: str = "grader"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskGraded:
    """The verdict of a task: every criterion of ``basis`` passed (``reward`` 1) or not (0)."""

    KIND: ClassVar[str] = "TaskGraded"
    SCHEMA_VERSION: ClassVar[int] = 1
    task_id: str
    passed: bool
    reward: float
    basis: tuple[str, ...] = ()
    by: str = "grader"


@dataclass(frozen=True, slots=True, kw_only=True)
class ModeratorNoted:
    """The platform addressed the participants (e.g. a nudge after a detected loop)."""

    KIND: ClassVar[str] = "ModeratorNoted"
    SCHEMA_VERSION: ClassVar[int] = 1
    content: str
    reason: str = ""
    #: When it was really written, for an imported note (else None).
    occurred_at: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentFailed:
    """A provider call for ``speaker`` failed; the conversation may go on or end."""

    KIND: ClassVar[str] = "AgentFailed"
    SCHEMA_VERSION: ClassVar[int] = 1
    speaker: str
    error_kind: str
    message: str
    retryable: bool = False
    breaker_state: str | None = None
    attempts: int = 1
    #: The vendor's id of the failed request (what its support asks for), when it sent one.
    request_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LoopDetected:
    """The loop detector recognised ``kind`` with ``score`` over the messages at ``sequences``."""

    KIND: ClassVar[str] = "LoopDetected"
    SCHEMA_VERSION: ClassVar[int] = 1
    loop_kind: str
    score: float
    sequences: tuple[int, ...] = ()
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeProposed:
    """``by`` proposes that the conversation reached ``outcome``."""

    KIND: ClassVar[str] = "OutcomeProposed"
    SCHEMA_VERSION: ClassVar[int] = 1
    outcome: str
    by: str
    confidence: float = 1.0
    rationale: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeDecided:
    """The outcome of the conversation, decided by ``by`` (an evaluator or an arbitration rule)."""

    KIND: ClassVar[str] = "OutcomeDecided"
    SCHEMA_VERSION: ClassVar[int] = 1
    outcome: str
    by: str
    confidence: float = 1.0
    rationale: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationEnded:
    """The conversation ended for ``reason`` (a stop rule, a signal, a failure)."""

    KIND: ClassVar[str] = "ConversationEnded"
    SCHEMA_VERSION: ClassVar[int] = 1
    reason: str
    detail: str = ""
    by: str = ""
    #: When it really ended, for an imported conversation (else None).
    occurred_at: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationResumed:
    """An unfinished (e.g. interrupted) conversation was taken up again."""

    KIND: ClassVar[str] = "ConversationResumed"
    SCHEMA_VERSION: ClassVar[int] = 1
    by: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class UtteranceSpoken:
    """``speaker`` said message ``message_sequence`` aloud: ``voice``, audio in the blob store.

    ``start_s`` is where the audio starts on the conversation's timeline (seconds from its
    start); ``first_audio_s`` is how long the listener waited for the first audio.
    """

    KIND: ClassVar[str] = "UtteranceSpoken"
    SCHEMA_VERSION: ClassVar[int] = 1
    speaker: str
    message_sequence: int
    text: str
    voice: str
    audio_ref: str
    duration_s: float
    start_s: float = 0.0
    first_audio_s: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UtteranceHeard:
    """``listener`` heard message ``message_sequence`` as ``text`` (recognised, ``confidence``).

    ``played_s`` is how much of the audio was heard: less than its duration when the listener
    ``interrupted`` (barged in), and then the rest was never heard.
    """

    KIND: ClassVar[str] = "UtteranceHeard"
    SCHEMA_VERSION: ClassVar[int] = 1
    listener: str
    speaker: str
    message_sequence: int
    text: str
    confidence: float = 1.0
    played_s: float | None = None
    interrupted: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationForked:
    """This conversation continues another one from a point: its events ``1..at_sequence`` are
    copies of ``parent_id``'s, and from here on it runs with the replacements given (the
    parent's participants, stop rules, turn policy, judge and stamp when not). The parent is
    never changed; ``metadata`` replaces the parent's run id and adds what the fork is for.
    """

    KIND: ClassVar[str] = "ConversationForked"
    SCHEMA_VERSION: ClassVar[int] = 1
    parent_id: str
    at_sequence: int
    participants: tuple[ParticipantSpec, ...] = ()
    stop: StopConfig | None = None
    turn_policy: str | None = None
    judge: PluginRef | None = None
    stamp: PluginRef | None = None
    by: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


Event = (
    ConversationStarted
    | TurnClaimed
    | MessagePosted
    | ToolCalled
    | ToolReturned
    | EnvironmentSnapshot
    | CriterionEvaluated
    | TaskGraded
    | ModeratorNoted
    | AgentFailed
    | LoopDetected
    | OutcomeProposed
    | OutcomeDecided
    | ConversationEnded
    | ConversationResumed
    | UtteranceSpoken
    | UtteranceHeard
    | ConversationForked
)

EVENT_TYPES: tuple[type[Event], ...] = (
    ConversationStarted,
    TurnClaimed,
    MessagePosted,
    ToolCalled,
    ToolReturned,
    EnvironmentSnapshot,
    CriterionEvaluated,
    TaskGraded,
    ModeratorNoted,
    AgentFailed,
    LoopDetected,
    OutcomeProposed,
    OutcomeDecided,
    ConversationEnded,
    ConversationResumed,
    UtteranceSpoken,
    UtteranceHeard,
    ConversationForked,
)
