"""Banking tools for accounts: balances, transactions, disputes.

The systems refuse what cannot be done (disputing a pending transaction, more than was charged,
the same transaction twice); the dispute window and who may dispute what are the policy's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field

from aiconv.agents.toolbox import ToolError
from aiconv.environments.banking.rules import DISPUTE_REVIEW_TIME, PROVISIONAL_CREDIT_LIMIT
from aiconv.environments.banking.state import (
    Account,
    BankState,
    Dispute,
    DisputeReason,
    Transaction,
    audit,
    cents,
    found,
    money,
    next_id,
)


def account_of(state: BankState, account_id: str) -> Account:
    """The account ``account_id`` (ToolError when there is none)."""
    return found(state.accounts, account_id, "account")


def post(
    state: BankState, account_id: str, amount: Decimal, merchant: str, *, outgoing: bool
) -> Transaction:
    """Post a transaction dated today and move the balance (a credit account's balance is
    what is owed: money out raises it)."""
    account = account_of(state, account_id)
    owes = account.kind == "credit"
    account.balance = money(account.balance + (amount if outgoing == owes else -amount))
    transaction = Transaction(
        transaction_id=next_id("txn", state.transactions, start=len(state.transactions) + 1),
        account_id=account_id,
        on=state.today,
        merchant=merchant,
        amount=money(amount),
        direction="debit" if outgoing else "credit",
    )
    state.transactions[transaction.transaction_id] = transaction
    return transaction


def get_account(state: BankState, account_id: str) -> dict[str, Any]:
    """An account's balance and status (for a credit account, the balance owed).

    Args:
        account_id: The account, e.g. acc-0001.
    """
    account = account_of(state, account_id)
    pending = [
        t
        for t in state.transactions.values()
        if t.account_id == account_id and t.status == "pending"
    ]
    return {
        **account.model_dump(mode="json"),
        "balance": f"{account.balance:.2f}",
        "pending_transactions": len(pending),
        "as_of": state.today.isoformat(),
    }


def list_transactions(
    state: BankState, account_id: str, limit: Annotated[int, Field(ge=1, le=50)] = 10
) -> dict[str, Any]:
    """An account's most recent transactions, newest first (pending ones included), and
    today's date (``as_of``).

    Args:
        account_id: The account.
        limit: How many to list, 1 to 50.
    """
    account_of(state, account_id)
    found = [t for t in state.transactions.values() if t.account_id == account_id]
    found.sort(key=lambda t: (t.on, t.transaction_id), reverse=True)
    return {
        "account_id": account_id,
        "as_of": state.today.isoformat(),
        "transactions": [
            {**t.model_dump(mode="json", exclude={"account_id"}), "amount": f"{t.amount:.2f}"}
            for t in found[:limit]
        ],
    }


def list_disputes(state: BankState, customer_id: str) -> list[dict[str, Any]]:
    """A customer's disputes and their status.

    Args:
        customer_id: The customer.
    """
    return [
        {**d.model_dump(mode="json"), "amount": f"{d.amount:.2f}"}
        for d in state.disputes.values()
        if d.customer_id == customer_id
    ]


def open_dispute(
    state: BankState,
    transaction_id: str,
    reason: DisputeReason,
    amount: Annotated[float, Field(gt=0, allow_inf_nan=False)],
) -> dict[str, Any]:
    """Dispute a posted transaction, in full or in part. Disputes up to the provisional-credit
    limit are credited back provisionally at once.

    Args:
        transaction_id: The transaction, e.g. txn-0042.
        reason: duplicate, wrong_amount, not_received, cancelled_subscription or other.
        amount: How much of it is disputed, in dollars.
    """
    disputed = cents(amount)
    transaction = _disputable(state, transaction_id, disputed)
    customer_id = account_of(state, transaction.account_id).customer_id
    dispute_id = next_id("DSP", state.disputes, start=1001)
    credit = disputed if disputed <= PROVISIONAL_CREDIT_LIMIT else money(0)
    if credit:
        memo = f"Provisional credit {dispute_id}"
        post(state, transaction.account_id, credit, memo, outgoing=False)
    state.disputes[dispute_id] = Dispute(
        dispute_id=dispute_id,
        customer_id=customer_id,
        transaction_id=transaction_id,
        reason=reason,
        amount=disputed,
        provisional_credit=credit,
        opened_on=state.today,
    )
    audit(state, customer_id, f"open_dispute {transaction_id}")
    return {
        "dispute_id": dispute_id,
        "amount": f"{disputed:.2f}",
        "provisional_credit": f"{credit:.2f}",
        "review_time": DISPUTE_REVIEW_TIME,
    }


def _disputable(state: BankState, transaction_id: str, disputed: Decimal) -> Transaction:
    """The transaction, when ``disputed`` of it can be disputed: a posted charge of at least
    that much, not disputed yet (ToolError: why not)."""
    transaction = state.transactions.get(transaction_id)
    if transaction is None:
        raise ToolError(f"no transaction {transaction_id!r}")
    if transaction.status != "posted":
        raise ToolError(f"{transaction_id} is still pending: it can be disputed once posted")
    if transaction.direction != "debit":
        raise ToolError(f"{transaction_id} is a credit, not a charge")
    if disputed > transaction.amount:
        raise ToolError(f"{disputed} is more than the {transaction.amount} charged")
    if any(d.transaction_id == transaction_id for d in state.disputes.values()):
        raise ToolError(f"{transaction_id} is already disputed")
    return transaction
