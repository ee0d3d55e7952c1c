"""The bank agent's next move: tool calls, or its message.

Every reply is planned afresh from the conversation (``memory``): the customer's requests in the
order they were raised, each handled by its flow after the caller is verified (when the policy
says so). A flow asks for calls (made now, in this turn's tool rounds), asks the customer a
question (which ends the turn), or reports what was done — once. A hand-over ends everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from aiconv.environments.banking.agent import cards_flow, money_flow, service
from aiconv.environments.banking.agent.desk import Call, Desk, Step
from aiconv.environments.banking.agent.memory import Memory, polarity
from aiconv.environments.banking.agent.requests import Request, is_raising, kinds_of, requests_of

GREETING = "Hello, thank you for contacting Harbor Bank. How can I help you today?"
#: Asked (once) when the customer has said what they need in words the desk does not know.
CLARIFY = (
    "I'm sorry, I want to be sure I help you with the right thing: is it about one of your "
    "cards, a payment or a charge, or a balance? How can I help?"
)
UNCLEAR = (
    "I'm sorry I couldn't follow. I'm transferring you to our customer service team now; "
    "they'll help you with your request."
)
_HELLO = re.compile(r"^\W*(hi|hello|hey|good (morning|afternoon|evening))\b[\W\w]{0,25}$", re.I)
ANYTHING_ELSE = "Is there anything else I can help you with?"
#: Asked when the customer answers "anything else?" with a bare yes.
WHAT_ELSE = "Of course. How can I help?"  # a question a request answers (requests.is_raising)
#: Said once the customer, asked whether there is anything else, says there is not.
GOODBYE = "You're welcome. Thank you for contacting Harbor Bank, and have a good day. Goodbye!"
_NOTHING_ELSE = re.compile(
    r"\b(that'?s (all|it|everything)|that is (all|it|everything)|nothing (else|more)|"
    r"all (set|good)|i'?m good|(good)?bye)\b",
    re.IGNORECASE,
)
PUSHBACK = "I understand, and I'm sorry, but I can't help further with that."
UNAVAILABLE = "I'm sorry, I can't reach the bank's systems from here right now."
#: Requests that need no verification (the rest are verified first).
_UNVERIFIED = frozenset({"third_party", "out_of_scope", "bereavement"})

Flow = Callable[[Desk, Request], Step]
FLOWS: dict[str, Flow] = {
    "card": cards_flow.lost_card,
    "found": cards_flow.found_card,
    "status": cards_flow.where_is_it,
    "fraud": cards_flow.fraud,
    "balance": money_flow.balance,
    "transactions": money_flow.payment,
    "dispute": money_flow.dispute,
    "third_party": lambda desk, request: service.someone_else(request),
    "out_of_scope": lambda desk, request: service.not_our_business(request),
    **{kind: service.hand_over for kind in service.TEAMS},
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """Calls to make now, or the message to post."""

    calls: tuple[Call, ...] = ()
    text: str = ""


def plan(memory: Memory, mistakes: frozenset[str], offered: frozenset[str]) -> Plan:
    """The agent's next move."""
    if not memory.customer():
        return Plan(text=GREETING)
    desk = Desk(memory, mistakes)
    requests = requests_of(memory)
    humans = sum(r.kind == "human" for r in requests)
    reports: list[str] = []
    for request in requests:
        step = _failed(memory, _step(desk, request, humans, requests))
        if step.calls:
            if any(name not in offered for name, _ in step.calls):
                return Plan(text=_join([*reports, UNAVAILABLE]))
            return Plan(calls=step.calls)
        if step.ask:
            return Plan(text=_join([*reports, step.ask]))
        if step.report and not memory.said_after(step.settled_at):
            reports.append(step.report)
        if step.final:
            return Plan(text=_join(reports or [step.report]))
    if not requests:
        return _unclear(desk, offered)
    if not reports and _needs_nothing_else(memory):
        return Plan(text=GOODBYE)
    if not reports and _says_only_yes(memory):
        return Plan(text=WHAT_ELSE)
    if not reports and _pushed_back(memory):
        reports.append(PUSHBACK)
    return Plan(text=_join([*reports, ANYTHING_ELSE]))


