"""Replacement tasks: where a replacement may go (verified addresses only), found cards, a card
already blocked, and where a replacement is."""

from __future__ import annotations

from typing import Any

from aiconv.environments.banking.authoring.draft import Bench, Draft
from aiconv.environments.domain import Domain

CARDS_POLICY = "3. Lost, stolen or damaged cards"
VERIFY_POLICY = "1. Verify the caller first"


def unverified_accept(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0008")
    new = bench.state.addresses[bench.address(who.id, verified=False)].one_line()
    ordered = bench.replace_card(who.id, bench.card(who.id, "credit"), "lost")
    return Draft(
        id="replacement-unverified-address",
        title="Replacement to a new address",
        difficulty="hard",
        purpose="The caller wants the card at an address that is not verified: the agent must "
        "refuse it and offer the verified one, which the caller accepts.",
        policies=CARDS_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="I lost my credit card. Can you send the new one to my new address?",
        reason="You lost your credit card. You moved recently and would like the new card at "
        "your new address.",
        known={**who.known, "delivery_address": new},
        instructions="If the agent explains that it can only send the card to your verified "
        "address, accept that.",
        communicate=[ordered["delivery_time"]],
        nl=["The agent does not send the card to the address that is not verified."],
    )


def unverified_insist(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0009")
    new = bench.state.addresses[bench.address(who.id, verified=False)].one_line()
    bench.verify(who)
    bench.do("block_card", card_id=bench.card(who.id), reason="stolen")
    bench.do(
        "transfer_to_human",
        department="accounts",
        summary="Replacement card wanted at an address that is not verified.",
    )
    return Draft(
        id="replacement-unverified-insist",
        title="Replacement only to a new address",
        difficulty="hard",
        purpose="The caller will not accept the verified address: block the card, order "
        "nothing, transfer to the accounts team.",
        policies=f"{CARDS_POLICY}; 5. Handing over to a human",
        bench=bench,
        outcome="transferred",
        opening="My debit card was stolen. I need a replacement sent to my new address.",
        reason="Your debit card was stolen. You have moved and need the replacement at your new "
        "address; the old one is no good to you.",
        known={**who.known, "delivery_address": new},
        instructions="Insist: I don't live at the old address any more, so please don't send "
        "it there. I need it at my new address.",
        nl=["The agent does not order a replacement to the unverified address."],
    )


def found_lost(domain: Domain) -> Draft:
    changes = {"cards": {"card-0005": {"status": "blocked", "block_reason": "lost"}}}
    bench = Bench(domain, changes)
    who = bench.person("cust-0004")
    bench.verify(who)
    bench.do("unblock_card", card_id="card-0005")
    return Draft(
        id="found-lost-card",
        title="Found a lost card",
        difficulty="medium",
        purpose="A card blocked as lost may be unblocked once found.",
        policies=CARDS_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="I reported my debit card lost yesterday, but I found it in my coat pocket. Can "
        "you unblock it?",
        reason="You reported your debit card lost yesterday and have found it. You want it to "
        "work again.",
        known=who.known,
        communicate=[bench.state.cards["card-0005"].last4],
    )


def found_stolen(domain: Domain) -> Draft:
    changes = {"cards": {"card-0008": {"status": "blocked", "block_reason": "stolen"}}}
    bench = Bench(domain, changes)
    who = bench.person("cust-0006")
    bench.verify(who)
    ordered = bench.do(
        "order_replacement_card",
        card_id="card-0008",
        address_id=bench.address(who.id),
        shipping="standard",
    )
    return Draft(
        id="found-stolen-card",
        title="Found a card reported stolen",
        difficulty="hard",
        purpose="A card reported stolen is never unblocked, even once found: replace it.",
        policies=CARDS_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="I reported my debit card stolen last week, but it turned up at a friend's "
        "house. Please unblock it.",
        reason="You reported your debit card stolen last week; it was at a friend's house. You "
        "want to use it again.",
        known=who.known,
        instructions="If the agent cannot unblock it, accept a replacement sent to your home.",
        communicate=[ordered["delivery_time"]],
        nl=["The agent explains that a card reported stolen cannot be unblocked."],
    )


def found_stolen_declined(domain: Domain) -> Draft:
    changes = {"cards": {"card-0015": {"status": "blocked", "block_reason": "stolen"}}}
    bench = Bench(domain, changes)
    who = bench.person("cust-0010")
    bench.verify(who)
    return Draft(
        id="found-stolen-card-no-replacement",
        title="Unblock my stolen card, nothing else",
        difficulty="hard",
        purpose="A card reported stolen is never unblocked; the caller wants no replacement: "
        "nothing changes.",
        policies=CARDS_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="I reported my debit card stolen, but I've found it. Please unblock it: I don't "
        "want a new card.",
        reason="You reported your debit card stolen and have found it. You want it unblocked "
        "and do not want a new card.",
        known=who.known,
        instructions="You do not want a replacement card.\nDecline: replacement",
        nl=["The agent does not unblock the card."],
    )


def already_blocked(domain: Domain) -> Draft:
    changes = {"cards": {"card-0018": {"status": "blocked", "block_reason": "lost"}}}
    bench = Bench(domain, changes)
    who = bench.person("cust-0012")
    bench.verify(who)
    ordered = bench.do(
        "order_replacement_card",
        card_id="card-0018",
        address_id=bench.address(who.id),
        shipping="standard",
    )
    return Draft(
        id="blocked-card-replacement",
        title="Replacement for a blocked card",
        difficulty="medium",
        purpose="The card is already blocked (in the app): order the replacement, no second "
        "block. The caller shares her name with another customer.",
        policies=f"{VERIFY_POLICY}; {CARDS_POLICY}",
        bench=bench,
        outcome="satisfied",
        opening="I blocked my debit card in the app after I lost it. Now I need a replacement.",
        reason="You lost your debit card and blocked it in the app. You want a new one.",
        known=who.known,
        communicate=[ordered["delivery_time"]],
    )


def _ordered_last_week(bench: Bench, customer_id: str, address: str) -> dict[str, Any]:
    """Changes to the state: card-0008 was replaced by card-0901, ordered six days ago."""
    return {
        "cards": {
            "card-0008": {"status": "replaced", "block_reason": "lost", "replaced_by": "card-0901"},
            "card-0901": {
                "card_id": "card-0901",
                "customer_id": customer_id,
                "kind": "debit",
                "account_id": bench.state.cards["card-0008"].account_id,
                "last4": "3317",
                "expires": "2030-03",
            },
        },
        "replacements": {
            "RPL-0001": {
                "replacement_id": "RPL-0001",
                "card_id": "card-0008",
                "new_card_id": "card-0901",
                "address_id": address,
                "shipping": "standard",
                "fee": "0.00",
                "ordered_on": bench.days_ago(6),
                "arrives_by": bench.days_ago(-3),
            },
        },
    }


def replacement_status(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0006")
    address = bench.address(who.id)
    bench = Bench(domain, _ordered_last_week(bench, who.id, address))
    bench.verify(who)
    street = bench.state.addresses[address].street
    return Draft(
        id="replacement-status",
        title="Where is my new card?",
        difficulty="easy",
        purpose="Tell where a replacement card is going and when it arrives.",
        policies=CARDS_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="Where is my replacement card? I ordered it last week and it hasn't arrived yet.",
        reason="You ordered a replacement debit card last week. You want to know where it is "
        "and when it will arrive.",
        known=who.known,
        communicate=[street],
        nl=[
            f"The agent says the card should arrive by {bench.days_ago(-3)} (a date in words is "
            "fine)."
        ],
    )


SCENARIOS = (
    unverified_accept,
    unverified_insist,
    found_lost,
    found_stolen,
    found_stolen_declined,
    already_blocked,
    replacement_status,
)
