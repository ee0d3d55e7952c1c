"""Dispute tasks: duplicates, wrong amounts, goods not received, cancelled subscriptions — and
the ones to refuse (too old, still pending, already disputed)."""

from __future__ import annotations

from aiconv.environments.banking.authoring.draft import Bench, Draft, charge
from aiconv.environments.banking.rules import DISPUTE_REVIEW_TIME
from aiconv.environments.domain import Domain

BALANCE_POLICY = "2. Balances and transactions"
DISPUTE_POLICY = "4. Disputes"


def duplicate(domain: Domain) -> Draft:
    base = Bench(domain)
    card = base.card("cust-0003")
    twice = {
        **charge(base, "txn-0901", card, 4, "Bluebird Cafe", "23.40"),
        **charge(base, "txn-0902", card, 4, "Bluebird Cafe", "23.40"),
    }
    bench = Bench(domain, {"transactions": twice})
    bench.verify(bench.person("cust-0003"))
    opened = bench.dispute("txn-0902", "duplicate", 23.40)
    return Draft(
        id="dispute-duplicate",
        title="Charged twice",
        difficulty="medium",
        purpose="Dispute the second of two identical charges; small, so credited at once.",
        policies=DISPUTE_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="I was charged twice for the same meal at Bluebird Cafe, $23.40 each time. Can "
        "you get one of them back?",
        reason="Bluebird Cafe charged you twice for one meal. You want the extra charge back.",
        known=bench.person("cust-0003").known,
        communicate=[opened["dispute_id"], "$23.40", DISPUTE_REVIEW_TIME],
    )


def wrong_amount(domain: Domain) -> Draft:
    base = Bench(domain)
    card = base.card("cust-0006")
    bench = Bench(
        domain, {"transactions": charge(base, "txn-0901", card, 6, "Harbor Hardware", "128.50")}
    )
    bench.verify(bench.person("cust-0006"))
    opened = bench.dispute("txn-0901", "wrong_amount", 30.00)
    return Draft(
        id="dispute-wrong-amount",
        title="Charged the wrong amount",
        difficulty="hard",
        purpose="Dispute only the difference between the charge and the agreed price.",
        policies=DISPUTE_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="Harbor Hardware charged me $128.50 for a ladder that should have been $98.50. "
        "I'd like to dispute the difference.",
        reason="Harbor Hardware charged you $128.50 for a ladder priced at $98.50. You want the "
        "$30.00 difference back.",
        known=bench.person("cust-0006").known,
        communicate=[opened["dispute_id"], "$30.00", DISPUTE_REVIEW_TIME],
    )


def not_received(domain: Domain) -> Draft:
    base = Bench(domain)
    card = base.card("cust-0007", "credit")
    bench = Bench(
        domain, {"transactions": charge(base, "txn-0901", card, 12, "Gadget Hub", "349.99")}
    )
    bench.verify(bench.person("cust-0007"))
    opened = bench.dispute("txn-0901", "not_received", 349.99)
    return Draft(
        id="dispute-not-received",
        title="Order never arrived",
        difficulty="medium",
        purpose="A large dispute: no provisional credit, decided within the review time.",
        policies=DISPUTE_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="I ordered headphones from Gadget Hub for $349.99 and they never arrived. I want "
        "to dispute it.",
        reason="You paid Gadget Hub $349.99 for headphones that never arrived.",
        known=bench.person("cust-0007").known,
        communicate=[opened["dispute_id"], "$349.99", DISPUTE_REVIEW_TIME],
        nl=["The agent says there is no provisional credit for this dispute."],
    )


def too_old(domain: Domain) -> Draft:
    base = Bench(domain)
    card = base.card("cust-0001")
    bench = Bench(
        domain, {"transactions": charge(base, "txn-0901", card, 75, "Skyline Airlines", "412.00")}
    )
    bench.verify(bench.person("cust-0001"))
    return Draft(
        id="dispute-too-old",
        title="An old charge",
        difficulty="hard",
        purpose="The charge is older than the dispute window: refuse, and say why.",
        policies=DISPUTE_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="I want to dispute a $412.00 Skyline Airlines charge: the flight was cancelled "
        "and I never got my money back.",
        reason="Skyline Airlines charged you $412.00 about two and a half months ago for a flight "
        "that was cancelled. You want the money back.",
        known=bench.person("cust-0001").known,
        instructions="Insist: But the charge is wrong, I really need that money back.",
        communicate=["60 days"],
        nl=["The agent does not open a dispute and explains the 60-day limit."],
    )


