"""The bank's state: customers, addresses, accounts, cards, transactions, and what this call did.

One ``BankState`` is the whole database of one conversation's environment. Collections are
mappings keyed by id, so a task changes one entity by naming it (``agent_data`` is merged key by
key). Amounts are ``Decimal`` with two places (JSON: strings or numbers); dates are ISO dates.
``session`` is what the support call itself has established (who was verified, failed
attempts) — part of the state, so verifying the caller is an effect the end state shows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from aiconv.agents.toolbox import ToolError

T = TypeVar("T")

CardStatus = Literal["active", "blocked", "replaced", "expired"]
BlockReason = Literal["lost", "stolen", "damaged"]
Shipping = Literal["standard", "express"]
DisputeReason = Literal[
    "duplicate", "wrong_amount", "not_received", "cancelled_subscription", "other"
]
Department = Literal[
    "fraud", "security", "lending", "accounts", "bereavement", "complaints", "general"
]

CENT = Decimal("0.01")

#: An amount of dollars: whole cents, at most 13 digits before the point (a task's
#: ``agent_data`` of ``10.005`` or ``1e400`` is refused when loaded, not met by a tool).
Money = Annotated[Decimal, Field(max_digits=15, decimal_places=2)]
#: What a transaction, dispute or fee moves: never below zero (direction says which way).
Amount = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Customer(_Model):
    """A customer and the identity data a caller is verified against."""

    customer_id: str
    full_name: str
    date_of_birth: date
    zip_code: str = Field(description="ZIP code of the registered home address")
    phone: str
    email: str
    tier: Literal["standard", "premier"] = "standard"


class Address(_Model):
    """A delivery address on a customer's profile; only ``verified`` ones may receive cards."""

    address_id: str
    customer_id: str
    street: str
    city: str
    state: str
    zip_code: str
    verified: bool
    label: str = "home"

    def one_line(self) -> str:
        """``12 Main Street, Springfield, IL 62701``."""
        return f"{self.street}, {self.city}, {self.state} {self.zip_code}"


class Account(_Model):
    """An account; for ``credit`` the balance is what the customer owes."""

    account_id: str
    customer_id: str
    kind: Literal["checking", "savings", "credit"]
    number_last4: str
    balance: Money
    currency: Literal["USD"] = "USD"
    status: Literal["open", "frozen", "closed"] = "open"


class Card(_Model):
    """A payment card on an account."""

    card_id: str
    customer_id: str
    account_id: str
    kind: Literal["debit", "credit"]
    last4: str
    expires: str = Field(pattern=r"^\d{4}-\d{2}$")
    status: CardStatus = "active"
    block_reason: BlockReason | None = None
    replaced_by: str | None = None


class Transaction(_Model):
    """A card or account transaction; ``amount`` is positive, ``direction`` says which way."""

    transaction_id: str
    account_id: str
    on: date
    merchant: str
    amount: Amount
    direction: Literal["debit", "credit"] = "debit"
    status: Literal["posted", "pending"] = "posted"
    card_id: str | None = None


class Replacement(_Model):
    """A replacement card on its way."""

    replacement_id: str
    card_id: str
    new_card_id: str
    address_id: str
    shipping: Shipping
    fee: Amount
    ordered_on: date
    arrives_by: date


class Dispute(_Model):
    """A disputed transaction (or part of one)."""

    dispute_id: str
    customer_id: str
    transaction_id: str
    reason: DisputeReason
    amount: Amount
    provisional_credit: Amount = Decimal("0.00")
    status: Literal["open", "resolved"] = "open"
    opened_on: date


class Handoff(_Model):
    """The caller was handed to a human team (the summary travels with the call, not here)."""

    handoff_id: str
    department: Department
    customer_id: str | None = None


class Session(_Model):
    """What this call has established."""

    verified_customer_id: str | None = None
    failed_verifications: int = 0
    #: Account actions taken while the caller was not verified as the record's holder
    #: (``block_card card-0001``): the systems do them, the policy forbids them.
    unverified_actions: list[str] = []


