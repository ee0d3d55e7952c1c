"""The simulated customer's brief, read back from its system prompt.

The task casting writes the brief (``aiconv.simulation.briefs.user_brief``) in a fixed layout
that an LLM user simulator reads as instructions; the offline ``task-user`` reads the same text
as data, here, line by line::

    Reason for your call:
      <reason_for_call>
    Known information (share an item only when the agent asks for it):
    - <key>: <value>            (known_info as a mapping; prose lines are read for "your X is Y")
    Unknown information (you do not know this; say so if you are asked):
    - <item>
    Instructions:
      <task_instructions, which may hold directive lines:>
      Also ask: <a further request, raised once the previous one is dealt with>
      Insist: <what to say, once, when the agent refuses or re-offers what you turned down>
      Decline: <words: say no to an offer that mentions them>
    Signals: ...

Keys are snake_case; ``asking`` lists those a question is recognised for (``full_name``,
``date_of_birth``, ``zip_code``, ``card_last4`` …); any other key is recognised by its words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The user is satisfied (or the request clearly cannot be met): the conversation is over.
STOP = "###STOP###"
#: The user was transferred to another agent or a human.
TRANSFER = "###TRANSFER###"
#: The conversation needs something the brief does not give the user.
OUT_OF_SCOPE = "###OUT-OF-SCOPE###"
#: Each signal and the end reason the task casting records for it.
SIGNALS = {STOP: "satisfied", TRANSFER: "transferred", OUT_OF_SCOPE: "out_of_scope"}

REASON = "Reason for your call:"
KNOWN = "Known information (share an item only when the agent asks for it):"
UNKNOWN = "Unknown information (you do not know this; say so if you are asked):"
INSTRUCTIONS = "Instructions:"
SIGNALS_LINE = "Signals:"
_HEADINGS = (REASON, KNOWN, UNKNOWN, INSTRUCTIONS, SIGNALS_LINE)
_FACT = re.compile(r"^([a-z][a-z0-9_]*)\s*:\s*(.+?)\s*$")
_DIRECTIVE = re.compile(r"^\s*(also ask|insist|decline)\s*:\s*(.+?)\s*$", re.IGNORECASE)
_PROSE_FACT = re.compile(r"\byour ([a-z][a-z0-9 ]{1,40}?) (?:is|are) ([^.;]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Brief:
    """What the simulated customer knows and wants."""

    reason_for_call: str
    known: tuple[tuple[str, str], ...] = ()
    #: Known information given as prose (τ²-bench's form), shared the same way.
    known_text: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    instructions: str = ""

    @property
    def facts(self) -> dict[str, str]:
        """The known facts by key (prose facts of the form "your X is Y" included)."""
        found = dict(self.known)
        for line in self.known_text:
            for match in _PROSE_FACT.finditer(line):
                key = "_".join(match.group(1).lower().split())
                found.setdefault(key, match.group(2).strip())
        return found

    def directives(self, name: str) -> list[str]:
        """The instruction lines ``Also ask:``, ``Insist:`` or ``Decline:`` (by ``name``)."""
        found = []
        for line in self.instructions.splitlines():
            match = _DIRECTIVE.match(line)
            if match and match.group(1).lower() == name.lower():
                found.append(match.group(2))
        return found

    @classmethod
    def parse(cls, text: str) -> Brief | None:
        """The brief in a system prompt, or None when it holds none."""
        sections = _sections(text)
        reason = " ".join(sections.get(REASON, []))
        if not reason:
            return None
        known, prose = [], []
        for item in _items(sections.get(KNOWN, [])):
            fact = _FACT.match(item)
            if fact:
                known.append((fact.group(1), fact.group(2)))
            else:
                prose.append(item)
        return cls(
            reason_for_call=reason,
            known=tuple(known),
            known_text=tuple(prose),
            unknown=tuple(_items(sections.get(UNKNOWN, []))),
            instructions="\n".join(sections.get(INSTRUCTIONS, [])),
        )


def _sections(text: str) -> dict[str, list[str]]:
    """The non-empty lines under each heading (their indentation removed)."""
    found: dict[str, list[str]] = {}
    current: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        heading = next((h for h in _HEADINGS if line.startswith(h)), None)
        if heading is not None:
            current = heading
            rest = line[len(heading) :].strip()
            found[current] = [rest] if rest else []
        elif current is not None and line:
            found[current].append(line)
    return found


def _items(lines: list[str]) -> list[str]:
    return [line[1:].strip() if line.startswith("-") else line for line in lines]
