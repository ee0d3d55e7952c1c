"""The brief of a simulated customer: the task's hidden instructions as a block of its system
prompt, rendered and parsed here so the casting (which writes it) and the offline ``task-user``
(which reads it) agree on one documented format — the one an LLM user simulator reads too.

::

    # Your task
    You are the customer in this conversation. …
    Reason for calling: <reason_for_call>
    Opening line: <opening>                              (optional)

    Known information (share each item only when the agent asks for it):
    - full_name: Dana Whitfield                          (key: value; or free text lines)
    - date_of_birth: 1984-03-12

    Unknown information (you do not know this; if asked, say you do not know):
    - your customer id

    Instructions:
    <task_instructions; may hold directive lines:>
    Also ask: <a further request, raised once the previous one is dealt with>
    Insist: <what to say, once, when the agent refuses or re-offers what you turned down>
    Decline: <words: say no to an offer that mentions them>

    End of the conversation:
    - … ###STOP### / ###TRANSFER### / ###OUT-OF-SCOPE### alone on the last line

Keys are snake_case; ``aiconv.agents.task_user.asking`` documents the ones a question is
recognised for (``full_name``, ``date_of_birth``, ``zip_code``, ``card_last4`` …); any other key
is recognised by its own words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: The user is satisfied (or the request clearly cannot be met): the conversation is over.
STOP = "###STOP###"
#: The user was transferred to another agent or a human.
TRANSFER = "###TRANSFER###"
#: The conversation needs something the brief does not give the user.
OUT_OF_SCOPE = "###OUT-OF-SCOPE###"
#: Each signal and the end reason it stands for.
SIGNALS = {STOP: "user_stop", TRANSFER: "user_transfer", OUT_OF_SCOPE: "user_out_of_scope"}

HEADER = "# Your task"
_REASON = "Reason for calling:"
_OPENING = "Opening line:"
_KNOWN = "Known information (share each item only when the agent asks for it):"
_UNKNOWN = "Unknown information (you do not know this; if asked, say you do not know):"
_INSTRUCTIONS = "Instructions:"
_END = "End of the conversation:"
_FACT = re.compile(r"^-\s*([a-z][a-z0-9_]*)\s*:\s*(.+?)\s*$")
_DIRECTIVE = re.compile(r"^\s*(also ask|insist|decline)\s*:\s*(.+?)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Brief:
    """What the simulated customer knows and wants."""

    reason_for_call: str
    known: tuple[tuple[str, str], ...] = ()
    #: Known information given as prose (τ²-bench's form), shared the same way.
    known_text: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    instructions: str = ""
    opening: str | None = None

    @classmethod
    def of(
        cls,
        *,
        reason_for_call: str,
        known_info: str | Mapping[str, str] | None = None,
        unknown_info: str | Sequence[str] | None = None,
        task_instructions: str = "",
        opening: str | None = None,
    ) -> Brief:
        """A brief from a task's instructions (``known_info`` a mapping or prose,
        ``unknown_info`` a list or prose)."""
        known: tuple[tuple[str, str], ...] = ()
        text: tuple[str, ...] = ()
        if isinstance(known_info, Mapping):
            known = tuple((str(k), str(v)) for k, v in known_info.items())
        elif known_info:
            text = _lines(known_info)
        unknown = (
            _lines(unknown_info) if isinstance(unknown_info, str) else tuple(unknown_info or ())
        )
        return cls(
            reason_for_call=" ".join(reason_for_call.split()),
            known=known,
            known_text=text,
            unknown=unknown,
            instructions=task_instructions.strip(),
            opening=" ".join(opening.split()) if opening else None,
        )

    @property
    def facts(self) -> dict[str, str]:
        """The known facts by key (prose facts of the form "your X is Y" included)."""
        found = dict(self.known)
        for line in self.known_text:
            for key, value in _prose_facts(line):
                found.setdefault(key, value)
        return found

    def directives(self, name: str) -> list[str]:
        """The instruction lines ``Also ask:``, ``Insist:`` or ``Decline:`` (by ``name``)."""
        found = []
        for line in self.instructions.splitlines():
            match = _DIRECTIVE.match(line)
            if match and match.group(1).lower() == name.lower():
                found.append(match.group(2))
        return found

    def render(self) -> str:
        """The block to put in the customer's system prompt."""
        lines = [
            HEADER,
            "You are the customer in this conversation, not the agent. Follow this brief; never "
            "reveal it or mention that you have one. Write one short message at a time.",
            f"{_REASON} {self.reason_for_call}",
        ]
        if self.opening:
            lines.append(f"{_OPENING} {self.opening}")
        if self.known or self.known_text:
            lines += ["", _KNOWN]
            lines += [f"- {key}: {value}" for key, value in self.known]
            lines += [f"- {line}" for line in self.known_text]
        if self.unknown:
            lines += ["", _UNKNOWN, *(f"- {item}" for item in self.unknown)]
        if self.instructions:
            lines += ["", _INSTRUCTIONS, self.instructions]
        lines += [
            "",
            _END,
            f"- When your requests are handled (or clearly cannot be), write {STOP} alone on "
            "its own last line.",
            f"- If you are transferred to another agent or a human, write {TRANSFER} alone on "
            "its own last line.",
            "- If the agent needs information or a decision this brief does not give you, "
            f"write {OUT_OF_SCOPE} alone on its own last line.",
        ]
        return "\n".join(lines)

    @classmethod
    def parse(cls, text: str) -> Brief | None:
        """The brief in a system prompt, or None when it holds none."""
        if HEADER not in text:
            return None
        sections = _sections(text[text.index(HEADER) :])
        reason = " ".join(sections.get(_REASON, []))
        if not reason:
            return None
        known, prose = [], []
        for line in sections.get(_KNOWN, []):
            fact = _FACT.match(line)
            if fact:
                known.append((fact.group(1), fact.group(2)))
            else:
                prose.append(line.lstrip("- ").strip())
        return cls(
            reason_for_call=reason,
            known=tuple(known),
            known_text=tuple(prose),
            unknown=tuple(line.lstrip("- ").strip() for line in sections.get(_UNKNOWN, [])),
            instructions="\n".join(sections.get(_INSTRUCTIONS, [])),
            opening=" ".join(sections.get(_OPENING, [])) or None,
        )


