"""A seeded generator of Harbor Bank: customers, addresses, accounts, cards and transactions.

``generate_bank(seed)`` is a pure function of its arguments (one ``random.Random(seed)``, no
clock): the domain's default state is ``generate_bank(DEFAULT_SEED)``, and the shipped tasks
are written against it (``authoring``). Some customers have a second, unverified address (added
in the app, not yet checked), some are premier, some have a savings or credit account, and the
last customer shares the second one's full name (a namesake: verification must tell them
apart).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from aiconv.environments.banking.state import (
    Account,
    Address,
    BankState,
    Card,
    Customer,
    Transaction,
    money,
)

DEFAULT_SEED = 2026
TODAY = date(2026, 3, 16)

# Declarative pools (the lists are the data, not logic).
FIRST_NAMES = (
    "Dana",
    "Omar",
    "Priya",
    "Marcus",
    "Elena",
    "Jamal",
    "Sofia",
    "Noah",
    "Grace",
    "Mateo",
    "Aisha",
    "Liam",
    "Hannah",
    "Kenji",
    "Maya",
    "Lucas",
    "Fatima",
    "Ethan",
    "Chloe",
    "Diego",
)
LAST_NAMES = (
    "Whitfield",
    "Haddad",
    "Raman",
    "Bellamy",
    "Vasquez",
    "Okafor",
    "Lindqvist",
    "Brennan",
    "Takahashi",
    "Moreau",
    "Castillo",
    "Novak",
    "Abernathy",
    "Sato",
    "Delgado",
    "Fischer",
)
CITIES = (
    ("Springfield", "IL", "627"),
    ("Portland", "OR", "972"),
    ("Columbus", "OH", "432"),
    ("Austin", "TX", "787"),
    ("Madison", "WI", "537"),
    ("Raleigh", "NC", "276"),
    ("Boulder", "CO", "803"),
    ("Savannah", "GA", "314"),
)
STREETS = (
    "Main Street",
    "Oak Avenue",
    "Maple Drive",
    "Cedar Lane",
    "Elm Street",
    "Park Road",
    "Willow Way",
    "Lakeview Drive",
    "Hillcrest Avenue",
    "River Road",
    "Birch Court",
)
#: (merchant, lowest, highest) amount of a purchase.
MERCHANTS = (
    ("FreshMart Groceries", 18, 160),
    ("StreamFlix", 15.99, 15.99),
    ("Metro Transit", 2.75, 45),
    ("Bluebird Cafe", 4.5, 28),
    ("CityPower Utilities", 60, 180),
    ("Gadget Hub", 25, 420),
    ("Corner Pharmacy", 6, 75),
    ("Skyline Airlines", 120, 640),
    ("PageTurner Books", 9, 60),
    ("FitLife Gym", 39.99, 39.99),
    ("QuickFuel", 25, 80),
    ("Harbor Hardware", 12, 230),
)


def generate_bank(
    seed: int = DEFAULT_SEED, *, customers: int = 12, today: date = TODAY
) -> BankState:
    """A whole bank for ``seed``: the same bank every time for the same arguments."""
    if customers < 2:
        raise ValueError("a bank needs at least 2 customers")
    rng = random.Random(seed)
    state = BankState(today=today)
    names = _unique_names(rng, customers - 1)
    names.append(names[1])  # a namesake of the second customer
    for index, name in enumerate(names, 1):
        _add_customer(state, rng, index, name)
    return state


def _unique_names(rng: random.Random, count: int) -> list[str]:
    pairs = [(f, last) for f in FIRST_NAMES for last in LAST_NAMES]
    return [f"{f} {last}" for f, last in rng.sample(pairs, count)]


def _add_customer(state: BankState, rng: random.Random, index: int, name: str) -> None:
    customer_id = f"cust-{index:04d}"
    city, region, prefix = rng.choice(CITIES)
    zip_code = f"{prefix}{rng.randrange(100):02d}"
    first, last = name.split(" ", 1)
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 52))
    state.customers[customer_id] = Customer(
        customer_id=customer_id,
        full_name=name,
        date_of_birth=born,
        zip_code=zip_code,
        phone=f"(555) 01{rng.randrange(10)}-{rng.randrange(10000):04d}",
        email=f"{first.lower()}.{last.lower()}{index}@example.com",
        tier="premier" if rng.random() < 0.25 else "standard",
    )
    _add_address(state, rng, customer_id, (city, region, zip_code), verified=True, label="home")
    if rng.random() < 0.35:
        other = rng.choice(CITIES)
        where = (other[0], other[1], f"{other[2]}{rng.randrange(100):02d}")
        _add_address(state, rng, customer_id, where, verified=False, label="new")
    checking = _add_account(state, rng, customer_id, "checking", rng.uniform(150, 6000))
    _add_card(state, rng, customer_id, checking, "debit")
    _add_history(state, rng, checking, count=10, days=90)
    if rng.random() < 0.6:
        savings = _add_account(state, rng, customer_id, "savings", rng.uniform(800, 30000))
        _add_deposits(state, rng, savings)
    if rng.random() < 0.45:
        credit = _add_account(state, rng, customer_id, "credit", rng.uniform(0, 2500))
        _add_card(state, rng, customer_id, credit, "credit")
        _add_history(state, rng, credit, count=6, days=70)


def _add_address(
    state: BankState,
    rng: random.Random,
    customer_id: str,
    where: tuple[str, str, str],
    *,
    verified: bool,
    label: str,
) -> None:
    address_id = f"addr-{len(state.addresses) + 1:04d}"
    city, region, zip_code = where
    state.addresses[address_id] = Address(
        address_id=address_id,
        customer_id=customer_id,
        street=f"{rng.randrange(2, 990)} {rng.choice(STREETS)}",
        city=city,
        state=region,
        zip_code=zip_code,
        verified=verified,
        label=label,
    )


def _add_account(
    state: BankState, rng: random.Random, customer_id: str, kind: str, balance: float
) -> str:
    account_id = f"acc-{len(state.accounts) + 1:04d}"
    state.accounts[account_id] = Account.model_validate(
        {
            "account_id": account_id,
            "customer_id": customer_id,
            "kind": kind,
            "number_last4": f"{rng.randrange(10000):04d}",
            "balance": money(balance),
        }
    )
    return account_id


def _add_card(
    state: BankState, rng: random.Random, customer_id: str, account_id: str, kind: str
) -> None:
    card_id = f"card-{len(state.cards) + 1:04d}"
    state.cards[card_id] = Card.model_validate(
        {
            "card_id": card_id,
            "customer_id": customer_id,
            "account_id": account_id,
            "kind": kind,
            "last4": f"{rng.randrange(1000, 10000):04d}",
            "expires": f"{rng.randrange(2027, 2031)}-{rng.randrange(1, 13):02d}",
        }
    )


def _add_history(
    state: BankState, rng: random.Random, account_id: str, *, count: int, days: int
) -> None:
    """``count`` card purchases over the last ``days`` days; the newest may still be pending."""
    card_id = next(c.card_id for c in state.cards.values() if c.account_id == account_id)
    offsets = sorted(rng.sample(range(days), count), reverse=True)
    for number, offset in enumerate(offsets):
        merchant, low, high = rng.choice(MERCHANTS)
        newest = number == count - 1
        _add_transaction(
            state,
            Transaction(
                transaction_id="",
                account_id=account_id,
                on=state.today - timedelta(days=offset),
                merchant=merchant,
                amount=money(rng.uniform(low, high)),
                status="pending" if newest and offset <= 2 else "posted",
                card_id=card_id,
            ),
        )


def _add_deposits(state: BankState, rng: random.Random, account_id: str) -> None:
    for offset in sorted(rng.sample(range(10, 80), 2), reverse=True):
        _add_transaction(
            state,
            Transaction(
                transaction_id="",
                account_id=account_id,
                on=state.today - timedelta(days=offset),
                merchant="Transfer from checking",
                amount=money(Decimal(rng.randrange(50, 800))),
                direction="credit",
            ),
        )


def _add_transaction(state: BankState, transaction: Transaction) -> None:
    transaction_id = f"txn-{len(state.transactions) + 1:04d}"
    state.transactions[transaction_id] = transaction.model_copy(
        update={"transaction_id": transaction_id}
    )
