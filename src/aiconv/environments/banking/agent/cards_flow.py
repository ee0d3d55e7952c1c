"""Card requests: lost, stolen or damaged cards (block, then a replacement to a verified address),
found cards, where a replacement is, and fraud (block, then the fraud team)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from aiconv.environments.banking.agent import delivery
from aiconv.environments.banking.agent.desk import Desk, Step
from aiconv.environments.banking.agent.memory import last4_in, polarity
from aiconv.environments.banking.agent.requests import Request
from aiconv.environments.banking.agent.wording import long_date

ASK_CARD = "Which card is it? Could you tell me the last four digits?"
Q_REPLACE = "Would you like me to order a replacement card?"
_REASONS = (
    ("stolen", r"\b(stolen|taken|pickpocket\w*|robbed|theft)\b"),
    ("damaged", r"\b(damaged|broken|snapped|cracked|stopped working|not working|chip)\b"),
    ("lost", r"\b(lost|misplaced|can'?t find|cannot find|lose)\b"),
)
_WANTS_NEW = re.compile(r"\b(replace\w*|new (card|one)|another card)\b", re.IGNORECASE)
_NOT = re.compile(r"\b(don'?t|do not|doesn'?t|no|not|never|without)\b[^.?!]*$", re.IGNORECASE)


def replacement_wish(text: str) -> bool | None:
    """Whether the caller said they want a replacement (True), that they don't (False), or
    nothing about it (None)."""
    wish = None
    for match in _WANTS_NEW.finditer(text):
        wish = not _NOT.search(text[max(0, match.start() - 30) : match.start()])
    return wish


def pick_card(
    desk: Desk, request: Request, statuses: set[str]
) -> tuple[dict[str, Any] | None, bool]:
    """(the card the caller means, whether it is ambiguous) among cards in ``statuses``."""
    cards = desk.cards()
    text = request.scope(desk.memory)
    for last4 in reversed(last4_in(text)):
        chosen = next((c for c in cards if c["last4"] == last4), None)
        if chosen is not None:
            return _maybe_wrong(desk, chosen, cards, statuses), False
    candidates = [c for c in cards if c["status"] in statuses]
    for kind in ("credit", "debit"):
        if re.search(rf"\b{kind} card\b", text, re.IGNORECASE):
            candidates = [c for c in candidates if c["kind"] == kind]
    if len(candidates) == 1:
        return _maybe_wrong(desk, candidates[0], cards, statuses), False
    return None, len(candidates) > 1


def _maybe_wrong(
    desk: Desk, card: dict[str, Any], cards: list[dict[str, Any]], statuses: set[str]
) -> dict[str, Any]:
    if not desk.has("wrong_card"):
        return card
    # The wrong card, the same one on every turn whatever has happened to either since.
    others = sorted(
        (c for c in cards if c["card_id"] != card["card_id"]), key=lambda c: str(c["card_id"])
    )
    return others[0] if others else card


def reason_of(desk: Desk, request: Request) -> str:
    """lost, stolen or damaged, as the caller tells it."""
    text = request.scope(desk.memory)
    reason = next((r for r, pattern in _REASONS if re.search(pattern, text, re.I)), "lost")
    if desk.has("wrong_reason") and reason in ("lost", "stolen"):
        return "stolen" if reason == "lost" else "lost"
    return reason


def lost_card(desk: Desk, request: Request) -> Step:
    """Block the card, then offer (and order) a replacement."""
    ordered = desk.memory.calls("order_replacement_card", after=request.at)
    if ordered:
        return Step(report=delivery.ordered(desk, ordered[-1].result), settled_at=ordered[-1].index)
    card, ambiguous = pick_card(desk, request, {"active", "blocked"})
    if card is None:
        return Step(ask=ASK_CARD) if ambiguous else _no_card(desk, request)
    if card["status"] == "active":
        return Step(
            calls=(
                ("block_card", {"card_id": card["card_id"], "reason": reason_of(desk, request)}),
            )
        )
    blocked = desk.ok("block_card", card_id=card["card_id"])
    if blocked is not None:
        intro = f"I've blocked your card ending {card['last4']}, so nobody can use it."
    else:
        intro = f"Your card ending {card['last4']} is already blocked, so nobody can use it."
    return replacement(desk, request, card, intro)


def replacement(desk: Desk, request: Request, card: dict[str, Any], intro: str) -> Step:
    """Offer a replacement for a blocked ``card``, then order it to a verified address."""
    ordered = desk.ok("order_replacement_card", card_id=card["card_id"])
    if ordered is not None:
        return Step(report=delivery.ordered(desk, ordered.result), settled_at=ordered.index)
    if card["status"] == "replaced":
        return Step(
            report=f"A replacement for your card ending {card['last4']} has already been ordered.",
            settled_at=desk.anchor(request),
        )
    answer = desk.memory.answer_to(Q_REPLACE, request.at)
    wish = replacement_wish(request.scope(desk.memory))
    if answer is not None and polarity(answer.text) is False:
        return Step(
            report=f"Alright, I won't order a replacement. Your card ending "
            f"{card['last4']} stays blocked.",
            settled_at=answer.index,
        )
    if answer is None and wish is False:
        return Step(
            report=f"{intro} As you asked, I won't order a replacement.",
            settled_at=desk.anchor(request),
        )
    if answer is None and not wish:
        return Step(ask=f"{intro} {Q_REPLACE}")
    step = delivery.order(desk, request, card)
    told = any(i.index > request.at and "blocked" in i.text for i in desk.memory.own())
    return step if told or not step.ask else replace(step, ask=f"{intro} {step.ask}")


def found_card(desk: Desk, request: Request) -> Step:
    """Unblock a card blocked as lost; a stolen one is replaced instead."""
    ordered = desk.memory.calls("order_replacement_card", after=request.at)
    if ordered:
        return Step(report=delivery.ordered(desk, ordered[-1].result), settled_at=ordered[-1].index)
    unblocked = desk.memory.calls("unblock_card", after=request.at)
    if unblocked:
        last4 = next(
            (
                c["last4"]
                for c in desk.cards()
                if c["card_id"] == unblocked[-1].arguments.get("card_id")
            ),
            "",
        )
        return Step(
            report=f"Good news: I've unblocked your card ending {last4}, so you can use "
            "it again straight away.",
            settled_at=unblocked[-1].index,
        )
    card, ambiguous = pick_card(desk, request, {"blocked"})
    if card is None:
        return Step(ask=ASK_CARD) if ambiguous else _no_card(desk, request)
    if desk.ok("get_card", request.at, card_id=card["card_id"]) is None:
        return Step(calls=(("get_card", {"card_id": card["card_id"]}),))  # why was it blocked?
    if card.get("block_reason") == "lost" or desk.has("ignore_policy"):
        return Step(calls=(("unblock_card", {"card_id": card["card_id"]}),))
    intro = (
        f"I'm glad your card ending {card['last4']} turned up, but a card reported stolen can't "
        "be unblocked, for your security."
    )
    return replacement(desk, request, card, intro)


def where_is_it(desk: Desk, request: Request) -> Step:
    """Where a replacement card is, and when it arrives."""
    card, ambiguous = pick_card(desk, request, {"replaced"})
    if card is None:
        return Step(ask=ASK_CARD) if ambiguous else _no_card(desk, request)
    looked = desk.ok("get_card", after=request.at, card_id=card["card_id"])
    if looked is None:
        return Step(calls=(("get_card", {"card_id": card["card_id"]}),))
    sent = looked.result.get("replacement", {}) if isinstance(looked.result, dict) else {}
    if not sent:
        return Step(
            report=f"I can't see a replacement on its way for your card ending {card['last4']}.",
            settled_at=looked.index,
        )
    report = (
        f"Your replacement for the card ending {card['last4']} is on its way to "
        f"{sent['address']} by {sent['shipping']} delivery. It should arrive by "
        f"{long_date(sent['arrives_by'])}."
    )
    return Step(report=report, settled_at=looked.index)


def fraud(desk: Desk, request: Request) -> Step:
    """Transactions the caller did not make: block the card, then the fraud team."""
    card, ambiguous = pick_card(desk, request, {"active", "blocked"})
    if card is None and ambiguous:
        return Step(ask=ASK_CARD)
    if card is not None and card["status"] == "active":
        reason = "lost" if desk.has("wrong_reason") else "stolen"
        return Step(calls=(("block_card", {"card_id": card["card_id"], "reason": reason}),))
    ending = f" ending {card['last4']}" if card else ""
    report = (
        f"I've blocked your card{ending} so it can't be used again. I'm now transferring you to "
        "our fraud team, who will go through the transactions you didn't make with you."
    )
    summary = f"Caller reports transactions they did not make; card{ending} blocked."
    return desk.transfer("fraud", summary, report, since=request.at)


def _no_card(desk: Desk, request: Request) -> Step:
    return Step(
        report="I can't find a card on your profile that matches that.",
        settled_at=desk.anchor(request),
    )
