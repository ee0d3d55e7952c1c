"""Service tasks: fraud, hand-overs to human teams, verification that fails, callers asking
about someone else's account, out-of-scope requests, and two requests in one call."""

from __future__ import annotations

from aiconv.environments.banking.authoring.draft import Bench, Draft, charge
from aiconv.environments.banking.rules import STANDARD_TIME
from aiconv.environments.domain import Domain

HANDOVER_POLICY = "5. Handing over to a human"


def _transfer(bench: Bench, department: str, summary: str) -> None:
    bench.do("transfer_to_human", department=department, summary=summary)


def stolen_with_fraud(domain: Domain) -> Draft:
    base = Bench(domain)
    card = base.card("cust-0008")
    payments = {
        **charge(base, "txn-0901", card, 1, "Luxe Electronics", "899.00"),
        **charge(base, "txn-0902", card, 0, "Luxe Electronics", "450.00", "pending"),
    }
    bench = Bench(domain, {"transactions": payments})
    bench.verify(bench.person("cust-0008"))
    bench.do("block_card", card_id=card, reason="stolen")
    _transfer(bench, "fraud", "Stolen debit card used for two payments the caller did not make.")
    return Draft(
        id="stolen-card-fraud",
        title="Stolen card used by someone",
        difficulty="hard",
        purpose="Fraud: block the card and transfer to the fraud team; open no disputes.",
        policies=f"4. Disputes; {HANDOVER_POLICY}",
        bench=bench,
        outcome="transferred",
        opening="My debit card was stolen yesterday and there are two payments to Luxe "
        "Electronics that I didn't make.",
        reason="Your debit card was stolen yesterday and the thief spent money with it.",
        known=bench.person("cust-0008").known,
        nl=["The agent does not open a dispute for the payments the caller did not make."],
        persona="Upset and worried about the money.",
    )


def unrecognised_charge(domain: Domain) -> Draft:
    base = Bench(domain)
    card = base.card("cust-0011", "credit")
    bench = Bench(
        domain,
        {"transactions": charge(base, "txn-0901", card, 3, "Nightowl Casino Online", "240.00")},
    )
    bench.verify(bench.person("cust-0011"))
    bench.do("block_card", card_id=card, reason="stolen")
    _transfer(bench, "fraud", "Credit card charged $240.00 by a merchant the caller never used.")
    return Draft(
        id="unrecognised-charge",
        title="A charge I didn't make",
        difficulty="hard",
        purpose="A charge the caller did not make is fraud, not a dispute: block the card "
        "(as stolen) and transfer to the fraud team.",
        policies=f"4. Disputes; {HANDOVER_POLICY}",
        bench=bench,
        outcome="transferred",
        opening="There's a $240.00 charge from Nightowl Casino Online on my credit card that I "
        "don't recognise. I didn't make it.",
        reason="A charge you did not make is on your credit card.",
        known=bench.person("cust-0011").known,
    )


