"""The banking domain: Harbor Bank's card and account support desk.

Tools act on a ``BankState`` (``state``): verify the caller, balances and transactions, lost or
stolen cards (block, replacement, delivery address and timeline), disputes, hand-offs to human
teams. ``policy.md`` is what the agent under test is told; ``generator`` builds the default bank
from a seed; ``tasks/`` holds the shipped tasks (written by ``authoring``). Registered as the
``banking`` entry point of ``aiconv.domains``.
"""

from __future__ import annotations

import functools
from pathlib import Path

from aiconv.environments.banking.accounts import (
    get_account,
    list_disputes,
    list_transactions,
    open_dispute,
)
from aiconv.environments.banking.callers import (
    find_customer,
    get_customer,
    transfer_to_human,
    verify_identity,
)
from aiconv.environments.banking.cards import (
    block_card,
    get_card,
    order_replacement_card,
    unblock_card,
)
from aiconv.environments.banking.generator import DEFAULT_SEED, generate_bank
from aiconv.environments.banking.state import BankState
from aiconv.environments.domain import Domain

HERE = Path(__file__).parent
POLICY_FILE = HERE / "policy.md"
TASKS_DIR = HERE / "tasks"

#: Every tool, in the order an agent is shown them.
TOOLS = (
    verify_identity,
    find_customer,
    get_customer,
    get_account,
    list_transactions,
    get_card,
    block_card,
    unblock_card,
    order_replacement_card,
    list_disputes,
    open_dispute,
    transfer_to_human,
)
READ_ONLY = (
    "find_customer",
    "get_customer",
    "get_account",
    "list_transactions",
    "get_card",
    "list_disputes",
)


@functools.cache
def _default_bank(seed: int) -> BankState:
    return generate_bank(seed)


def default_state(seed: int = DEFAULT_SEED) -> BankState:
    """A fresh copy of the bank of ``seed`` (tools mutate the state they are given)."""
    return _default_bank(seed).model_copy(deep=True)


def banking_domain(seed: int = DEFAULT_SEED) -> Domain:
    """The banking domain; its default state is the bank generated from ``seed``."""
    return Domain(
        name="banking",
        state_type=BankState,
        tools=TOOLS,
        policy=POLICY_FILE.read_text(encoding="utf-8"),
        initial_state=lambda: default_state(seed),
        read_only=READ_ONLY,
        task_files=sorted(TASKS_DIR.glob("*.json")),
    )


__all__ = ["DEFAULT_SEED", "TOOLS", "BankState", "banking_domain", "default_state"]
