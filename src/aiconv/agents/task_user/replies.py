"""The task user's next message: what a person following the brief says to what the agent said.

In order: the first message (unless the casting posted the task's opening line) is the reason
for calling in the first person; a
transfer is acknowledged with ``###TRANSFER###``; facts the agent asks for are given (only
those); a yes/no confirmation about a fact is checked against it; an unknown item gets "I don't
know" (asked again: ``###OUT-OF-SCOPE###``); an offer is accepted unless a ``Decline:`` line
covers it; a refusal or a re-offer gets the next ``Insist:`` line once; "anything else?" gets the
next ``Also ask:`` line, or thanks and ``###STOP###``. Wording varies with the seed only.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from aiconv.agents.task_user.asking import (
    Question,
    asks_for,
    contains_value,
    mentions,
    normal,
    questions,
    sentences,
)
from aiconv.agents.task_user.brief import OUT_OF_SCOPE, STOP, TRANSFER, Brief

#: How a fact is said, by key (others: "my <key words> is <value>").
SAYINGS = {
    "full_name": "my full name is {value}",
    "date_of_birth": "my date of birth is {value}",
    "zip_code": "my ZIP code is {value}",
    "card_last4": "the card ends in {value}",
    "delivery_address": "please send it to {value}",
    "merchant": "the charge was from {value}",
    "amount": "the amount was {value}",
    "account": "it's my {value} account",
    "order_id": "my order number is {value}",
}

_TRANSFER = re.compile(
    r"\b(transferring|transfer you|connecting you|put you through|putting you through|"
    r"handing you over|hand you over)\b",
    re.IGNORECASE,
)
_ANYTHING_ELSE = re.compile(
    r"\b(anything else|something else|any other (questions?|thing)|else i can (help|do))\b",
    re.IGNORECASE,
)
_REFUSAL = re.compile(
    r"\b(sorry|unfortunately|afraid|apologi[sz]e)\b.*\b(can't|cannot|can not|unable|not able|"
    r"only|isn't possible|not possible|won't be able|no longer|not allowed)\b|\bcan only\b",
    re.IGNORECASE | re.DOTALL,
)
_REFERS_BACK = re.compile(r"\b(there|that one|that address|this address|it)\b", re.IGNORECASE)
_HOW_CAN_I_HELP = re.compile(
    r"\b(how (can|may) i (help|assist)|what can i (do|help)|what do you need|"
    r"how can we help|what brings you)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Situation:
    """Where the conversation stands, seen by the customer."""

    brief: Brief
    #: The agent's latest message ("" when the customer speaks first).
    agent_said: str
    #: The customer's own earlier messages, oldest first.
    own: tuple[str, ...]
    rng: random.Random


#: What a customer writes again before the agent has answered (double-texting): waiting, never
#: new facts, never the end signal — the agent has not done anything yet.
WAITING = (
    "Hello?",
    "Are you still there?",
    "Sorry, I'm in a bit of a hurry.",
    "Any news?",
    "Still waiting on you.",
    "Is this going to take long?",
)


def waiting(s: Situation) -> str:
    """A message while the agent has not answered yet: one not said before if any is left, else
    one not said since the agent's last (the messages since then may come merged into one),
    else any but the very last."""
    said = [normal(own) for own in s.own]
    unsaid = [w for w in WAITING if not any(normal(w) in text for text in said)]
    since = [w for w in WAITING if normal(w) not in (said[-1] if said else "")]
    last = s.own[-1].rstrip() if s.own else ""
    return s.rng.choice(unsaid or since or [w for w in WAITING if not last.endswith(w)])


def next_message(s: Situation) -> str:
    """The customer's next message."""
    if not s.own:
        opening = _capital(first_person(s.brief.reason_for_call))
        return f"{_pick(s, 'Hi.', 'Hello.')} {opening}" if s.agent_said else opening
    said = s.agent_said
    statements = [t for t in sentences(said) if not t.endswith("?")]
    if any(_TRANSFER.search(t) for t in statements):
        return f"{_pick(s, 'Okay, thank you.', 'Alright, thanks.')} I'll wait.\n{TRANSFER}"
    asked = questions(said)
    answer = _facts_answer(s, asked)
    if answer is not None:
        return answer
    return _other_answer(s, said, asked)


