"""Banking tools for a support agent: a complete example of typed Python functions as tools.

Use it with any agent that can call tools (the offline ``mock:tools=auto`` needs no key)::

    aic-start --agent1 mock --agent2 'mock:tools=auto' --tools2 examples/tools/banking.py \\
        --topic "I lost my card"
    aic tools list --tools examples/tools/banking.py

Each public function is a tool: its type hints and docstring become the JSON schema the model
sees. The bank's state is not kept in this process: it is rebuilt from the conversation's own
recorded tool calls (``context.history``), so any process that takes the turn over sees the same
bank, and a call recorded as done is never done twice. ``block_card`` and
``order_replacement_card`` change state; the rest only read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

from aiconv import ToolCallContext, ToolError, tool

CUSTOMERS = {
    "cust-1001": {"name": "Dana Whitfield", "date_of_birth": "1984-03-12", "postcode": "SW1A 1AA"},
    "cust-1002": {"name": "Omar Haddad", "date_of_birth": "1991-11-02", "postcode": "M1 1AE"},
}
ACCOUNTS = {
    "acc-1001": {"customer_id": "cust-1001", "balance": 1288.65, "currency": "GBP"},
    "acc-1002": {"customer_id": "cust-1002", "balance": 310.00, "currency": "GBP"},
}
CARDS = {
    "card-1001": {"customer_id": "cust-1001", "last4": "4421", "status": "active"},
    "card-1002": {"customer_id": "cust-1002", "last4": "9034", "status": "active"},
}


@dataclass
class Bank:
    """What the conversation's recorded calls have done so far."""

    verified: set[str] = field(default_factory=set)
    blocked: set[str] = field(default_factory=set)
    replacements: list[str] = field(default_factory=list)


def _bank(context: ToolCallContext) -> Bank:
    bank = Bank()
    for call in context.history:
        if call.outcome != "ok":
            continue
        if call.tool == "verify_identity" and json.loads(call.content).get("verified"):
            bank.verified.add(str(call.arguments["customer_id"]))
        elif call.tool == "block_card":
            bank.blocked.add(str(call.arguments["card_id"]))
        elif call.tool == "order_replacement_card":
            bank.replacements.append(str(call.arguments["card_id"]))
    return bank


def _owner_verified(bank: Bank, card_id: str) -> None:
    card = CARDS.get(card_id)
    if card is None:
        raise ToolError(f"no card {card_id}")
    if card["customer_id"] not in bank.verified:
        raise ToolError("the card holder's identity has not been verified yet")


@tool(idempotent=True)
def verify_identity(customer_id: str, date_of_birth: str, context: ToolCallContext) -> dict:
    """Check a caller's identity before any account action.

    Args:
        customer_id: The customer's id, e.g. cust-1001.
        date_of_birth: The date of birth the caller gave, as YYYY-MM-DD.
    """
    customer = CUSTOMERS.get(customer_id)
    verified = customer is not None and customer["date_of_birth"] == date_of_birth
    return {"customer_id": customer_id, "verified": verified}


@tool(idempotent=True)
def get_balance(account_id: str, context: ToolCallContext) -> dict:
    """The balance of an account (the holder must be verified).

    Args:
        account_id: The account, e.g. acc-1001.
    """
    account = ACCOUNTS.get(account_id)
    if account is None:
        raise ToolError(f"no account {account_id}")
    if account["customer_id"] not in _bank(context).verified:
        raise ToolError("the account holder's identity has not been verified yet")
    return {"account_id": account_id, "balance": account["balance"], "currency": account["currency"]}


@tool
def block_card(card_id: str, reason: Literal["lost", "stolen", "damaged"], context: ToolCallContext) -> str:
    """Block a card at once so nobody can use it.

    Args:
        card_id: The card to block, e.g. card-1001.
        reason: Why it is blocked.
    """
    bank = _bank(context)
    _owner_verified(bank, card_id)
    if card_id in bank.blocked:
        return f"card {card_id} was already blocked"
    return f"card {card_id} blocked ({reason})"


@tool
def order_replacement_card(card_id: str, context: ToolCallContext) -> dict:
    """Send a replacement for a blocked card to the holder's address on file.

    Args:
        card_id: The blocked card to replace.
    """
    bank = _bank(context)
    _owner_verified(bank, card_id)
    if card_id not in bank.blocked:
        raise ToolError(f"card {card_id} must be blocked before it is replaced")
    postcode = CUSTOMERS[CARDS[card_id]["customer_id"]]["postcode"]
    return {"card_id": card_id, "delivery_postcode": postcode, "arrives_in_days": 5}


def transfer_to_human(summary: str) -> str:
    """Hand the caller to a human colleague, with a summary of the call so far.

    Args:
        summary: What the caller needs and what was done.
    """
    return "transferred: a colleague will pick up the call"
