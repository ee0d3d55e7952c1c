"""What makes a run a run: a safe id, the content hashes of its scenario, and the check that
a run id is never continued with a different scenario.

The **suite hash** covers everything but the agents under test (personas, intents, customer,
outcomes, evaluator, limits, seed); the **agent hash** covers one agent under test's settings;
the **scenario hash** of a conversation covers both. Both are recorded in every conversation's
metadata. The run's repetitions, its time mode and the file's path and comments are left out:
a run may be extended with more repetitions, and moving or commenting the file changes nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import secrets
import time
from typing import Any

from aiconv.errors import ConfigError, ConversationNotFound, ScenarioError
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.queues.log import ConversationLog, ListQuery
from aiconv.simulation.scenario import Scenario, Seat

_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_LEFT_OUT = ("source", "repeat", "time", "agent", "agents")


def check_run_id(run_id: str) -> str:
    """``run_id`` if it is safe in file names and URLs; ConfigError otherwise."""
    if not _RUN_ID.match(run_id):
        raise ConfigError(
            f"run id {run_id!r} must be 1-100 letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit)"
        )
    return run_id


def split_target(target: str) -> tuple[str, str | None]:
    """``RUN`` or ``RUN/AGENT`` (one agent of a matrix run) -> (run id, agent label or None);
    ConfigError unless both parts are safe ids."""
    run_id, slash, agent = target.partition("/")
    if not _RUN_ID.match(run_id) or (slash and not _RUN_ID.match(agent)):
        raise ConfigError(
            f"run id {target!r} must be 1-100 letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit), optionally /AGENT for one agent of a matrix run"
        )
    return run_id, (agent if slash else None)


def new_run_id(scenario: Scenario) -> str:
    """``<scenario slug>-<yyyymmdd-hhmmss>-<4 hex>``."""
    slug = re.sub(r"[^a-z0-9]+", "-", scenario.name.lower()).strip("-")[:32] or "run"
    return f"{slug}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def suite_hash(scenario: Scenario) -> str:
    """The content hash of everything but the agents under test."""
    data = {
        f.name: getattr(scenario, f.name)
        for f in dataclasses.fields(scenario)
        if f.name not in _LEFT_OUT
    }
    return _digest({k: _plain(v) for k, v in data.items()})


def agent_hash(seat: Seat) -> str:
    """The content hash of one agent under test's settings."""
    return _digest(dataclasses.asdict(seat))


def scenario_hash(scenario: Scenario) -> str:
    """The content hash of the scenario as one conversation runs it (suite and agent)."""
    return _digest([suite_hash(scenario), agent_hash(scenario.agent)])


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def check_same_scenario(
    state: ConversationState, scenario: Scenario, run_id: str, *, agent: bool = True
) -> None:
    """ScenarioError unless ``state`` was started by this scenario's suite (and, with ``agent``,
    by the same agent settings)."""
    assert state.started is not None
    meta = state.started.metadata
    recorded = meta.get("scenario_hash")
    if recorded is None:  # recorded before hashes were: the name is all there is to compare
        if meta.get("scenario") != scenario.name:
            raise ScenarioError(
                f"run {run_id!r} belongs to scenario {meta.get('scenario')!r}, "
                f"not {scenario.name!r}; use another --run-id"
            )
        return
    if meta.get("suite_hash") != suite_hash(scenario):
        raise ScenarioError(
            f"run {run_id!r} was recorded with another version of the scenario "
            f"({meta.get('scenario')!r}, content {str(meta.get('suite_hash'))[:12]}; this file: "
            f"{suite_hash(scenario)[:12]}); use another --run-id"
        )
    if agent and recorded != scenario_hash(scenario):
        raise ScenarioError(
            f"run {run_id!r} ran agent {meta.get('agent_label')!r} with other settings "
            f"(content {str(recorded)[:12]}, now {scenario_hash(scenario)[:12]}); "
            "use another --run-id"
        )


async def check_run(
    log: ConversationLog, run_id: str, planned: list[tuple[Scenario, list[str]]]
) -> None:
    """Before anything is written: the run's conversations so far must come from the same suite,
    and for each agent under test (a scenario and its planned conversation ids) the first that
    exists from the same agent settings. ScenarioError otherwise."""
    existing = await log.list_conversations(ListQuery(run_id=run_id, limit=1))
    if not existing or not planned:
        return
    conductor = Conductor(log)
    first = await conductor.load(existing[0].conversation_id)
    check_same_scenario(first, planned[0][0], run_id, agent=False)
    for scenario, ids in planned:
        for cid in ids:
            if await log.get_index(cid) is None:
                continue
            try:
                state = await conductor.load(cid)
            except ConversationNotFound:
                continue
            check_same_scenario(state, scenario, run_id)
            break
