"""Transcripts read from a file: values, the field mapping, and the mapping file.

A ``FieldMapping`` says which field holds the conversation id, the sender (or role), the text,
the timestamp and optionally an outcome label; fields left unset are found among common names
(``conversation_id``/``chat_id``/``id``, ``sender``/``role``/``author``, ``text``/``content``/
``message``, ``timestamp``/``created_at``/``time`` …). Sender values are mapped to the two roles
of a support chat (``customer``, ``agent``) or ``system``; the common words (``user``,
``assistant``, ``visitor``, ``operator``, ``bot`` …) are known, others are added with
``customer``/``agent`` lists.
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

import pydantic
import yaml

from aiconv import user_files
from aiconv.errors import TranscriptError
from aiconv.learning.times import check_format
from aiconv.simulation.locate import load_yaml
from aiconv.validation import check_text

CUSTOMER = "customer"
AGENT = "agent"
SYSTEM = "system"

CANDIDATES: Mapping[str, tuple[str, ...]] = {
    "conversation_id": (
        "conversation_id",
        "conversationId",
        "conversation",
        "chat_id",
        "chatId",
        "session_id",
        "thread_id",
        "ticket_id",
        "id",
    ),
    "sender": ("sender", "role", "author", "speaker", "from", "participant", "party", "user_type"),
    # plain_body before body: Zendesk's comments carry both (and html_body)
    "text": ("text", "content", "message", "plain_body", "body", "utterance", "msg", "value"),
    "timestamp": (
        "timestamp",
        "created_at",
        "createdAt",
        "create_time",  # ChatGPT's data export
        "time",
        "sent_at",
        "date",
        "datetime",
        "ts",
        "at",  # aic export's
    ),
    "outcome": ("outcome", "resolution", "disposition"),
    # "conversations": ShareGPT, the common shape of published chat data sets; "conversation":
    # LMSYS-Chat-1M's and WildChat's (a list there, never an id: ids are strings or numbers)
    "messages": (
        "messages",
        "turns",
        "transcript",
        "dialogue",
        "dialog",
        "conversations",
        "conversation",
        "chat_messages",  # Claude's data export
    ),
}

ROLE_WORDS: Mapping[str, frozenset[str]] = {
    CUSTOMER: frozenset(
        {
            "customer",
            "user",
            "client",
            "visitor",
            "human",
            "end_user",
            "end-user",
            "caller",
            "guest",
            "contact",
            "buyer",
            "consumer",
            "member",
            "requester",
            "lead",  # Intercom's author.type of a visitor not yet identified
            "end user",
        }
    ),
    AGENT: frozenset(
        {
            "agent",
            "assistant",
            "support",
            "bot",
            "operator",
            "rep",
            "representative",
            "staff",
            "advisor",
            "adviser",
            "csr",
            "employee",
            "ai",
            "model",
            "helpdesk",
            "admin",  # Intercom's author.type of a teammate; "team" when a team answered
            "team",
            "gpt",  # ShareGPT's name for the assistant
        }
    ),
    SYSTEM: frozenset({"system", "developer", "note", "internal"}),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptMessage:
    """One message: its role, the sender as written, text, Unix time (None if the file has
    none) and the line it was read from."""

    role: str
    sender: str
    text: str
    at: float | None
    line: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Transcript:
    """One conversation read from a file, messages in order."""

    source_id: str
    messages: tuple[TranscriptMessage, ...]
    line: int
    outcome: str | None = None

    @property
    def customer_messages(self) -> list[TranscriptMessage]:
        """The customer's messages."""
        return [m for m in self.messages if m.role == CUSTOMER]


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """A malformed row: the line and what is wrong with it."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class LeftOut(enum.Enum):
    """A message of a file that is not words said in the chat, left out and counted."""

    TOOL = "tool"  # a tool call or result
    PRIVATE_NOTE = "private_note"  # an agents' internal note (Zendesk's public: false)
    NO_TEXT = "no_text"  # a file or an image alone, or a body with no words (<p>&nbsp;</p>)


@dataclass(frozen=True, slots=True, kw_only=True)
class Parsed:
    """What a file held: its transcripts, the rows that could not be read, how many rows, how
    many of them were tool calls or results, and the other rows left out (``LeftOut`` values:
    private notes, messages without text), none of them words said in the chat."""

    transcripts: tuple[Transcript, ...]
    problems: tuple[Problem, ...] = ()
    rows: int = 0
    tool_rows: int = 0
    left_out: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldMapping:
    """Which field holds what; ``None`` means "find it among the common names"."""

    conversation_id: str | None = None
    sender: str | None = None
    text: str | None = None
    timestamp: str | None = None
    outcome: str | None = None
    messages: str | None = None
    time_format: str | None = None
    customer: tuple[str, ...] = ()
    agent: tuple[str, ...] = ()
    system: tuple[str, ...] = ()
    roles: Mapping[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        roles = {w: role for role, words in ROLE_WORDS.items() for w in words}
        for role, values in ((CUSTOMER, self.customer), (AGENT, self.agent), (SYSTEM, self.system)):
            roles.update({value.strip().lower(): role for value in values})
        object.__setattr__(self, "roles", roles)
        if self.time_format is not None:
            check_format(self.time_format)

    def role_of(self, sender: str) -> str | None:
        """``customer``, ``agent`` or ``system`` for a sender value; None when unknown."""
        return self.roles.get(sender.strip().lower())

    def merged(self, overrides: FieldMapping) -> FieldMapping:
        """This mapping with every field ``overrides`` sets (flags win over a mapping file)."""
        changes: dict[str, Any] = {}
        names = ("conversation_id", "sender", "text", "timestamp", "outcome", "messages")
        for name in (*names, "time_format"):
            if getattr(overrides, name) is not None:
                changes[name] = getattr(overrides, name)
        for name in ("customer", "agent", "system"):
            changes[name] = (*getattr(self, name), *getattr(overrides, name))
        return replace(self, **changes)


def _key(*names: str) -> Any:
    """A mapping file's key, under its name or the other words for it (``role`` = ``sender``)."""
    return pydantic.Field(None, min_length=1, validation_alias=pydantic.AliasChoices(*names))