def _facts_answer(s: Situation, asked: list[Question]) -> str | None:
    """The known facts the agent asked for, or the reply to a confirmation about one."""
    given: list[tuple[str, str]] = []
    for key, value in s.brief.facts.items():
        question = next((q for q in asked if asks_for(q.text, key)), None)
        if question is None:
            continue
        # A confirmation names what it confirms: in the question, or just before it ("there").
        before = s.agent_said if _REFERS_BACK.search(question.text) else ""
        named = next((t for t in (question.text, before) if _names_a_value(t)), None)
        if question.yes_no and named is not None:
            if contains_value(named, value):
                return _pick(s, "Yes, that's right.", "Yes, that's correct.")
            if any(contains_value(line, value) for line in s.own):
                return _insist_or_accept(s)
            return f"No, {saying(key, value)}."
        given.append((key, value))
    if not given:
        return None
    values = [value for _, value in given]
    times = max(sum(contains_value(line, v) for line in s.own) for v in values)
    if times >= 2:  # a person asked again and again does not recite the same sentence
        return (
            f"This is the {_ordinal(times + 1)} time I'm telling you, and nothing has changed: "
            f"{_join(values)}. Please look again."
        )
    if times == 1:
        return f"{_pick(s, 'I am sure that is right:', 'Let me repeat it:')} {_join(values)}."
    lead = _pick(s, "Sure.", "Of course.", "Okay.")
    return f"{lead} {_capital(_join([saying(k, v) for k, v in given]))}."


def _ordinal(number: int) -> str:
    return {3: "third", 4: "fourth", 5: "fifth"}.get(number, f"{number}th")


def _other_answer(s: Situation, said: str, asked: list[Question]) -> str:
    for item in s.brief.unknown:
        if any(mentions(q.text, item) for q in asked):
            missing = first_person(item)
            if any(missing in line for line in s.own):
                return f"I'm sorry, I really don't have that.\n{OUT_OF_SCOPE}"
            return f"I'm sorry, I don't know that: {missing}."
    insist = _unused(s, "insist")
    if _REFUSAL.search(said) and insist is not None:
        return insist
    if _ANYTHING_ELSE.search(said):
        return _follow_up_or_stop(s)
    offers = [q for q in asked if q.yes_no]
    if offers:
        if _declines(s.brief, offers[-1].text):
            return _pick(s, "No, thank you.", "No, thanks.")
        return _pick(s, "Yes, please.", "Yes, please go ahead.", "Yes, that's fine.")
    if _REFUSAL.search(said):
        return _insist_or_accept(s)
    if not asked:
        return _follow_up_or_stop(s)
    if _HOW_CAN_I_HELP.search(said):
        insist = _unused(s, "insist")
        if insist is not None:
            return insist
        return f"As I said, {first_person(s.brief.reason_for_call)}"
    if any("I'm not sure I can answer that" in line for line in s.own):
        return f"I'm sorry, I can't help with that.\n{OUT_OF_SCOPE}"
    return "I'm not sure I can answer that."


def _insist_or_accept(s: Situation) -> str:
    """The next ``Insist:`` line, or accepting what the agent says."""
    insist = _unused(s, "insist")
    if insist is not None:
        return insist
    return _pick(s, "Okay, I understand. That's fine.", "Alright, I understand. Let's do that.")


def _follow_up_or_stop(s: Situation) -> str:
    follow = _unused(s, "also ask")
    if follow is not None:
        return f"{_pick(s, 'Thank you.', 'Thanks.', 'Great, thanks.')} {follow}"
    thanks = _pick(s, "No, that's all. Thank you for your help!", "That's everything, thanks!")
    return f"{thanks}\n{STOP}"


def _unused(s: Situation, directive: str) -> str | None:
    """The first line of ``directive`` the customer has not said yet."""
    for line in s.brief.directives(directive):
        if not any(normal(line) in normal(own) for own in s.own):
            return line
    return None


def _declines(brief: Brief, question: str) -> bool:
    text = f" {normal(question)} "
    return any(
        all(f" {w} " in text for w in normal(words).split())
        for words in brief.directives("decline")
    )


def _names_a_value(question: str) -> bool:
    """Whether a confirmation names the value it confirms (digits: an address, a number)."""
    return re.search(r"\d", question) is not None


def saying(key: str, value: str) -> str:
    """How the customer states fact ``key``."""
    template = SAYINGS.get(key, "my " + key.replace("_", " ") + " is {value}")
    return template.format(value=value)


def first_person(text: str) -> str:
    """A brief's second-person line as the customer says it ("You lost your card" -> "I lost
    my card")."""
    replaced = re.sub(r"^you (do not|don't) (know|remember|have) ", "", text.strip(), flags=re.I)
    swaps = (
        (r"\byou are\b", "I am"),
        (r"\byou're\b", "I'm"),
        (r"\byou were\b", "I was"),
        (r"\byou have\b", "I have"),
        (r"\byourself\b", "myself"),
        (r"\byours\b", "mine"),
        (r"\byour\b", "my"),
        # the object of a verb ("charged you $45.00", "sent you") is "me", the subject "I"
        (r"\b(\w+ed|sent|gave|told|owes?|give|send|tell|help|call|charge) you\b", r"\1 me"),
        (r"\byou\b", "I"),
    )
    for pattern, replacement in swaps:
        replaced = re.sub(pattern, replacement, replaced, flags=re.IGNORECASE)
    return replaced


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _pick(s: Situation, *choices: str) -> str:
    return s.rng.choice(choices)
