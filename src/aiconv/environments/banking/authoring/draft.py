"""Writing a banking task: a ``Bench`` (the task's bank, where the reference actions are run to
learn what they return) and a ``Draft`` (the task as it is written to a file).

A scenario picks customers from the generated bank, changes what it needs (``changes``: the
task's ``agent_data``), runs its reference actions on the bench and takes the facts the agent
must tell (amounts, references, delivery times) from their results — so a task's numbers are
always the bank's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from aiconv.environments.banking.state import BankState, Customer, dollars
from aiconv.environments.domain import Call, Domain, merged


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """A customer as a caller knows themselves."""

    customer: Customer

    @property
    def id(self) -> str:
        return self.customer.customer_id

    @property
    def known(self) -> dict[str, str]:
        """What the caller knows to verify themselves."""
        return {
            "full_name": self.customer.full_name,
            "date_of_birth": self.customer.date_of_birth.isoformat(),
            "zip_code": self.customer.zip_code,
        }


class Bench:
    """The bank of one task: the generated bank with the task's changes."""

    def __init__(self, domain: Domain, changes: dict[str, Any] | None = None) -> None:
        self.domain = domain
        self.changes = changes or {}
        base = domain.initial_state().model_dump(mode="json")
        loaded = domain.load_state(merged(base, self.changes))
        assert isinstance(loaded, BankState)
        self.state: BankState = loaded
        self.actions: list[tuple[str, dict[str, Any]]] = []

    def person(self, customer_id: str) -> Person:
        """The customer ``customer_id`` as a caller."""
        return Person(customer=self.state.customers[customer_id])

    def card(self, customer_id: str, kind: str = "debit") -> str:
        """The id of the customer's card of ``kind``."""
        return next(
            c.card_id
            for c in self.state.cards.values()
            if c.customer_id == customer_id and c.kind == kind
        )

    def account(self, customer_id: str, kind: str = "checking") -> str:
        """The id of the customer's account of ``kind``."""
        return next(
            a.account_id
            for a in self.state.accounts.values()
            if a.customer_id == customer_id and a.kind == kind
        )

    def address(self, customer_id: str, *, verified: bool = True) -> str:
        """The id of the customer's first (un)verified address."""
        return next(
            a.address_id
            for a in self.state.addresses.values()
            if a.customer_id == customer_id and a.verified == verified
        )

    def days_ago(self, days: int) -> str:
        """The ISO date ``days`` before the bank's today."""
        return (self.state.today - timedelta(days=days)).isoformat()

    def do(self, tool: str, **arguments: Any) -> Any:
        """Run a reference action (recorded) and return what it returned."""
        state, text = self.domain.apply(self.state, Call(tool=tool, arguments=arguments))
        assert isinstance(state, BankState)
        self.state = state
        self.actions.append((tool, arguments))
        return json.loads(text)

    def verify(self, person: Person) -> Any:
        """The caller's verification, as the reference does it."""
        return self.do("verify_identity", **person.known)

    def replace_card(
        self, customer: str, card: str, reason: str, shipping: str = "standard"
    ) -> Any:
        """Verify, block, order to the verified home: a plain replacement; what the order
        returned."""
        self.verify(self.person(customer))
        self.do("block_card", card_id=card, reason=reason)
        return self.do(
            "order_replacement_card",
            card_id=card,
            address_id=self.address(customer),
            shipping=shipping,
        )

    def dispute(self, transaction: str, reason: str, amount: float) -> Any:
        """Open a dispute; what it returned."""
        return self.do("open_dispute", transaction_id=transaction, reason=reason, amount=amount)

    def read(self, tool: str, **arguments: Any) -> Any:
        """What a read-only tool returns now (not a reference action)."""
        _, text = self.domain.apply(self.state, Call(tool=tool, arguments=arguments))
        return json.loads(text)

    def balance(self, account_id: str) -> str:
        """An account's balance as the agent must say it."""
        return dollars(self.read("get_account", account_id=account_id)["balance"])


@dataclass(kw_only=True)
class Draft:
    """One task, before it is written."""

    id: str
    title: str
    difficulty: str
    purpose: str
    policies: str
    opening: str
    reason: str
    known: dict[str, str]
    bench: Bench
    outcome: str
    unknown: list[str] = field(default_factory=lambda: ["your customer id", "your account number"])
    instructions: str = ""
    communicate: list[str] = field(default_factory=list)
    nl: list[str] = field(default_factory=list)
    persona: str | None = None

    def task(self) -> dict[str, Any]:
        """The task in its file form (τ²-bench's fields, plus ours)."""
        task: dict[str, Any] = {
            "id": f"banking-{self.id}",
            "domain": "banking",
            "title": self.title,
            "difficulty": self.difficulty,
            "opening": self.opening,
            "description": {"purpose": self.purpose, "relevant_policies": self.policies},
            "user_scenario": {
                "persona": self.persona,
                "instructions": {
                    "domain": "banking",
                    "reason_for_call": self.reason,
                    "known_info": self.known,
                    "unknown_info": self.unknown,
                    "task_instructions": self.instructions,
                },
            },
            "evaluation_criteria": {
                "actions": self._actions(),
                "communicate_info": self.communicate,
                "nl_assertions": self.nl,
                "outcome": self.outcome,
                "reward_basis": ["DB", "COMMUNICATE"],
            },
        }
        if self.bench.changes:
            task["initial_state"] = {"initialization_data": {"agent_data": self.bench.changes}}
        if self.persona is None:
            del task["user_scenario"]["persona"]
        return task

    def _actions(self) -> list[dict[str, Any]]:
        """The reference actions the bench took, in order, as the task file lists them."""
        actions = []
        for number, (tool, arguments) in enumerate(self.bench.actions, 1):
            action: dict[str, Any] = {
                "action_id": f"{self.id}-{number}",
                "name": tool,
                "arguments": {k: _plain(v) for k, v in arguments.items()},
            }
            if tool == "transfer_to_human":
                action["compare_args"] = ["department"]  # the summary is the agent's own words
            actions.append(action)
        return actions


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def charge(
    bench_or_state: Bench | BankState,
    transaction_id: str,
    card_id: str,
    days_ago: int,
    merchant: str,
    amount: str,
    status: str = "posted",
) -> dict[str, dict[str, Any]]:
    """A card payment to add to a task's bank (``changes["transactions"]``)."""
    state = bench_or_state.state if isinstance(bench_or_state, Bench) else bench_or_state
    card = state.cards[card_id]
    return {
        transaction_id: {
            "transaction_id": transaction_id,
            "account_id": card.account_id,
            "on": (state.today - timedelta(days=days_ago)).isoformat(),
            "merchant": merchant,
            "amount": amount,
            "status": status,
            "card_id": card_id,
        }
    }
