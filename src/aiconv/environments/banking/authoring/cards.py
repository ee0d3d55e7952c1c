"""Card tasks: lost, stolen and damaged cards blocked and replaced; express delivery, its fee."""

from __future__ import annotations

from aiconv.environments.banking.authoring.draft import Bench, Draft
from aiconv.environments.banking.rules import EXPRESS_TIME
from aiconv.environments.banking.state import dollars
from aiconv.environments.domain import Domain

CARDS_POLICY = "3. Lost, stolen or damaged cards"
VERIFY_POLICY = "1. Verify the caller first"


def lost_debit_card(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0005")
    ordered = bench.replace_card(who.id, bench.card(who.id), "lost")
    return Draft(
        id="lost-debit-card",
        title="Lost debit card",
        difficulty="easy",
        purpose="Block a lost card and send a replacement to the verified home address.",
        policies=f"{VERIFY_POLICY}; {CARDS_POLICY}",
        bench=bench,
        outcome="satisfied",
        opening="Hi, I've lost my debit card and I need a new one.",
        reason="You lost your debit card yesterday. You want it blocked and a new one sent to "
        "your home.",
        known=who.known,
        communicate=[ordered["delivery_time"]],
    )


def stolen_no_replacement(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0010")
    card = bench.card(who.id)
    bench.verify(who)
    bench.do("block_card", card_id=card, reason="stolen")
    return Draft(
        id="stolen-card-block-only",
        title="Stolen card",
        difficulty="easy",
        purpose="Block a stolen card with the right reason; no replacement is wanted.",
        policies=f"{VERIFY_POLICY}; {CARDS_POLICY}",
        bench=bench,
        outcome="satisfied",
        opening="My debit card was stolen this morning. Please block it right away.",
        reason="Your debit card was stolen from your bag. You want it blocked at once.",
        known=who.known,
        instructions="You are switching banks next month, so you do not want a replacement.\n"
        "Decline: replacement",
        communicate=[bench.state.cards[card].last4],
        nl=["The agent blocks the card as stolen and does not order a replacement."],
    )


def damaged_card(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0002")
    ordered = bench.replace_card(who.id, bench.card(who.id), "damaged")
    return Draft(
        id="damaged-card",
        title="Damaged card",
        difficulty="easy",
        purpose="Replace a damaged card; the caller has a namesake, whom verification tells apart.",
        policies=f"{VERIFY_POLICY}; {CARDS_POLICY}",
        bench=bench,
        outcome="satisfied",
        opening="The chip on my debit card stopped working. Can I get a replacement?",
        reason="The chip of your debit card no longer works in shops. You want a new card.",
        known=who.known,
        communicate=[ordered["delivery_time"]],
    )


def which_card(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0003")
    card = bench.card(who.id, "credit")
    ordered = bench.replace_card(who.id, card, "lost")
    last4 = bench.state.cards[card].last4
    return Draft(
        id="lost-card-which-one",
        title="Lost one of two cards",
        difficulty="medium",
        purpose="The caller has a debit and a credit card: block and replace the one they "
        "lost, not the other.",
        policies=f"{VERIFY_POLICY}; {CARDS_POLICY}",
        bench=bench,
        outcome="satisfied",
        opening="I can't find one of my cards. I think I lost it on the bus.",
        reason="You lost one of your two cards, the one ending in " + last4 + ". You want it "
        "blocked and replaced.",
        known={**who.known, "card_last4": last4},
        communicate=[last4, ordered["delivery_time"]],
    )


def express_fee(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0001")
    ordered = bench.replace_card(who.id, bench.card(who.id), "lost", "express")
    return Draft(
        id="lost-card-express",
        title="Lost card, needed quickly",
        difficulty="medium",
        purpose="Express delivery on request: the fee is told and agreed before it is charged.",
        policies=CARDS_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="I lost my debit card and I'm travelling next week, so I need a new one quickly.",
        reason="You lost your debit card and you travel next week: you want the new card fast "
        "and you accept a fee for it.",
        known=who.known,
        communicate=[dollars(ordered["fee"]), EXPRESS_TIME],
        persona="In a hurry, brief and to the point.",
    )


def express_premier(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0011")
    bench.replace_card(who.id, bench.card(who.id), "lost", "express")
    return Draft(
        id="lost-card-express-premier",
        title="Lost card, premier customer",
        difficulty="medium",
        purpose="Express delivery is free for a premier customer: no fee is charged.",
        policies=CARDS_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="I lost my debit card and I need the new one as soon as possible.",
        reason="You lost your debit card and need the new one quickly.",
        known=who.known,
        communicate=[EXPRESS_TIME],
        nl=["The agent does not tell the customer they will pay for express delivery."],
    )


def express_declined(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0007")
    ordered = bench.replace_card(who.id, bench.card(who.id), "stolen")
    return Draft(
        id="stolen-card-express-declined",
        title="Stolen card, no fee wanted",
        difficulty="medium",
        purpose="The caller hears the express fee and turns it down: standard delivery.",
        policies=CARDS_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="My debit card was stolen. I'd like a replacement quickly, if it doesn't cost "
        "anything.",
        reason="Your debit card was stolen. You want a replacement fast, but not if you have to "
        "pay for it.",
        known=who.known,
        instructions="If express delivery costs money, you do not want it: standard delivery is "
        "fine.\nDecline: express",
        communicate=["$15.00", ordered["delivery_time"]],
    )


SCENARIOS = (
    lost_debit_card,
    stolen_no_replacement,
    damaged_card,
    which_card,
    express_fee,
    express_premier,
    express_declined,
)
