"""What each side of a task conversation is told — and what it is never told.

The simulated user gets the task's hidden information in its own system prompt only
(``user_brief``), in a fixed, documented layout that an LLM reads as instructions and the
offline ``task-user`` parses line by line; the agent under test gets its own instructions and the
domain's policy (``agent_brief``), never a word of the user's scenario, whoever speaks first.
The public topic of a task conversation is its ``title`` (or a neutral line).

The user brief's layout (sections in this order, each only when it has content)::

    Reason for your call:
      <reason_for_call>
    Known information (share an item only when the agent asks for it):
    - <key>: <value>           (known_info given as a mapping)
    - <line>                   (known_info given as text, one item a line)
    Unknown information (you do not know this; say so if you are asked):
    - <item>
    Instructions:
      <task_instructions>
    Signals: ###STOP### when your request is done, ###TRANSFER### when you are handed to a
    human, ###OUT-OF-SCOPE### when the agent cannot help — alone on your message's last line.
"""

from __future__ import annotations

import textwrap

from aiconv.platform.events import StopSignal
from aiconv.simulation.tasks import Task

#: The simulated user's signals, and the end reason each records.
USER_SIGNALS = (
    ("###STOP###", "satisfied"),
    ("###TRANSFER###", "transferred"),
    ("###OUT-OF-SCOPE###", "out_of_scope"),
)

KNOWN_HEADER = "Known information (share an item only when the agent asks for it):"
UNKNOWN_HEADER = "Unknown information (you do not know this; say so if you are asked):"


def user_signals(user: str) -> tuple[StopSignal, ...]:
    """The stop signals of a task conversation: only the simulated user's count."""
    return tuple(StopSignal(token=t, reason=r, sender=user) for t, r in USER_SIGNALS)


def public_topic(task: Task, domain: str) -> str:
    """The topic every participant may see: the task's title, or a neutral line."""
    return task.title or f"A customer contacts {domain} support"


def user_brief(task: Task, *, agent: str, persona: str = "") -> str:
    """The simulated user's whole system prompt for ``task``."""
    info = task.instructions
    lines = [
        f"You are a customer talking to {agent}, a support agent, in a chat. Write only as the "
        "customer, one message at a time, in your own words; never write the agent's part.",
    ]
    if persona:
        lines.append(persona)
    lines += ["Reason for your call:", textwrap.indent(info.reason_for_call.strip(), "  ")]
    known = _items(info.known_info)
    if known:
        lines += [KNOWN_HEADER, *(f"- {item}" for item in known)]
    unknown = _items(info.unknown_info)
    if unknown:
        lines += [UNKNOWN_HEADER, *(f"- {item}" for item in unknown)]
    if info.task_instructions.strip():
        lines += ["Instructions:", textwrap.indent(info.task_instructions.strip(), "  ")]
    signals = ", ".join(f"{token} ({reason.replace('_', ' ')})" for token, reason in USER_SIGNALS)
    lines.append(
        f"Signals: {signals} — write the one that applies alone on the last line of your "
        "message when the conversation should end: ###STOP### when your request is done, "
        "###TRANSFER### when you are handed to a human, ###OUT-OF-SCOPE### when the agent "
        "cannot help."
    )
    return "\n".join(lines)


def agent_brief(system: str, policy: str, *, agent: str) -> str:
    """The agent under test's system prompt: its own instructions and the domain policy."""
    parts = [
        f"You are {agent}, a support agent in a chat with a customer. Use your tools to look "
        "things up and to act; follow the policy below.",
        system.strip(),
        "# Policy",
        policy.strip(),
    ]
    return "\n\n".join(p for p in parts if p)


def _items(value: str | dict[str, str] | list[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, dict):
        return [f"{key}: {text}" for key, text in value.items()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [line.strip(" -") for line in value.splitlines() if line.strip(" -")]