def _unclear(desk: Desk, offered: frozenset[str]) -> Plan:
    """The customer has spoken, but of nothing the desk knows. A hello is greeted; otherwise,
    as any support agent would, the caller who gave their details is verified first, then
    asked what they need in other words — once: a second message the desk cannot place is
    handed to customer service, never answered with the same question again."""
    memory = desk.memory
    newest = memory.customer()[-1]
    if all(desk.identity()) and desk.customer_id is None and not desk.locked:
        step = service.verification(desk)
        if step is not None and step.calls and all(name in offered for name, _ in step.calls):
            return Plan(calls=step.calls)
    clarified = [i.index for i in memory.own() if i.text.endswith(CLARIFY)]
    if clarified and memory.customer(clarified[-1]):
        summary = f"Request not understood by the agent: {newest.text[:200]}"
        step = desk.transfer("general", summary, UNCLEAR, since=newest.index)
        if step.calls and all(name in offered for name, _ in step.calls):
            return Plan(calls=step.calls)
        return Plan(text=step.report or UNCLEAR)
    if not memory.own() and _HELLO.match(newest.text):
        return Plan(text=GREETING)
    return Plan(text=CLARIFY)


def _failed(memory: Memory, step: Step) -> Step:
    """A step whose call was already made and refused is settled: the refusal is told once,
    never asked for again."""
    for name, arguments in step.calls:
        for item in memory.calls(name, ok=False):
            if item.is_error and dict(item.arguments) == dict(arguments):
                return Step(
                    report=f"I'm sorry, I couldn't do that: {item.result}.", settled_at=item.index
                )
    return step


def _answer_to_anything_else(
    memory: Memory, asked: tuple[str, ...] = (ANYTHING_ELSE,)
) -> str | None:
    """The customer's newest message when it answers "anything else?" (or another of
    ``asked``) and raises no request the desk knows (a person answers with a word; the task
    user raises its next request)."""
    own = memory.own()
    if not own or not own[-1].text.endswith(asked):
        return None
    answers = memory.customer(own[-1].index)
    if not answers or kinds_of(answers[-1]):
        return None
    return answers[-1].text


def _needs_nothing_else(memory: Memory) -> bool:
    """Whether the customer answered "anything else?" with a no or a goodbye (a person says
    so; the task user ends with its signal): then the call is closed, never asked again."""
    text = _answer_to_anything_else(memory, (ANYTHING_ELSE, WHAT_ELSE))
    if text is None:
        return False
    return polarity(text) is False or _NOTHING_ELSE.search(text) is not None


def _says_only_yes(memory: Memory) -> bool:
    """Whether the customer answered "anything else?" with a bare yes ("yes", "yes please"):
    then they are asked what, not told again what was already said."""
    text = _answer_to_anything_else(memory)
    return text is not None and polarity(text) is True and len(text.split()) <= 3


def _pushed_back(memory: Memory) -> bool:
    """Whether the customer's newest message asks for more than the agent can do (it would
    raise a request, but none the desk knows)."""
    newest = memory.customer()[-1]
    return (
        is_raising(memory, newest) and not kinds_of(newest) and polarity(newest.text) is not False
    )


def _step(desk: Desk, request: Request, humans: int, requests: list[Request]) -> Step:
    if request.kind == "human":
        if request is not [r for r in requests if r.kind == "human"][-1]:
            return Step()  # the newest request for a human stands for them all
        offer = service.human(desk, request, humans)
        if offer is not None:
            return offer
    if request.kind not in _UNVERIFIED:
        handing_over = request.kind in service.TEAMS
        before = service.verification(desk, handing_over) or service.profile(desk)
        if before is not None:
            return before
    return FLOWS[request.kind](desk, request)


def _join(parts: list[str]) -> str:
    return " ".join(p for p in parts if p)