def still_pending(domain: Domain) -> Draft:
    base = Bench(domain)
    card = base.card("cust-0005")
    bench = Bench(
        domain,
        {"transactions": charge(base, "txn-0901", card, 1, "Gadget Hub", "64.99", "pending")},
    )
    bench.verify(bench.person("cust-0005"))
    return Draft(
        id="dispute-pending",
        title="Dispute a pending charge",
        difficulty="medium",
        purpose="A pending charge cannot be disputed yet.",
        policies=DISPUTE_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="There's a $64.99 charge from Gadget Hub on my account, but I cancelled that "
        "order. I want to dispute it.",
        reason="Gadget Hub charged you $64.99 yesterday for an order you cancelled.",
        known=bench.person("cust-0005").known,
        nl=["The agent explains that the charge can only be disputed once it has posted."],
    )


def already_disputed(domain: Domain) -> Draft:
    base = Bench(domain)
    card = base.card("cust-0010")
    changes = {
        "transactions": charge(base, "txn-0901", card, 20, "FitLife Gym", "39.99"),
        "disputes": {
            "DSP-1001": {
                "dispute_id": "DSP-1001",
                "customer_id": "cust-0010",
                "transaction_id": "txn-0901",
                "reason": "cancelled_subscription",
                "amount": "39.99",
                "provisional_credit": "39.99",
                "opened_on": base.days_ago(5),
            }
        },
    }
    bench = Bench(domain, changes)
    bench.verify(bench.person("cust-0010"))
    return Draft(
        id="dispute-already-open",
        title="A dispute already open",
        difficulty="medium",
        purpose="The charge is already disputed: tell the existing dispute, open no second one.",
        policies=DISPUTE_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="I cancelled my FitLife Gym membership but they still charged me $39.99. I'd like "
        "to dispute it.",
        reason="FitLife Gym charged you $39.99 after you cancelled. You do not remember that you "
        "already disputed it last week.",
        known=bench.person("cust-0010").known,
        communicate=["DSP-1001"],
    )


def cancelled_subscription(domain: Domain) -> Draft:
    base = Bench(domain)
    card = base.card("cust-0004", "credit")
    bench = Bench(
        domain, {"transactions": charge(base, "txn-0901", card, 3, "StreamFlix", "15.99")}
    )
    bench.verify(bench.person("cust-0004"))
    opened = bench.dispute("txn-0901", "cancelled_subscription", 15.99)
    return Draft(
        id="dispute-cancelled-subscription",
        title="Charged after cancelling",
        difficulty="medium",
        purpose="A charge after a cancelled subscription, on the credit card.",
        policies=DISPUTE_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="I cancelled my StreamFlix subscription last month, but they charged my credit "
        "card $15.99 again. Please dispute it.",
        reason="StreamFlix charged your credit card $15.99 after you cancelled.",
        known=bench.person("cust-0004").known,
        communicate=[opened["dispute_id"], "$15.99", DISPUTE_REVIEW_TIME],
    )


def dispute_then_balance(domain: Domain) -> Draft:
    base = Bench(domain)
    card = base.card("cust-0003")
    twice = {
        **charge(base, "txn-0901", card, 2, "QuickFuel", "45.00"),
        **charge(base, "txn-0902", card, 2, "QuickFuel", "45.00"),
    }
    bench = Bench(domain, {"transactions": twice})
    who = bench.person("cust-0003")
    bench.verify(who)
    opened = bench.dispute("txn-0902", "duplicate", 45.00)
    return Draft(
        id="dispute-then-balance",
        title="Charged twice, then my balance",
        difficulty="hard",
        purpose="Two requests: dispute a duplicate (credited at once), then tell the balance "
        "with the credit in it.",
        policies=f"{DISPUTE_POLICY}; {BALANCE_POLICY}",
        bench=bench,
        outcome="satisfied",
        opening="I was charged twice at QuickFuel, $45.00 both times.",
        reason="QuickFuel charged you $45.00 twice for one fill-up. Afterwards you want to know "
        "your checking balance.",
        known=who.known,
        instructions="Also ask: What is my checking balance now?",
        communicate=[opened["dispute_id"], "$45.00", bench.balance(bench.account(who.id))],
    )


SCENARIOS = (
    duplicate,
    wrong_amount,
    not_received,
    too_old,
    still_pending,
    already_disputed,
    cancelled_subscription,
    dispute_then_balance,
)
