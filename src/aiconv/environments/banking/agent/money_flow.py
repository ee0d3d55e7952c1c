"""Money requests: balances, a payment looked up, and disputes."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from aiconv.environments.banking.agent.desk import Desk, Step
from aiconv.environments.banking.agent.memory import amounts_in, polarity
from aiconv.environments.banking.agent.requests import Request
from aiconv.environments.banking.agent.wording import dollars, long_date, misread
from aiconv.environments.banking.rules import (
    DISPUTE_REVIEW_TIME,
    DISPUTE_WINDOW_DAYS,
    PROVISIONAL_CREDIT_LIMIT,
)

KINDS = ("checking", "savings", "credit")
Q_ACCOUNT = "Which account would you like the balance of"
Q_CHARGE = "Which charge would you like to dispute?"
Q_DISPUTE = "Shall I open the dispute?"
_DISPUTE_REASONS = (
    ("duplicate", r"\b(twice|double|duplicate)\b", "a duplicate charge"),
    (
        "wrong_amount",
        r"\b(wrong amount|overcharged|instead of|should (only )?have been|agreed|priced at|"
        r"difference)\b",
        "the amount you were overcharged",
    ),
    ("cancelled_subscription", r"\bcancell?ed\b", "a charge after you cancelled"),
    (
        "not_received",
        r"\b(never (arrived|came|received)|(didn'?t|did not) (receive|arrive|get)|"
        r"not received)\b",
        "goods or services you didn't receive",
    ),
)


def balance(desk: Desk, request: Request) -> Step:
    """The balance of the accounts the caller asks about."""
    accounts = desk.accounts()
    text = request.scope(desk.memory)
    answer = desk.memory.answer_to(Q_ACCOUNT, request.at)
    kinds = _kinds_named(text) + (_kinds_named(answer.text, near=None) if answer else [])
    if re.search(r"\b(all|each|both|every)\b", text, re.IGNORECASE):
        chosen = accounts
    elif kinds:
        chosen = [a for a in accounts if a["kind"] in kinds]
    elif len(accounts) == 1:
        chosen = accounts
    else:
        held = " or ".join(a["kind"] for a in accounts)
        return Step(ask=f"{Q_ACCOUNT}: your {held} account?")
    found = {  # this request's look-ups: a balance asked for again is looked up (and told) anew
        a["account_id"]: desk.ok(
            "get_account", request.at, request.until, account_id=a["account_id"]
        )
        for a in chosen
    }
    missing = [aid for aid, item in found.items() if item is None]
    if missing:
        return Step(calls=tuple(("get_account", {"account_id": aid}) for aid in missing))
    lines = [_balance_line(desk, item.result) for item in found.values()]
    return Step(report=" ".join(lines), settled_at=max(i.index for i in found.values()))


def _kinds_named(text: str, near: str | None = r"balance|owe|how much") -> list[str]:
    """The account kinds named (only those near ``near``: "my savings balance", not "I lost my
    credit card")."""
    windows = (
        [text]
        if near is None
        else [
            text[max(0, m.start() - 30) : m.end() + 30]
            for m in re.finditer(near, text, re.IGNORECASE)
        ]
    )
    return [k for k in KINDS if any(re.search(rf"\b{k}\b", w, re.IGNORECASE) for w in windows)]


def _balance_line(desk: Desk, account: dict[str, Any]) -> str:
    amount = Decimal(str(account["balance"]))
    said = dollars(misread(amount) if desk.has("wrong_amount") else amount)
    if account["kind"] == "credit":
        return f"On your credit card account ending {account['number_last4']} you owe {said}."
    return (
        f"Your {account['kind']} account ending {account['number_last4']} has a balance of {said}."
    )


def listed(desk: Desk, request: Request, limit: int) -> list[dict[str, Any]] | Step:
    """The transactions of the caller's spending accounts (newest first), or the calls that
    list them."""
    accounts = [a for a in desk.accounts() if a["kind"] != "savings"]
    found = {
        a["account_id"]: desk.ok("list_transactions", request.at, account_id=a["account_id"])
        for a in accounts
    }
    missing = [aid for aid, item in found.items() if item is None]
    if missing:
        return Step(
            calls=tuple(
                ("list_transactions", {"account_id": aid, "limit": limit}) for aid in missing
            )
        )
    transactions = []
    for item in found.values():
        for t in item.result["transactions"]:
            transactions.append(
                {
                    **t,
                    "account_id": item.result["account_id"],
                    "as_of": item.result["as_of"],
                    "_at": item.index,
                }
            )
    transactions.sort(key=lambda t: (t["on"], t["transaction_id"]), reverse=True)
    return transactions


def _merchant(transactions: list[dict[str, Any]], text: str) -> str | None:
    lowered = text.lower()
    for t in transactions:
        name = str(t["merchant"])
        first = name.split()[0].lower()
        if name.lower() in lowered or (len(first) >= 4 and re.search(rf"\b{first}\b", lowered)):
            return name
    return None


def payment(desk: Desk, request: Request) -> Step:
    """A payment the caller asks about (the latest to the merchant they name)."""
    transactions = listed(desk, request, 20)
    if isinstance(transactions, Step):
        return transactions
    settled = max((t["_at"] for t in transactions), default=request.at)
    merchant = _merchant(transactions, request.scope(desk.memory))
    if merchant is None:
        latest = ", ".join(
            f"{dollars(t['amount'])} at {t['merchant']} on {long_date(t['on'])}"
            for t in transactions[:3]
        )
        return Step(report=f"Your most recent transactions are: {latest}.", settled_at=settled)
    t = next(t for t in transactions if t["merchant"] == merchant)
    amount = dollars(misread(t["amount"]) if desk.has("wrong_amount") else t["amount"])
    report = f"Your most recent payment to {merchant} was {amount} on {long_date(t['on'])}."
    if t["status"] == "pending":
        report += " It's still pending, so it isn't part of your balance yet."
    return Step(report=report, settled_at=settled)


def dispute(desk: Desk, request: Request) -> Step:
    """Dispute a charge: find it, check it may be disputed, confirm, open, tell."""
    transactions = listed(desk, request, 50)
    if isinstance(transactions, Step):
        return transactions
    text = request.scope(desk.memory)
    reason, said_reason = next(
        ((r, s) for r, p, s in _DISPUTE_REASONS if re.search(p, text, re.I)),
        ("other", "a disputed charge"),
    )
    charge = _charge(transactions, text, reason)
    if charge is None:
        answer = desk.memory.answer_to(Q_CHARGE, request.at)
        if answer is None:
            return Step(ask=f"{Q_CHARGE} Could you tell me the merchant and the amount?")
        # settled by the answer that named no charge we hold: told once (settling it at the
        # newest message told it again every turn)
        return Step(
            report="I'm sorry, I can't find that charge on your accounts.",
            settled_at=answer.index,
        )
    settled = max(t["_at"] for t in transactions)
    what = f"the charge of {dollars(charge['amount'])} from {charge['merchant']}"
    if charge["status"] == "pending":
        return Step(
            report=f"{_capital(what)} is still pending, so it can't be disputed yet: once "
            "it has posted, usually within a few days, you can dispute it.",
            settled_at=settled,
        )
    age = (date.fromisoformat(charge["as_of"]) - date.fromisoformat(charge["on"])).days
    if age > DISPUTE_WINDOW_DAYS and not desk.has("ignore_policy"):
        return Step(
            report=f"I'm sorry, but {what} was made on {long_date(charge['on'])}, more "
            f"than {DISPUTE_WINDOW_DAYS} days ago, so it can no longer be disputed.",
            settled_at=settled,
        )
    return _open(desk, request, charge, reason, said_reason)


def _open(
    desk: Desk, request: Request, charge: dict[str, Any], reason: str, said_reason: str
) -> Step:
    disputes = desk.ok("list_disputes", request.at)
    if disputes is None:
        return Step(calls=(("list_disputes", {"customer_id": desk.customer_id}),))
    opened = desk.ok("open_dispute", request.at, transaction_id=charge["transaction_id"])
    if opened is not None:
        return Step(report=_opened(desk, opened.result), settled_at=opened.index)
    existing = [d for d in disputes.result if d["transaction_id"] == charge["transaction_id"]]
    if existing:
        d = existing[0]
        return Step(
            report=f"There's already an open dispute for that charge: {d['dispute_id']}, "
            f"for {dollars(d['amount'])}, opened on {long_date(d['opened_on'])}. The "
            f"disputes team decides within {DISPUTE_REVIEW_TIME} of opening.",
            settled_at=disputes.index,
        )
    amount = _disputed(desk, charge, reason, request.scope(desk.memory))
    answer = desk.memory.answer_to(Q_DISPUTE, request.at)
    if answer is None:
        return Step(
            ask=f"I can see a charge of {dollars(charge['amount'])} from "
            f"{charge['merchant']} on {long_date(charge['on'])}. I'll open a dispute for "
            f"{dollars(amount)}, as {said_reason}. {Q_DISPUTE}"
        )
    if polarity(answer.text) is not True:
        return Step(report="Alright, I won't open a dispute.", settled_at=answer.index)
    arguments = {
        "transaction_id": charge["transaction_id"],
        "reason": reason,
        "amount": float(amount),
    }
    return Step(calls=(("open_dispute", arguments),))


def _opened(desk: Desk, result: Any) -> str:
    text = f"I've opened dispute {result['dispute_id']} for {dollars(result['amount'])}."
    if desk.has("forget_fact"):
        return text
    credit = Decimal(str(result["provisional_credit"]))
    if credit:
        text += (
            f" As it's {dollars(PROVISIONAL_CREDIT_LIMIT)} or less, I've credited "
            f"{dollars(credit)} to your account provisionally."
        )
    else:
        text += f" As it's over {dollars(PROVISIONAL_CREDIT_LIMIT)}, there's no provisional credit."
    return f"{text} The disputes team will decide within {result['review_time']}."


def _charge(transactions: list[dict[str, Any]], text: str, reason: str) -> dict[str, Any] | None:
    """The charge the caller means: the merchant they name, the amount they name, the newest
    (for a duplicate, the newer of two equal charges)."""
    merchant = _merchant(transactions, text)
    charges = [t for t in transactions if t["merchant"] == merchant and t["direction"] == "debit"]
    if reason == "duplicate":
        twice = [t for t in charges if sum(o["amount"] == t["amount"] for o in charges) >= 2]
        charges = twice or charges
    amounts = amounts_in(text)
    named = [t for t in charges if Decimal(t["amount"]) in amounts]
    found = named or charges
    return found[0] if found else None


def _disputed(desk: Desk, charge: dict[str, Any], reason: str, text: str) -> Decimal:
    """How much to dispute: the difference for a wrong amount, else the whole charge."""
    charged = Decimal(charge["amount"])
    agreed = [a for a in amounts_in(text) if a < charged]
    right = charged - max(agreed) if reason == "wrong_amount" and agreed else charged
    if not desk.has("wrong_amount"):
        return right
    wrong = charged if right != charged else misread(charged)
    return wrong if wrong <= charged else charged - 1


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