def _sender_value(value: str) -> str:
    check_text(value)  # empty or control characters: refused, as --customer '' is
    return value


#: A value of the sender field that means one side (``customer = ["user"]``).
SenderValue = Annotated[str, pydantic.AfterValidator(_sender_value)]


class _MappingModel(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    conversation_id: str | None = _key("conversation_id", "id")
    sender: str | None = _key("sender", "role")
    text: str | None = _key("text", "content")
    timestamp: str | None = _key("timestamp", "time")
    outcome: str | None = pydantic.Field(None, min_length=1)
    messages: str | None = pydantic.Field(None, min_length=1)
    time_format: str | None = pydantic.Field(None, min_length=1)
    customer: list[SenderValue] = []
    agent: list[SenderValue] = []
    system: list[SenderValue] = []


def load_mapping(path: Path) -> FieldMapping:
    """The mapping in a TOML, YAML or JSON file; TranscriptError names the file and field."""
    try:
        text = user_files.read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise TranscriptError(f"mapping file {path}: cannot be read: {exc}") from None
    try:
        if path.suffix.lower() == ".toml":
            data: Any = tomllib.loads(text)
        elif path.suffix.lower() in (".yaml", ".yml", ".json"):
            data = load_yaml(text)  # JSON is YAML
        else:
            raise TranscriptError(f"mapping file {path}: use a .toml, .yaml or .json file")
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise TranscriptError(f"mapping file {path}: {exc}".splitlines()[0]) from None
    except RecursionError:  # the TOML and YAML readers recurse per level of nesting
        raise TranscriptError(f"mapping file {path}: nested too deeply") from None
    if not isinstance(data, dict):
        raise TranscriptError(f"mapping file {path}: must be a table of field names")
    try:
        model = _MappingModel.model_validate(data)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "mapping"
        message = first["msg"].removeprefix("Value error, ")  # our own rule's sentence
        raise TranscriptError(f"mapping file {path}: {where}: {message}") from None
    values = model.model_dump()
    try:
        return FieldMapping(
            **{k: v for k, v in values.items() if k not in ("customer", "agent", "system")},
            customer=tuple(model.customer),
            agent=tuple(model.agent),
            system=tuple(model.system),
        )
    except TranscriptError as exc:  # the time format's own sentence
        raise TranscriptError(f"mapping file {path}: {exc}") from None
