"""Every banking tool on a small hand-built bank: what it does, and what it refuses."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from aiconv.agents.toolbox import ToolError
from aiconv.environments.banking import BankState, banking_domain
from aiconv.environments.domain import Call, Domain, merged
from aiconv.errors import ConfigError


@pytest.fixture(scope="module")
def domain() -> Domain:
    return banking_domain()


def bank(**changes: Any) -> BankState:
    """One customer (two cards, a verified and an unverified address), a namesake, a few
    transactions; today is Monday 2026-03-16."""
    data: dict[str, Any] = {
        "today": "2026-03-16",
        "customers": {
            "c1": {
                "customer_id": "c1",
                "full_name": "Dana Whitfield",
                "date_of_birth": "1984-03-12",
                "zip_code": "62701",
                "phone": "1",
                "email": "d@example.com",
            },
            "c2": {
                "customer_id": "c2",
                "full_name": "Dana Whitfield",
                "date_of_birth": "1990-01-01",
                "zip_code": "97201",
                "phone": "2",
                "email": "e@example.com",
                "tier": "premier",
            },
        },
        "addresses": {
            "a1": {
                "address_id": "a1",
                "customer_id": "c1",
                "street": "12 Main Street",
                "city": "Springfield",
                "state": "IL",
                "zip_code": "62701",
                "verified": True,
            },
            "a2": {
                "address_id": "a2",
                "customer_id": "c1",
                "street": "4 Oak Avenue",
                "city": "Springfield",
                "state": "IL",
                "zip_code": "62704",
                "verified": False,
                "label": "new",
            },
            "a3": {
                "address_id": "a3",
                "customer_id": "c2",
                "street": "9 Elm Street",
                "city": "Portland",
                "state": "OR",
                "zip_code": "97201",
                "verified": True,
            },
        },
        "accounts": {
            "chk": {
                "account_id": "chk",
                "customer_id": "c1",
                "kind": "checking",
                "number_last4": "1111",
                "balance": "1288.65",
            },
            "cc": {
                "account_id": "cc",
                "customer_id": "c1",
                "kind": "credit",
                "number_last4": "2222",
                "balance": "100.00",
            },
            "chk2": {
                "account_id": "chk2",
                "customer_id": "c2",
                "kind": "checking",
                "number_last4": "3333",
                "balance": "50.00",
            },
        },
        "cards": {
            "debit": {
                "card_id": "debit",
                "customer_id": "c1",
                "account_id": "chk",
                "kind": "debit",
                "last4": "4421",
                "expires": "2028-09",
            },
            "credit": {
                "card_id": "credit",
                "customer_id": "c1",
                "account_id": "cc",
                "kind": "credit",
                "last4": "9034",
                "expires": "2029-01",
            },
            "debit2": {
                "card_id": "debit2",
                "customer_id": "c2",
                "account_id": "chk2",
                "kind": "debit",
                "last4": "5555",
                "expires": "2028-01",
            },
        },
        "transactions": {
            "t1": {
                "transaction_id": "t1",
                "account_id": "chk",
                "on": "2026-03-10",
                "merchant": "StreamFlix",
                "amount": "15.99",
                "card_id": "debit",
            },
            "t2": {
                "transaction_id": "t2",
                "account_id": "chk",
                "on": "2026-03-15",
                "merchant": "Gadget Hub",
                "amount": "249.00",
                "card_id": "debit",
            },
            "t3": {
                "transaction_id": "t3",
                "account_id": "chk",
                "on": "2026-03-16",
                "merchant": "QuickFuel",
                "amount": "40.00",
                "status": "pending",
            },
            "t4": {
                "transaction_id": "t4",
                "account_id": "cc",
                "on": "2026-03-01",
                "merchant": "Refund",
                "amount": "10.00",
                "direction": "credit",
            },
            "t5": {
                "transaction_id": "t5",
                "account_id": "cc",
                "on": "2026-03-02",
                "merchant": "Bluebird Cafe",
                "amount": "20.00",
                "card_id": "credit",
            },
        },
        **changes,
    }
    return BankState.model_validate(data)


def run(domain: Domain, state: BankState, tool: str, **arguments: Any) -> tuple[BankState, Any]:
    after, text = domain.apply(state, Call(tool=tool, arguments=arguments))
    assert isinstance(after, BankState)
    try:
        return after, json.loads(text)
    except ValueError:
        return after, text


def refused(domain: Domain, state: BankState, tool: str, **arguments: Any) -> str:
    with pytest.raises(ToolError) as error:
        domain.apply(state, Call(tool=tool, arguments=arguments))
    return str(error.value)


IDENTITY = {"full_name": "Dana Whitfield", "date_of_birth": "1984-03-12", "zip_code": "62701"}


def test_verify_identity_tells_namesakes_apart_by_birth_date_and_zip(domain: Domain) -> None:
    """Name, date of birth and ZIP must all match; the matching customer becomes verified."""
    after, result = run(
        domain, bank(), "verify_identity", **{**IDENTITY, "full_name": " dana  WHITFIELD"}
    )
    assert result == {"verified": True, "customer_id": "c1", "full_name": "Dana Whitfield"}
    assert after.session.verified_customer_id == "c1"
    after, result = run(
        domain,
        bank(),
        "verify_identity",
        full_name="Dana Whitfield",
        date_of_birth="1990-01-01",
        zip_code="97201",
    )
    assert result["customer_id"] == "c2"


def test_verify_identity_counts_failures_and_locks_after_three(domain: Domain) -> None:
    """A failure is recorded in the state (not refused), and the third one locks the call —
    even the right details are then turned away."""
    state = bank()
    wrong = {**IDENTITY, "date_of_birth": "1984-03-13"}
    for left in (2, 1, 0):
        state, result = run(domain, state, "verify_identity", **wrong)
        assert result["verified"] is False
        assert result["attempts_left"] == left
    assert result["locked"] is True
    state, result = run(domain, state, "verify_identity", **IDENTITY)
    assert result["locked"] is True
    assert state.session.verified_customer_id is None
    assert state.session.failed_verifications == 3


def test_verify_identity_refuses_a_date_that_is_not_a_date(domain: Domain) -> None:
    assert "invalid arguments for verify_identity" in refused(
        domain, bank(), "verify_identity", **{**IDENTITY, "date_of_birth": "12 March"}
    )


def test_find_customer_looks_up_without_verifying(domain: Domain) -> None:
    after, result = run(
        domain, bank(), "find_customer", full_name="Dana Whitfield", zip_code="97201"
    )
    assert result == [{"customer_id": "c2", "full_name": "Dana Whitfield"}]
    assert after.session.verified_customer_id is None
    assert run(domain, bank(), "find_customer", full_name="Nobody", zip_code="1")[1] == []


def test_get_customer_lists_accounts_cards_and_which_addresses_are_verified(
    domain: Domain,
) -> None:
    _, profile = run(domain, bank(), "get_customer", customer_id="c1")
    assert [a["account_id"] for a in profile["accounts"]] == ["chk", "cc"]
    assert [(c["card_id"], c["last4"]) for c in profile["cards"]] == [
        ("debit", "4421"),
        ("credit", "9034"),
    ]
    assert [(a["address_id"], a["verified"]) for a in profile["addresses"]] == [
        ("a1", True),
        ("a2", False),
    ]
    assert "date_of_birth" not in json.dumps(profile)
    assert "no customer 'c9'" in refused(domain, bank(), "get_customer", customer_id="c9")


def test_get_account_and_transactions_newest_first_with_today(domain: Domain) -> None:
    _, account = run(domain, bank(), "get_account", account_id="chk")
    assert (account["balance"], account["pending_transactions"], account["as_of"]) == (
        "1288.65",
        1,
        "2026-03-16",
    )
    _, listed = run(domain, bank(), "list_transactions", account_id="chk", limit=2)
    assert [t["transaction_id"] for t in listed["transactions"]] == ["t3", "t2"]
    assert listed["transactions"][0]["status"] == "pending"
    assert "no account" in refused(domain, bank(), "get_account", account_id="nope")
    assert "greater than or equal to 1" in refused(
        domain, bank(), "list_transactions", account_id="chk", limit=0
    )


def test_block_card_blocks_once(domain: Domain) -> None:
    state, result = run(domain, bank(), "block_card", card_id="debit", reason="stolen")
    assert result["status"] == "blocked"
    assert (state.cards["debit"].status, state.cards["debit"].block_reason) == ("blocked", "stolen")
    assert "not active" in refused(domain, state, "block_card", card_id="debit", reason="lost")
    assert "invalid arguments" in refused(
        domain, bank(), "block_card", card_id="debit", reason="bored"
    )
    assert "no card" in refused(domain, bank(), "block_card", card_id="x", reason="lost")


def test_unblock_card_only_unblocks_a_blocked_card(domain: Domain) -> None:
    state, _ = run(domain, bank(), "block_card", card_id="debit", reason="lost")
    state, result = run(domain, state, "unblock_card", card_id="debit")
    assert result["status"] == "active"
    assert state.cards["debit"].block_reason is None
    assert "not blocked" in refused(domain, state, "unblock_card", card_id="debit")


def test_order_replacement_standard_is_free_and_takes_seven_business_days(
    domain: Domain,
) -> None:
    state, _ = run(domain, bank(), "block_card", card_id="debit", reason="lost")
    state, result = run(domain, state, "order_replacement_card", card_id="debit", address_id="a1")
    assert result["delivery_time"] == "5 to 7 business days"
    assert result["arrives_by"] == "2026-03-25"  # seven business days after Monday the 16th
    assert result["fee"] == "0.00"
    new = state.cards[state.cards["debit"].replaced_by or ""]
    assert (state.cards["debit"].status, new.status, new.account_id) == (
        "replaced",
        "active",
        "chk",
    )
    assert state.accounts["chk"].balance == Decimal("1288.65")
    assert "replaced" in refused(
        domain, state, "order_replacement_card", card_id="debit", address_id="a1"
    )


def test_order_replacement_express_charges_the_fee_unless_premier(domain: Domain) -> None:
    state, _ = run(domain, bank(), "block_card", card_id="debit", reason="lost")
    state, result = run(
        domain,
        state,
        "order_replacement_card",
        card_id="debit",
        address_id="a2",
        shipping="express",
    )
    assert (result["fee"], result["delivery_time"], result["arrives_by"]) == (
        "15.00",
        "2 business days",
        "2026-03-18",
    )
    assert state.accounts["chk"].balance == Decimal("1273.65")
    fee = [t for t in state.transactions.values() if t.merchant.startswith("Express")]
    assert [(t.amount, t.direction, t.on.isoformat()) for t in fee] == [
        (Decimal("15.00"), "debit", "2026-03-16")
    ]
    premier, _ = run(domain, bank(), "block_card", card_id="debit2", reason="lost")
    premier, result = run(
        domain,
        premier,
        "order_replacement_card",
        card_id="debit2",
        address_id="a3",
        shipping="express",
    )
    assert result["fee"] == "0.00"
    assert premier.accounts["chk2"].balance == Decimal("50.00")


def test_order_replacement_refuses_an_active_card_or_another_customers_address(
    domain: Domain,
) -> None:
    assert "only a blocked card" in refused(
        domain, bank(), "order_replacement_card", card_id="debit", address_id="a1"
    )
    blocked, _ = run(domain, bank(), "block_card", card_id="debit", reason="lost")
    assert "not on the card holder's profile" in refused(
        domain, blocked, "order_replacement_card", card_id="debit", address_id="a3"
    )


def test_replacement_ids_are_the_same_on_every_replay(domain: Domain) -> None:
    """Tools are functions of the state: replaying the same calls builds the same bank."""
    calls = [
        Call(tool="block_card", arguments={"card_id": "debit", "reason": "lost"}),
        Call(tool="order_replacement_card", arguments={"card_id": "debit", "address_id": "a1"}),
    ]
    assert domain.replay(bank(), calls) == domain.replay(bank(), calls)


def test_get_card_shows_the_replacement_on_its_way(domain: Domain) -> None:
    state, _ = run(domain, bank(), "block_card", card_id="debit", reason="lost")
    state, _ = run(domain, state, "order_replacement_card", card_id="debit", address_id="a1")
    _, card = run(domain, state, "get_card", card_id="debit")
    assert card["replacement"]["address"] == "12 Main Street, Springfield, IL 62701"
    assert card["replacement"]["arrives_by"] == "2026-03-25"


def test_open_dispute_credits_small_disputes_at_once(domain: Domain) -> None:
    state, result = run(
        domain,
        bank(),
        "open_dispute",
        transaction_id="t1",
        reason="cancelled_subscription",
        amount=15.99,
    )
    assert result == {
        "dispute_id": "DSP-1001",
        "amount": "15.99",
        "provisional_credit": "15.99",
        "review_time": "10 business days",
    }
    assert state.accounts["chk"].balance == Decimal("1304.64")
    assert state.disputes["DSP-1001"].customer_id == "c1"
    assert "already disputed" in refused(
        domain, state, "open_dispute", transaction_id="t1", reason="other", amount=1
    )


def test_open_dispute_over_the_limit_has_no_provisional_credit(domain: Domain) -> None:
    state, result = run(
        domain, bank(), "open_dispute", transaction_id="t2", reason="not_received", amount=249
    )
    assert result["provisional_credit"] == "0.00"
    assert state.accounts["chk"].balance == Decimal("1288.65")


def test_open_dispute_on_a_credit_account_lowers_what_is_owed(domain: Domain) -> None:
    state, _ = run(
        domain, bank(), "open_dispute", transaction_id="t5", reason="wrong_amount", amount=5
    )
    assert state.accounts["cc"].balance == Decimal("95.00")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"transaction_id": "t3", "reason": "other", "amount": 40}, "still pending"),
        ({"transaction_id": "t4", "reason": "other", "amount": 10}, "a credit, not a charge"),
        ({"transaction_id": "t2", "reason": "other", "amount": 300}, "more than the 249.00"),
        ({"transaction_id": "t9", "reason": "other", "amount": 1}, "no transaction"),
        ({"transaction_id": "t2", "reason": "other", "amount": 0}, "greater than 0"),
        ({"transaction_id": "t2", "reason": "fraud", "amount": 1}, "invalid arguments"),
        # an amount a bank cannot move: less than a cent (it was opened as a $0.00 dispute,
        # which then refused the real one as 'already disputed'), parts of a cent, or
        # infinite (decimal.InvalidOperation escaped the tool)
        ({"transaction_id": "t2", "reason": "other", "amount": 0.004}, "in whole cents"),
        ({"transaction_id": "t2", "reason": "other", "amount": 23.405}, "in whole cents"),
        ({"transaction_id": "t2", "reason": "other", "amount": "1e400"}, "finite number"),
        ({"transaction_id": "t2", "reason": "other", "amount": "Infinity"}, "finite number"),
        ({"transaction_id": "t2", "reason": "other", "amount": 1e300}, "a bank can move"),
    ],
)
def test_open_dispute_refuses_what_cannot_be_disputed(
    domain: Domain, arguments: dict[str, Any], message: str
) -> None:
    assert message in refused(domain, bank(), "open_dispute", **arguments)


def test_list_disputes_shows_only_the_customers_own(domain: Domain) -> None:
    state, _ = run(domain, bank(), "open_dispute", transaction_id="t1", reason="other", amount=1)
    assert [d["dispute_id"] for d in run(domain, state, "list_disputes", customer_id="c1")[1]] == [
        "DSP-1001"
    ]
    assert run(domain, state, "list_disputes", customer_id="c2")[1] == []


def test_transfer_records_the_team_and_the_verified_caller_not_the_summary(
    domain: Domain,
) -> None:
    state, _ = run(domain, bank(), "verify_identity", **IDENTITY)
    state, result = run(
        domain, state, "transfer_to_human", department="fraud", summary="card stolen"
    )
    assert result["handoff_id"] == "HO-0001"
    assert state.handoffs["HO-0001"].model_dump() == {
        "handoff_id": "HO-0001",
        "department": "fraud",
        "customer_id": "c1",
    }
    assert "summary" in refused(
        domain, bank(), "transfer_to_human", department="general", summary=" "
    )
    assert "invalid arguments" in refused(
        domain, bank(), "transfer_to_human", department="pirates", summary="x"
    )


def test_read_only_tools_change_nothing(domain: Domain) -> None:
    state = bank()
    reads = {
        "find_customer": {"full_name": "Dana Whitfield", "zip_code": "62701"},
        "get_customer": {"customer_id": "c1"},
        "get_account": {"account_id": "chk"},
        "list_transactions": {"account_id": "chk"},
        "get_card": {"card_id": "debit"},
        "list_disputes": {"customer_id": "c1"},
    }
    assert set(reads) == {name for name, tool in domain.tools.items() if tool.read_only}
    for tool, arguments in reads.items():
        after, _ = run(domain, state, tool, **arguments)
        assert after == state


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cards": {"debit": {"customer_id": "c9"}}}, "cards.debit.customer_id: no customer 'c9'"),
        ({"cards": {"debit": {"account_id": "x"}}}, "cards.debit.account_id: no account 'x'"),
        ({"accounts": {"chk": {"customer_id": "c9"}}}, "accounts.chk.customer_id: no customer"),
        ({"addresses": {"a2": {"customer_id": "c9"}}}, "addresses.a2.customer_id: no customer"),
        ({"transactions": {"t1": {"account_id": "x"}}}, "transactions.t1.account_id: no account"),
        ({"transactions": {"t1": {"card_id": "x"}}}, "transactions.t1.card_id: no card 'x'"),
        ({"session": {"verified_customer_id": "c9"}}, "session.verified_customer_id: no customer"),
        # an entry under another key than its own id: a tool looking it up finds another one
        (
            {"cards": {"debit": {"card_id": "credit"}}},
            "cards.debit.card_id: 'credit' is filed under 'debit'",
        ),
    ],
)
def test_a_bank_whose_records_name_what_does_not_exist_is_refused(
    domain: Domain, changes: dict[str, Any], message: str
) -> None:
    """A task's ``agent_data`` can name a customer, account or card that is not there: a tool
    then raised KeyError (``aic tasks list`` ended in a traceback for a card of a missing
    customer); the state is refused when loaded, naming the record."""
    data = merged(bank().model_dump(mode="json"), changes)
    with pytest.raises(ConfigError) as error:
        domain.load_state(data)
    assert message in str(error.value)


def test_an_account_action_for_a_caller_not_verified_as_its_holder_is_in_the_end_state(
    domain: Domain,
) -> None:
    """The policy's first rule, verify before acting, seen in the end state: an agent that
    blocked the card and only then verified the caller reached the same state as one that
    verified first, so it passed the end-state criterion. The bank records each account action
    taken while the caller was not verified as the record's holder (the systems still do it)."""
    verified, _ = run(domain, bank(), "verify_identity", **IDENTITY)
    first = domain.replay(
        verified,
        [
            Call(tool="block_card", arguments={"card_id": "debit", "reason": "lost"}),
            Call(tool="order_replacement_card", arguments={"card_id": "debit", "address_id": "a1"}),
            Call(tool="open_dispute",
                 arguments={"transaction_id": "t1", "reason": "other", "amount": 1}),
        ],
    )  # fmt: skip
    assert isinstance(first, BankState) and first.session.unverified_actions == []
    blocked, _ = run(domain, bank(), "block_card", card_id="debit", reason="lost")
    late, _ = run(domain, blocked, "verify_identity", **IDENTITY)
    assert late.session.unverified_actions == ["block_card debit"]
    assert (
        late.cards["debit"].status == "blocked"
    )  # done all the same: the policy's, not the system's
    other, _ = run(domain, verified, "block_card", card_id="debit2", reason="stolen")
    assert other.session.unverified_actions == ["block_card debit2"]  # another customer's card
    handed, _ = run(domain, bank(), "transfer_to_human", department="bereavement", summary="s")
    assert handed.session.unverified_actions == []  # a hand-off needs no verification
