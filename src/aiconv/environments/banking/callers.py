"""Banking tools about the caller: verify identity, look a customer up, hand the call over.

Tools check what the bank's systems check (that records exist, that verification is locked
after too many failures); the policy — verify before acting, act only for the verified customer
— is the agent's to follow, and grading checks it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiconv.agents.toolbox import ToolError
from aiconv.environments.banking.rules import MAX_VERIFICATION_ATTEMPTS
from aiconv.environments.banking.state import (
    BankState,
    Customer,
    Department,
    Handoff,
    found,
    next_id,
)


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def customer_of(state: BankState, customer_id: str) -> Customer:
    """The customer ``customer_id`` (ToolError when there is none)."""
    return found(state.customers, customer_id, "customer")


def verify_identity(
    state: BankState, full_name: str, date_of_birth: date, zip_code: str
) -> dict[str, Any]:
    """Verify the caller against a customer's records: full name, date of birth and the ZIP
    code of the registered home address must all match. Required before any account action.

    Args:
        full_name: The caller's full name as they gave it.
        date_of_birth: The caller's date of birth, YYYY-MM-DD.
        zip_code: The ZIP code of the caller's registered home address.
    """
    session = state.session
    if session.failed_verifications >= MAX_VERIFICATION_ATTEMPTS:
        return {
            "verified": False,
            "locked": True,
            "message": "verification is locked for this call after "
            f"{MAX_VERIFICATION_ATTEMPTS} failed attempts; transfer the caller to security",
        }
    for customer in state.customers.values():
        if (
            _same_name(customer.full_name, full_name)
            and customer.date_of_birth == date_of_birth
            and customer.zip_code == zip_code.strip()
        ):
            session.verified_customer_id = customer.customer_id
            return {
                "verified": True,
                "customer_id": customer.customer_id,
                "full_name": customer.full_name,
            }
    session.failed_verifications += 1
    left = MAX_VERIFICATION_ATTEMPTS - session.failed_verifications
    return {
        "verified": False,
        "locked": left == 0,
        "attempts_left": left,
        "message": "the details do not match our records",
    }


def find_customer(state: BankState, full_name: str, zip_code: str) -> list[dict[str, str]]:
    """Find customer profiles by full name and home ZIP code. A lookup only: it verifies
    nobody.

    Args:
        full_name: The name to look for.
        zip_code: The ZIP code of the home address.
    """
    return [
        {"customer_id": c.customer_id, "full_name": c.full_name}
        for c in state.customers.values()
        if _same_name(c.full_name, full_name) and c.zip_code == zip_code.strip()
    ]


def get_customer(state: BankState, customer_id: str) -> dict[str, Any]:
    """A customer's profile: tier, accounts, cards and delivery addresses (with whether each
    address is verified).

    Args:
        customer_id: The customer, e.g. cust-0001.
    """
    customer = customer_of(state, customer_id)
    return {
        "customer_id": customer.customer_id,
        "full_name": customer.full_name,
        "tier": customer.tier,
        "phone": customer.phone,
        "email": customer.email,
        **_holdings(state, customer_id),
    }


def _holdings(state: BankState, customer_id: str) -> dict[str, list[dict[str, Any]]]:
    """The customer's accounts, cards and addresses as the profile shows them."""
    accounts = [a for a in state.accounts.values() if a.customer_id == customer_id]
    cards = [c for c in state.cards.values() if c.customer_id == customer_id]
    addresses = [a for a in state.addresses.values() if a.customer_id == customer_id]
    return {
        "accounts": [
            {
                "account_id": a.account_id,
                "kind": a.kind,
                "number_last4": a.number_last4,
                "status": a.status,
            }
            for a in accounts
        ],
        "cards": [
            {
                "card_id": c.card_id,
                "kind": c.kind,
                "last4": c.last4,
                "status": c.status,
                "account_id": c.account_id,
            }
            for c in cards
        ],
        "addresses": [
            {
                "address_id": a.address_id,
                "label": a.label,
                "address": a.one_line(),
                "verified": a.verified,
            }
            for a in addresses
        ],
    }


def transfer_to_human(state: BankState, department: Department, summary: str) -> dict[str, str]:
    """Hand the caller to a human team, with a summary of the call so far. Use it when the
    policy says so; tell the caller before you do.

    Args:
        department: The team: fraud, security, lending, accounts, bereavement, complaints or
            general.
        summary: What the caller needs and what was done, for the colleague.
    """
    if not summary.strip():
        raise ToolError("give the colleague a summary of the call")
    handoff_id = next_id("HO", state.handoffs)
    state.handoffs[handoff_id] = Handoff(
        handoff_id=handoff_id,
        department=department,
        customer_id=state.session.verified_customer_id,
    )
    return {
        "handoff_id": handoff_id,
        "department": department,
        "status": "transferred: a colleague will pick up the call",
    }
