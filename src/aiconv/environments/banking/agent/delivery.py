"""Ordering a replacement card: which verified address, which delivery, and what to tell."""

from __future__ import annotations

import re
from typing import Any

from aiconv.environments.banking.agent.desk import Desk, Step
from aiconv.environments.banking.agent.memory import polarity
from aiconv.environments.banking.agent.requests import Request
from aiconv.environments.banking.agent.wording import dollars
from aiconv.environments.banking.rules import EXPRESS_FEE, EXPRESS_TIME, STANDARD_TIME

Q_ADDRESS = "Shall I send the new card to your verified"
Q_INSTEAD = "instead — shall I do that?"
Q_WHERE = "Where would you like the new card delivered?"
Q_EXPRESS = "Would you like express delivery?"
_URGENT = re.compile(
    r"\b(urgent\w*|asap|as soon as possible|quickly|quicker|faster|fast|express|hurry|"
    r"right away|travel\w*|trip|need it soon)\b",
    re.IGNORECASE,
)
_SEND_TO = re.compile(r"\bsend it to ([^.?!]+)", re.IGNORECASE)


def order(desk: Desk, request: Request, card: dict[str, Any]) -> Step:
    """The next step to a replacement for ``card``: an address, a delivery, then the order."""
    address = _address(desk, request)
    if isinstance(address, Step):
        return address
    shipping = _shipping(desk, request, card)
    if isinstance(shipping, Step):
        return shipping
    arguments = {"card_id": card["card_id"], "address_id": address, "shipping": shipping}
    return Step(calls=(("order_replacement_card", arguments),))


def ordered(desk: Desk, result: Any) -> str:
    """What the caller is told about the replacement just ordered."""
    if not isinstance(result, dict):
        return "I've ordered your replacement card."
    text = f"I've ordered your replacement card. It will be sent to {result['address']} by "
    text += f"{result['shipping']} delivery"
    if not desk.has("forget_fact"):
        text += f" and should arrive within {result['delivery_time']}"
    text += "."
    fee = float(result.get("fee", 0))
    if fee:
        text += f" The express delivery fee of {dollars(fee)} has been charged to your account."
    elif result["shipping"] == "express":
        text += " Express delivery is free for you as a premier customer."
    return text


def _address(desk: Desk, request: Request) -> str | Step:
    """The address to send the card to, or the question or hand-over that comes first."""
    addresses = desk.addresses()
    verified = [a for a in addresses if a["verified"]]
    wanted, named = _requested(desk, request, addresses)
    if desk.has("unverified_address"):
        if wanted is not None:
            return str(wanted["address_id"])
        unverified = [a for a in addresses if not a["verified"]]
        if unverified:
            return str(unverified[-1]["address_id"])
    if wanted is not None and wanted["verified"]:
        return str(wanted["address_id"])
    if not verified:
        return _to_accounts(desk, request, "there is no verified address on your profile")
    if wanted is not None or named:
        answer = desk.memory.answer_to(Q_INSTEAD, request.at)
        if answer is None:
            where = wanted["address"] if wanted else named
            return Step(
                ask=f"I'm sorry, but I can only send a card to a verified address, and {where} "
                f"isn't a verified address on your profile. I can send it to your verified "
                f"address at {verified[0]['address']} {Q_INSTEAD}"
            )
        if polarity(answer.text) is True:
            return str(verified[0]["address_id"])
        return _to_accounts(desk, request, "you'd like it sent to an address we haven't verified")
    return _confirm(desk, request, verified)


def _confirm(desk: Desk, request: Request, verified: list[dict[str, Any]]) -> str | Step:
    if len(verified) > 1:
        listed = " or ".join(a["address"] for a in verified)
        return Step(ask=f"{Q_WHERE} We can send it to {listed}.")
    answer = desk.memory.answer_to(Q_ADDRESS, request.at)
    if answer is not None and polarity(answer.text) is not False:
        return str(verified[0]["address_id"])
    if answer is None:
        home = verified[0]
        return Step(ask=f"{Q_ADDRESS} {home['label']} address at {home['address']}?")
    return Step(ask=Q_WHERE)


def _requested(
    desk: Desk, request: Request, addresses: list[dict[str, Any]]
) -> tuple[dict[str, Any] | None, str]:
    """The profile address the caller asked for (latest), or an address they named that is
    not on the profile ("" when they named none)."""
    wanted: dict[str, Any] | None = None
    named = ""
    for item in desk.memory.customer(request.at - 1):
        if request.until is not None and item.index >= request.until:
            break
        for address in addresses:
            street = str(address["address"]).split(",")[0].lower()
            if street in item.text.lower():
                wanted, named = address, ""
        sent = _SEND_TO.search(item.text)
        if sent and not any(
            str(a["address"]).split(",")[0].lower() in sent.group(1).lower() for a in addresses
        ):
            wanted, named = None, sent.group(1).strip()
    return wanted, named


def _to_accounts(desk: Desk, request: Request, why: str) -> Step:
    report = (
        f"I understand. As {why}, I can't order the replacement. Address changes and "
        "verifications are made by our accounts team, so I'm transferring you to them now."
    )
    summary = "Caller needs a replacement card sent to an address that is not verified."
    return desk.transfer("accounts", summary, report, since=request.at)


def _shipping(desk: Desk, request: Request, card: dict[str, Any]) -> str | Step:
    if not _URGENT.search(request.scope(desk.memory)):
        return "standard"
    answer = desk.memory.answer_to(Q_EXPRESS, request.at)
    if answer is None:
        premier = (desk.profile or {}).get("tier") == "premier"
        if premier:
            offer = "As a premier customer you can have express delivery for free: it takes "
            offer += f"{EXPRESS_TIME}."
        else:
            account = desk.account(str(card.get("account_id"))) or {"kind": "card's"}
            offer = (
                f"Express delivery takes {EXPRESS_TIME} and costs {dollars(EXPRESS_FEE)}, charged "
                f"to your {account['kind']} account; standard delivery is free and takes "
                f"{STANDARD_TIME}."
            )
        return Step(ask=f"{offer} {Q_EXPRESS}")
    return "express" if polarity(answer.text) is True else "standard"