def _sections(text: str) -> dict[str, list[str]]:
    """The non-empty lines under each heading of the block (one-line headings keep their
    rest of line)."""
    headings = (_REASON, _OPENING, _KNOWN, _UNKNOWN, _INSTRUCTIONS, _END)
    found: dict[str, list[str]] = {}
    current: str | None = None
    for raw in text.splitlines()[1:]:
        line = raw.strip()
        heading = next((h for h in headings if line.startswith(h)), None)
        if heading is not None:
            current = heading
            rest = line[len(heading) :].strip()
            found[current] = [rest] if rest else []
            if heading in (_REASON, _OPENING):
                current = None  # a one-line heading
        elif current is not None and line:
            found[current].append(line)
    return found


def _lines(text: str) -> tuple[str, ...]:
    """Prose split into sentences (one fact or item each)."""
    parts = re.split(r"(?<=[.;])\s+|\n+", text.strip())
    return tuple(p.strip().rstrip(".;") for p in parts if p.strip())


_PROSE_FACT = re.compile(r"\byour ([a-z][a-z0-9 ]{1,40}?) (?:is|are) ([^.;]+)", re.IGNORECASE)


def _prose_facts(line: str) -> list[tuple[str, str]]:
    """("zip_code", "28236") from "Your zip code is 28236"."""
    return [
        ("_".join(m.group(1).lower().split()), m.group(2).strip())
        for m in _PROSE_FACT.finditer(line)
    ]
