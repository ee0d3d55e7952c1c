"""The agent's desk: the verified customer, their profile as its tools last showed it (with the
agent's own changes since), and the ``Step`` a flow asks for next."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiconv.environments.banking.agent.memory import (
    Memory,
    bare_name_in,
    dates_in,
    full_name_in,
    zip_in,
)

Call = tuple[str, Mapping[str, Any]]
#: The caller's full name, date of birth and ZIP code, each None until said.
Identity = tuple[str | None, date | None, str | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """What a request needs now: tool calls, a question (which ends the turn), or — once it is
    settled — a report to give once (a message after ``settled_at`` means it was given).
    ``final``: a hand-over; nothing else is said after it."""

    calls: tuple[Call, ...] = ()
    ask: str = ""
    report: str = ""
    settled_at: int = -1
    final: bool = False


class Desk:
    """What the agent knows about the caller, read from its memory."""

    def __init__(self, memory: Memory, mistakes: frozenset[str]) -> None:
        self.memory = memory
        self.mistakes = mistakes

    def has(self, mistake: str) -> bool:
        """Whether this conversation's agent makes ``mistake``."""
        return mistake in self.mistakes

    @property
    def customer_id(self) -> str | None:
        """Who the caller is, once verified (or, with ``skip_verification``, looked up)."""
        for item in reversed(self.memory.calls("verify_identity")):
            if isinstance(item.result, dict) and item.result.get("verified"):
                return str(item.result["customer_id"])
        if self.has("skip_verification"):
            for item in reversed(self.memory.calls("find_customer")):
                if isinstance(item.result, list) and len(item.result) == 1:
                    return str(item.result[0]["customer_id"])
        return None

    @property
    def locked(self) -> bool:
        """Whether verification locked after too many failures."""
        attempts = self.memory.calls("verify_identity")
        return (
            bool(attempts)
            and isinstance(attempts[-1].result, dict)
            and bool(attempts[-1].result.get("locked"))
        )

    def identity(self) -> Identity:
        """The full name, date of birth and ZIP code the caller gave (the latest of each); a
        name said on its own counts when the agent had asked for it."""
        name = birth = zip_code = None
        for item in self.memory.customer():
            asked = self.memory.asked_before(item.index, "name")
            name = full_name_in(item.text) or (asked and bare_name_in(item.text)) or name
            born = dates_in(item.text)
            birth = born[-1] if born else birth
            zip_code = zip_in(item.text) or zip_code
        return name, birth, zip_code

    @property
    def profile(self) -> dict[str, Any] | None:
        """The verified customer's profile (``get_customer``), if fetched."""
        for item in reversed(self.memory.calls("get_customer")):
            if item.arguments.get("customer_id") == self.customer_id and isinstance(
                item.result, dict
            ):
                return item.result
        return None

    def cards(self) -> list[dict[str, Any]]:
        """The customer's cards, with the changes the agent's calls made since the profile."""
        profile = self.profile or {}
        cards = [dict(card) for card in profile.get("cards", [])]
        by_id = {card["card_id"]: card for card in cards}
        for item in self.memory.items:
            card = by_id.get(str(item.arguments.get("card_id", "")))
            if item.kind != "call" or item.is_error or card is None:
                continue
            if item.tool == "block_card":
                card.update(status="blocked", block_reason=item.arguments.get("reason"))
            elif item.tool == "unblock_card":
                card.update(status="active", block_reason=None)
            elif item.tool == "order_replacement_card":
                card.update(status="replaced")
            elif item.tool == "get_card" and isinstance(item.result, dict):
                card.update(item.result)
        return cards

    def addresses(self) -> list[dict[str, Any]]:
        """The customer's addresses (each with ``verified``)."""
        return list((self.profile or {}).get("addresses", []))

    def accounts(self) -> list[dict[str, Any]]:
        """The customer's open accounts."""
        return [a for a in (self.profile or {}).get("accounts", []) if a.get("status") == "open"]

    def account(self, account_id: str) -> dict[str, Any] | None:
        """An account of the customer's by id."""
        return next((a for a in self.accounts() if a["account_id"] == account_id), None)

    def ok(self, tool: str, after: int = -1, before: int | None = None, **arguments: Any) -> Any:
        """The latest successful call of ``tool`` with these arguments after ``after`` (and
        before ``before``)."""
        for item in reversed(self.memory.calls(tool, after=after)):
            early = before is None or item.index < before
            if early and all(item.arguments.get(k) == v for k, v in arguments.items()):
                return item
        return None

    def anchor(self, request: Any) -> int:
        """Where a report about ``request`` is anchored: its last tool call (before the next
        request was raised), else the message that raised it."""
        until = request.until if request.until is not None else len(self.memory.items)
        calls = [
            i.index for i in self.memory.items if i.kind == "call" and request.at < i.index < until
        ]
        return max(calls, default=request.at)

    def transfer(self, department: str, summary: str, report: str, since: int) -> Step:
        """Hand the caller to ``department`` (or, with ``no_transfer``, only say who to call)
        for the request raised at ``since``."""
        done = self.ok("transfer_to_human", department=department)
        if done is not None:
            return Step(report=report, settled_at=done.index, final=True)
        if self.has("no_transfer") and department != "security":
            team = department.replace("_", " ")
            text = f"For that you'll need our {team} team: please call them on the number on "
            text += "the back of your card."
            return Step(report=text, settled_at=since)
        arguments = {"department": department, "summary": summary}
        return Step(calls=(("transfer_to_human", arguments),))