class BankState(_Model):
    """The whole bank, as one conversation's environment sees it."""

    bank: str = "Harbor Bank"
    today: date
    customers: dict[str, Customer] = {}
    addresses: dict[str, Address] = {}
    accounts: dict[str, Account] = {}
    cards: dict[str, Card] = {}
    transactions: dict[str, Transaction] = {}
    replacements: dict[str, Replacement] = {}
    disputes: dict[str, Dispute] = {}
    handoffs: dict[str, Handoff] = {}
    session: Session = Field(default_factory=Session)

    @model_validator(mode="after")
    def _records_exist(self) -> BankState:
        """Every record is filed under its own id and names only records that exist (a task's
        ``agent_data`` naming a missing customer made a tool raise KeyError)."""
        for path, name, what in _references(self):
            if name is not None and name not in getattr(self, what):
                text = f"{path}: no {what.rstrip('s')} {name!r}"
                raise PydanticCustomError("bank_reference", "{text}", {"text": text})
        return self


#: Each collection, the id field of its records, and the fields naming other records.
_LINKS: dict[str, tuple[str, dict[str, str]]] = {
    "customers": ("customer_id", {}),
    "addresses": ("address_id", {"customer_id": "customers"}),
    "accounts": ("account_id", {"customer_id": "customers"}),
    "cards": (
        "card_id",
        {"customer_id": "customers", "account_id": "accounts", "replaced_by": "cards"},
    ),
    "transactions": ("transaction_id", {"account_id": "accounts", "card_id": "cards"}),
    "replacements": (
        "replacement_id",
        {"card_id": "cards", "new_card_id": "cards", "address_id": "addresses"},
    ),
    "disputes": ("dispute_id", {"customer_id": "customers", "transaction_id": "transactions"}),
    "handoffs": ("handoff_id", {"customer_id": "customers"}),
}


def _references(state: BankState) -> Iterator[tuple[str, str | None, str]]:
    """``(path, id named, collection it must be in)`` of every reference in ``state``
    (PydanticCustomError at once for a record filed under another id than its own)."""
    for collection, (own, links) in _LINKS.items():
        for key, record in getattr(state, collection).items():
            if getattr(record, own) != key:
                text = f"{collection}.{key}.{own}: {getattr(record, own)!r} is filed under {key!r}"
                raise PydanticCustomError("bank_key", "{text}", {"text": text})
            for field, target in links.items():
                yield f"{collection}.{key}.{field}", getattr(record, field), target
    yield "session.verified_customer_id", state.session.verified_customer_id, "customers"


def audit(state: BankState, customer_id: str, action: str) -> None:
    """Record ``action`` on ``customer_id``'s records if the caller is not verified as them."""
    if state.session.verified_customer_id != customer_id:
        state.session.unverified_actions.append(action)


def found(items: Mapping[str, T], key: str, what: str) -> T:
    """``items[key]``; ToolError ("no card 'x'") when there is none."""
    item = items.get(key)
    if item is None:
        raise ToolError(f"no {what} {key!r}")
    return item


def money(amount: Decimal | float | str) -> Decimal:
    """``amount`` rounded to cents."""
    return Decimal(str(amount)).quantize(CENT)


def cents(amount: float) -> Decimal:
    """``amount`` as dollars and cents, exactly; ToolError for parts of a cent (a bank moves
    none: ``0.004`` would be a $0.00 dispute) or more than any account could hold."""
    exact = Decimal(str(amount))
    try:
        rounded = exact.quantize(CENT)
    except InvalidOperation:
        raise ToolError(f"{amount} is not an amount a bank can move") from None
    if rounded != exact:
        raise ToolError(f"{amount} is not in whole cents: give dollars and cents (e.g. 23.40)")
    return rounded


def dollars(amount: Decimal | float | str) -> str:
    """``$1,288.65``: how an amount is said to a customer."""
    return f"${money(amount):,.2f}"


def add_business_days(start: date, days: int) -> date:
    """The date ``days`` business days (Monday to Friday) after ``start``."""
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def next_id(prefix: str, taken: Collection[str], start: int = 1) -> str:
    """The first ``PREFIX-NNNN`` not in ``taken`` (ids are a function of the state: replays
    produce the same ones)."""
    number = start
    while f"{prefix}-{number:04d}" in taken:
        number += 1
    return f"{prefix}-{number:04d}"
