"""Money tasks: balances (one, several, which one?, owed) and payments looked up."""

from __future__ import annotations

from aiconv.environments.banking.authoring.draft import Bench, Draft, charge
from aiconv.environments.banking.state import dollars
from aiconv.environments.domain import Domain

BALANCE_POLICY = "2. Balances and transactions"
DISPUTE_POLICY = "4. Disputes"


def checking_balance(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0005")
    bench.verify(who)
    return Draft(
        id="checking-balance",
        title="Checking balance",
        difficulty="easy",
        purpose="Verify, then tell the balance exactly.",
        policies=BALANCE_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="Hi, could you tell me the balance of my checking account?",
        reason="You want to know how much money is in your checking account.",
        known=who.known,
        communicate=[bench.balance(bench.account(who.id))],
    )


def all_balances(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0007")
    bench.verify(who)
    return Draft(
        id="all-balances",
        title="Balances of every account",
        difficulty="medium",
        purpose="Three facts to tell: the balance of each account, the credit one as owed.",
        policies=BALANCE_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="I'd like to know the balances of all my accounts, please.",
        reason="You want the balance of each of your accounts: checking, savings and credit card.",
        known=who.known,
        communicate=[
            bench.balance(bench.account(who.id, k)) for k in ("checking", "savings", "credit")
        ],
    )


def which_balance(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0001")
    bench.verify(who)
    checking = bench.balance(bench.account(who.id, "checking"))
    return Draft(
        id="balance-which-account",
        title="A balance, but which one?",
        difficulty="medium",
        purpose="The caller has two accounts and does not say which: ask, then tell that one "
        "(and only that one).",
        policies=BALANCE_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="What's my balance?",
        reason="You want to know your savings balance.",
        known={**who.known, "account": "savings"},
        communicate=[bench.balance(bench.account(who.id, "savings"))],
        nl=[f"The agent does not tell the checking balance ({checking})."],
    )


def credit_owed(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0004")
    bench.verify(who)
    return Draft(
        id="credit-card-owed",
        title="How much do I owe?",
        difficulty="easy",
        purpose="The balance of a credit account is what is owed.",
        policies=BALANCE_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="How much do I owe on my credit card?",
        reason="You want to know how much you owe on your credit card.",
        known=who.known,
        communicate=[bench.balance(bench.account(who.id, "credit"))],
    )


def last_payment(domain: Domain) -> Draft:
    bench = Bench(domain)
    who = bench.person("cust-0010")
    bench.verify(who)
    listed = bench.read("list_transactions", account_id=bench.account(who.id), limit=20)
    latest = listed["transactions"][0]
    return Draft(
        id="last-payment",
        title="My last payment",
        difficulty="easy",
        purpose="Look up a payment and tell its amount.",
        policies=BALANCE_POLICY,
        bench=bench,
        outcome="satisfied",
        opening=f"How much was my last payment to {latest['merchant']}?",
        reason=f"You want to know how much your last payment to {latest['merchant']} was.",
        known=who.known,
        communicate=[dollars(latest["amount"])],
    )


def pending_payment(domain: Domain) -> Draft:
    base = Bench(domain)
    card = base.card("cust-0002")
    bench = Bench(
        domain,
        {"transactions": charge(base, "txn-0901", card, 0, "Harbor Hardware", "86.40", "pending")},
    )
    who = bench.person("cust-0002")
    bench.verify(who)
    return Draft(
        id="pending-payment",
        title="Has my payment gone through?",
        difficulty="medium",
        purpose="A pending payment: tell its amount and that it is not in the balance yet.",
        policies=BALANCE_POLICY,
        bench=bench,
        outcome="satisfied",
        opening="I paid $86.40 at Harbor Hardware this morning. Has that payment gone through?",
        reason="You paid $86.40 at Harbor Hardware this morning and want to know whether the "
        "payment has gone through.",
        known=who.known,
        communicate=["$86.40", "pending"],
        nl=["The agent explains that a pending payment is not part of the balance yet."],
    )


SCENARIOS = (
    checking_balance,
    all_balances,
    which_balance,
    credit_owed,
    last_payment,
    pending_payment,
)