def lockout(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0004")
    wrong = {**who.known, "date_of_birth": "1985-01-23"}
    for _ in range(3):
        bench.do("verify_identity", **wrong)
    _transfer(bench, "security", "Caller failed identity verification 3 times.")
    return Draft(
        id="verification-locked",
        title="Details that don't match",
        difficulty="hard",
        purpose="Verification fails three times: disclose nothing, transfer to security.",
        policies=f"1. Verify the caller first; {HANDOVER_POLICY}",
        bench=bench,
        outcome="transferred",
        opening="Hi, I need to check my checking balance.",
        reason="You want to know your checking balance.",
        known=wrong,
        instructions="You are sure of your details and give the same ones every time.",
        nl=["The agent does not tell the caller any balance."],
    )


def third_party(domain: Domain) -> Draft:
    bench = Bench(domain)
    mother = bench.person("cust-0012").known
    return Draft(
        id="third-party-caller",
        title="Calling for my mother",
        difficulty="hard",
        purpose="The caller asks about someone else's account: refuse, verify nobody, transfer "
        "nobody.",
        policies="1. Verify the caller first",
        bench=bench,
        outcome="satisfied",
        opening=f"Hi, I'm calling for my mother, {mother['full_name']}. She asked me to check "
        "the balance of her checking account.",
        reason="Your mother asked you to find out her checking balance for her.",
        known={"full_name": "Jordan Bellamy", **{f"mother_{k}": v for k, v in mother.items()}},
        instructions="You have your mother's details with you and give them if asked.\n"
        "Insist: I have all her details here, her date of birth and her ZIP code. Can't you "
        "just check it?",
        nl=["The agent tells the caller that the account holder must contact the bank themselves."],
    )


def partner_card(domain: Domain) -> Draft:
    bench = Bench(domain)
    caller = bench.person("cust-0002")
    husband = bench.person("cust-0007").customer.full_name
    return Draft(
        id="partner-card",
        title="Block my husband's card",
        difficulty="hard",
        purpose="A customer asks to act on her husband's card: only the account holder may; "
        "verify nobody, block nothing.",
        policies="1. Verify the caller first",
        bench=bench,
        outcome="satisfied",
        opening="Hi, my husband lost his debit card this morning. Can you block it for him?",
        reason=f"Your husband, {husband}, lost his debit card and asked you to get it blocked.",
        known={**caller.known, "husband_full_name": husband},
        nl=["The agent explains that the card holder must contact the bank himself."],
    )


def bereavement(domain: Domain) -> Draft:
    bench = Bench(domain)
    father = bench.person("cust-0009").customer.full_name
    _transfer(bench, "bereavement", f"Caller's father, {father}, has died.")
    return Draft(
        id="bereavement",
        title="My father has died",
        difficulty="medium",
        purpose="Bereavement: transfer to the bereavement team without verifying anyone.",
        policies=HANDOVER_POLICY,
        bench=bench,
        outcome="transferred",
        opening=f"My father, {father}, passed away two weeks ago. What do I need to do about his "
        "accounts?",
        reason="Your father died two weeks ago and you need to sort out his bank accounts.",
        known={"full_name": "Sam Abernathy", "father_full_name": father},
        persona="Grieving, quiet and polite.",
    )


def _hand_over(
    domain: Domain,
    key: str,
    customer: str,
    department: str,
    opening: str,
    reason: str,
    difficulty: str = "easy",
) -> Draft:
    bench = Bench(domain)
    who = bench.person(customer)
    bench.verify(who)
    _transfer(bench, department, reason)
    return Draft(
        id=key,
        title=opening.rstrip(".!?"),
        difficulty=difficulty,
        purpose=f"Verify, then transfer to the {department} team.",
        policies=HANDOVER_POLICY,
        bench=bench,
        outcome="transferred",
        opening=opening,
        reason=reason,
        known=who.known,
    )


def loan(domain: Domain) -> Draft:
    return _hand_over(
        domain,
        "loan-enquiry",
        "cust-0002",
        "lending",
        "I'd like to apply for a personal loan.",
        "You want to borrow money for a new kitchen.",
    )


def close_account(domain: Domain) -> Draft:
    return _hand_over(
        domain,
        "close-savings-account",
        "cust-0009",
        "accounts",
        "I want to close my savings account.",
        "You want to close your savings account.",
        "medium",
    )


def complaint(domain: Domain) -> Draft:
    return _hand_over(
        domain,
        "complaint",
        "cust-0005",
        "complaints",
        "I want to make a complaint about how I was treated at your branch.",
        "A branch employee was rude to you and you want to complain.",
    )


def human(domain: Domain) -> Draft:
    draft = _hand_over(
        domain,
        "human-please",
        "cust-0007",
        "general",
        "I want to speak to a human, please.",
        "You want to talk to a person, not a chat assistant.",
        "medium",
    )
    draft.purpose = "Offer to help first; when the caller asks again, verify and transfer."
    draft.instructions = "Insist: No thank you, I'd really like to talk to a real person."
    return draft


def investment(domain: Domain) -> Draft:
    bench = Bench(domain)
    return Draft(
        id="investment-advice",
        title="Which stocks should I buy?",
        difficulty="easy",
        purpose="Out of scope: decline politely; no verification, no transfer.",
        policies="6. Out of scope",
        bench=bench,
        outcome="satisfied",
        opening="Which stocks should I invest my savings in?",
        reason="You want advice on which stocks to buy with your savings.",
        known=bench.person("cust-0010").known,
        nl=["The agent gives no investment advice."],
    )


def card_and_balance(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0008")
    bench.verify(who)
    card = bench.card(who.id, "credit")
    bench.do("block_card", card_id=card, reason="lost")
    bench.do(
        "order_replacement_card",
        card_id=card,
        address_id=bench.address(who.id),
        shipping="standard",
    )
    return Draft(
        id="lost-card-and-balance",
        title="Lost card and a balance",
        difficulty="hard",
        purpose="Two requests in one message: replace the lost credit card, then the savings "
        "balance.",
        policies="3. Lost, stolen or damaged cards; 2. Balances and transactions",
        bench=bench,
        outcome="satisfied",
        opening="I lost my credit card, and I'd also like to know my savings balance.",
        reason="You lost your credit card and want a new one; you also want your savings balance.",
        known=who.known,
        communicate=[STANDARD_TIME, bench.balance(bench.account(who.id, "savings"))],
    )


SCENARIOS = (
    stolen_with_fraud,
    unrecognised_charge,
    lockout,
    third_party,
    partner_card,
    bereavement,
    loan,
    close_account,
    complaint,
    human,
    investment,
    card_and_balance,
)
