"""Banking tools for cards: look one up, block, unblock, order a replacement.

The systems refuse what cannot be done (blocking a blocked card, replacing an active one,
sending a card to an address of another customer); which address a card may go to and which
cards may be unblocked is the policy's, which the agent must follow.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from aiconv.agents.toolbox import ToolError
from aiconv.environments.banking.accounts import post
from aiconv.environments.banking.rules import (
    EXPRESS_DAYS,
    EXPRESS_FEE,
    EXPRESS_TIME,
    STANDARD_DAYS,
    STANDARD_TIME,
)
from aiconv.environments.banking.state import (
    BankState,
    BlockReason,
    Card,
    Replacement,
    Shipping,
    add_business_days,
    audit,
    found,
    money,
    next_id,
)


def card_of(state: BankState, card_id: str) -> Card:
    """The card ``card_id`` (ToolError when there is none)."""
    return found(state.cards, card_id, "card")


def get_card(state: BankState, card_id: str) -> dict[str, Any]:
    """A card: status, why it was blocked, and the replacement on its way (if any).

    Args:
        card_id: The card, e.g. card-0001.
    """
    card = card_of(state, card_id)
    found: dict[str, Any] = card.model_dump(mode="json")
    for replacement in state.replacements.values():
        if replacement.card_id == card_id:
            address = state.addresses[replacement.address_id]
            found["replacement"] = {
                **replacement.model_dump(mode="json", exclude={"card_id"}),
                "address": address.one_line(),
                "delivery_time": EXPRESS_TIME
                if replacement.shipping == "express"
                else STANDARD_TIME,
            }
    return found


def block_card(state: BankState, card_id: str, reason: BlockReason) -> dict[str, str]:
    """Block a card at once so nobody can use it.

    Args:
        card_id: The card to block.
        reason: Why: lost, stolen or damaged.
    """
    card = card_of(state, card_id)
    if card.status != "active":
        raise ToolError(f"card {card_id} is {card.status}, not active: nothing to block")
    card.status = "blocked"
    card.block_reason = reason
    audit(state, card.customer_id, f"block_card {card_id}")
    return {"card_id": card_id, "last4": card.last4, "status": "blocked", "reason": reason}


def unblock_card(state: BankState, card_id: str) -> dict[str, str]:
    """Unblock a blocked card that has not been replaced, so it works again.

    Args:
        card_id: The card to unblock.
    """
    card = card_of(state, card_id)
    if card.status != "blocked":
        raise ToolError(f"card {card_id} is {card.status}, not blocked")
    card.status = "active"
    card.block_reason = None
    audit(state, card.customer_id, f"unblock_card {card_id}")
    return {"card_id": card_id, "last4": card.last4, "status": "active"}


def order_replacement_card(
    state: BankState, card_id: str, address_id: str, shipping: Shipping = "standard"
) -> dict[str, Any]:
    """Order a replacement for a blocked card, delivered to one of the holder's addresses.
    Express delivery costs the express fee (charged to the card's account) unless the
    customer is premier.

    Args:
        card_id: The blocked card to replace.
        address_id: Where to send the new card (an address on the holder's profile).
        shipping: standard (free) or express.
    """
    card = card_of(state, card_id)
    if card.status != "blocked":
        raise ToolError(f"card {card_id} is {card.status}: only a blocked card is replaced")
    address = state.addresses.get(address_id)
    if address is None or address.customer_id != card.customer_id:
        raise ToolError(f"address {address_id!r} is not on the card holder's profile")
    express = shipping == "express"
    premier = state.customers[card.customer_id].tier == "premier"
    fee = EXPRESS_FEE if express and not premier else money(0)
    if fee:
        post(state, card.account_id, fee, "Express card delivery fee", outgoing=True)
    replacement = _replace(state, card, address_id, shipping, fee)
    audit(state, card.customer_id, f"order_replacement_card {card_id}")
    new_card = state.cards[replacement.new_card_id]
    return {
        "replacement_id": replacement.replacement_id,
        "new_card_last4": new_card.last4,
        "address": address.one_line(),
        "shipping": shipping,
        "delivery_time": EXPRESS_TIME if express else STANDARD_TIME,
        "arrives_by": replacement.arrives_by.isoformat(),
        "fee": f"{fee:.2f}",
    }


def _replace(
    state: BankState, card: Card, address_id: str, shipping: Shipping, fee: Decimal
) -> Replacement:
    """Issue the new card, record the replacement order and retire ``card``."""
    new_card = _new_card(state, card)
    ordered = state.today
    express = shipping == "express"
    replacement = Replacement(
        replacement_id=next_id("RPL", state.replacements),
        card_id=card.card_id,
        new_card_id=new_card.card_id,
        address_id=address_id,
        shipping=shipping,
        fee=fee,
        ordered_on=ordered,
        arrives_by=add_business_days(ordered, EXPRESS_DAYS if express else STANDARD_DAYS),
    )
    state.replacements[replacement.replacement_id] = replacement
    card.status = "replaced"
    card.replaced_by = new_card.card_id
    return replacement


def _new_card(state: BankState, old: Card) -> Card:
    """The new card, its number derived from the old one's (the same on every replay)."""
    card_id = next_id("card", state.cards, start=len(state.cards) + 1)
    digest = hashlib.sha256(f"{old.card_id}|{card_id}".encode()).hexdigest()
    last4 = f"{int(digest[:8], 16) % 10000:04d}"
    year, month = (int(part) for part in old.expires.split("-"))
    card = Card(
        card_id=card_id,
        customer_id=old.customer_id,
        account_id=old.account_id,
        kind=old.kind,
        last4=last4,
        expires=f"{max(year, state.today.year + 4):04d}-{month:02d}",
        status="active",
    )
    state.cards[card_id] = card
    return card
