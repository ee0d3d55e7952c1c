"""The banking domain as shipped: its generator, its policy, its tasks and its registration."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest

from aiconv.environments.banking import DEFAULT_SEED, TASKS_DIR, banking_domain, rules
from aiconv.environments.banking.authoring import build_files
from aiconv.environments.banking.authoring.__main__ import main as authoring_main
from aiconv.environments.banking.generator import generate_bank
from aiconv.environments.domain import DOMAINS, domain_named
from aiconv.simulation.tasks import expected_state, initial_state, tasks_of


def test_the_generator_is_a_function_of_its_seed() -> None:
    assert generate_bank(7) == generate_bank(7)
    assert generate_bank(7).model_dump() != generate_bank(8).model_dump()
    assert generate_bank(7, customers=30) == generate_bank(7, customers=30)


def test_the_default_bank_is_the_generated_one_and_each_copy_is_fresh() -> None:
    domain = banking_domain()
    first = domain.initial_state()
    assert first == generate_bank(DEFAULT_SEED)
    first.customers.clear()  # tools mutate the state they get: a copy must not leak back
    assert domain.initial_state() == generate_bank(DEFAULT_SEED)


@pytest.mark.parametrize("seed", [1, 2026, 99])
def test_a_generated_bank_hangs_together(seed: int) -> None:
    """Every card, account, address and transaction belongs to someone who exists; every
    customer has a verified home address at their ZIP; one name is shared by two customers."""
    bank = generate_bank(seed, customers=20)
    for card in bank.cards.values():
        assert bank.accounts[card.account_id].customer_id == card.customer_id
    for entity in (*bank.accounts.values(), *bank.addresses.values()):
        assert entity.customer_id in bank.customers
    for transaction in bank.transactions.values():
        assert transaction.account_id in bank.accounts
        assert transaction.on <= bank.today
        assert transaction.amount > 0
    for customer in bank.customers.values():
        homes = [
            a
            for a in bank.addresses.values()
            if a.customer_id == customer.customer_id and a.verified
        ]
        assert [a.zip_code for a in homes] == [customer.zip_code]
    names = Counter(c.full_name for c in bank.customers.values())
    assert names.most_common(1)[0][1] == 2
    assert {a.verified for a in bank.addresses.values()} == {True, False}


def test_the_generator_refuses_a_bank_too_small_for_a_namesake() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        generate_bank(1, customers=1)


def test_banking_is_an_installed_domain() -> None:
    assert "banking" in DOMAINS
    domain = domain_named("banking")
    assert domain.name == "banking"
    assert len(domain.tools) == 12


def test_the_policy_states_the_numbers_the_tools_apply() -> None:
    policy = banking_domain().policy
    for said in (
        f"{rules.MAX_VERIFICATION_ATTEMPTS} failed attempts",
        rules.STANDARD_TIME,
        rules.EXPRESS_TIME,
        f"${rules.EXPRESS_FEE}",
        f"{rules.DISPUTE_WINDOW_DAYS} days",
        f"${rules.PROVISIONAL_CREDIT_LIMIT}",
        rules.DISPUTE_REVIEW_TIME,
    ):
        assert said in policy
    for tool in banking_domain().tools:
        assert f"`{tool}`" in policy, f"the policy never says when to use {tool}"


def test_the_shipped_tasks_are_what_the_scenarios_write() -> None:
    """The task files are built from the generator and the tools; a change to either that
    changes a task shows here (rebuild with python -m aiconv.environments.banking.authoring)."""
    built = build_files(banking_domain())
    assert sorted(built) == sorted(p.name for p in TASKS_DIR.glob("*.json"))
    for name, text in built.items():
        assert (TASKS_DIR / name).read_text(encoding="utf-8") == text, name
    assert authoring_main(["--check"]) == 0


def test_at_least_thirty_tasks_of_every_difficulty_and_outcome_load() -> None:
    domain = banking_domain()
    tasks = tasks_of(list(domain.task_files))
    assert len(tasks) >= 30
    assert len({t.id for t in tasks}) == len(tasks)
    assert Counter(t.difficulty for t in tasks).keys() == {"easy", "medium", "hard"}
    outcomes = Counter(t.evaluation_criteria.outcome for t in tasks)
    assert outcomes.keys() == {"satisfied", "transferred"}
    assert outcomes["transferred"] >= 8
    refusals = {
        "dispute-too-old",
        "dispute-pending",
        "third-party-caller",
        "partner-card",
        "investment-advice",
        "found-stolen-card-no-replacement",
    }
    for task in tasks:  # where the right thing is to refuse: nothing but verification changes
        if task.id.removeprefix("banking-") in refusals:
            acted = {a.name for a in task.evaluation_criteria.actions or ()}
            assert acted <= {"verify_identity"}, task.id
    assert len(refusals & {t.id.removeprefix("banking-") for t in tasks}) == len(refusals)
    several = [t for t in tasks if len(t.evaluation_criteria.communicate_info or ()) >= 2]
    assert len(several) >= 8


def test_every_task_replays_its_reference_actions_to_a_different_end_unless_it_refuses() -> None:
    """Reference actions apply (strictly) to each task's initial state; a task whose right
    answer is to refuse leaves the bank as it was, apart from the caller's verification."""
    domain = banking_domain()
    for task in tasks_of(list(domain.task_files)):
        start = initial_state(task, domain)
        end = expected_state(task, domain, strict=True)
        actions = [a.name for a in task.evaluation_criteria.actions or ()]
        changed = set(start.model_dump()) - {"session"}
        moved = any(start.model_dump()[k] != end.model_dump()[k] for k in changed)
        assert moved == bool(set(actions) - {"verify_identity"}), task.id


def test_amounts_to_communicate_are_written_as_a_customer_hears_them() -> None:
    domain = banking_domain()
    for task in tasks_of(list(domain.task_files)):
        for fact in task.evaluation_criteria.communicate_info or ():
            if any(c.isdigit() for c in fact) and "." in fact:
                assert re.fullmatch(r"\$\d{1,3}(,\d{3})*\.\d\d", fact), (task.id, fact)
                assert Decimal(fact[1:].replace(",", "")) > 0
