"""Which participants of a simulation answer from the response cache, and how.

``aic simulate --cache MODE`` sets every participant's mode, ``--cache NAME=MODE`` one
participant's (``customer``, the agent's name, a further participant, ``judge``), and a seat's
``cache = "MODE"`` in the scenario file sits in between: NAME=MODE beats the file, the file beats
the bare MODE, and the default is ``off``. Typical uses: a baseline run records the customer
(``--cache customer=record``); a candidate run replays it (``--cache customer=use`` keeps the
candidate's side and any diverging turn live; ``replay`` makes a divergence an error); a rerun of
an unchanged suite with ``--cache use`` costs nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aiconv.agents.cache import CacheMode, check_mode
from aiconv.errors import ConfigError
from aiconv.simulation.scenario import Scenario, Seat

#: The seat name of an LLM judge.
JUDGE = "judge"


@dataclass(frozen=True, slots=True, kw_only=True)
class CachePlan:
    """The cache mode of every participant."""

    default: CacheMode = "off"
    by_name: Mapping[str, CacheMode] = field(default_factory=dict)
    #: Whether any seat answers through the cache (a seat's own ``cache =`` in the file too).
    seat_uses: bool = False

    def mode_for(self, seat: Seat) -> CacheMode:
        """``seat``'s mode: named on the command line, else its file's, else the default."""
        if seat.name in self.by_name:
            return self.by_name[seat.name]
        return check_mode(seat.cache) if seat.cache else self.default

    @property
    def is_used(self) -> bool:
        """Whether any participant might use the cache."""
        return (
            self.seat_uses
            or self.default != "off"
            or any(m != "off" for m in self.by_name.values())
        )

    def replays(self, scenario: Scenario) -> bool:
        """Whether a seat of ``scenario`` (its LLM judge included) answers from the cache alone."""
        seats = [scenario.customer, *scenario.extras, *(v.agent for v in scenario.variants())]
        judged = self.by_name.get(JUDGE, self.default) if scenario.evaluator.judge_agent else "off"
        return judged == "replay" or any(self.mode_for(seat) == "replay" for seat in seats)


def participant_names(scenario: Scenario) -> list[str]:
    """Every name ``--cache NAME=MODE`` accepts."""
    names = [scenario.customer.name, scenario.agent.name, *(s.name for s in scenario.extras)]
    return [*names, JUDGE]


def cache_plan(values: Sequence[str], scenario: Scenario) -> CachePlan:
    """The plan from ``--cache`` values (``MODE`` or ``NAME=MODE``); ConfigError on bad ones."""
    default: CacheMode = "off"
    by_name: dict[str, CacheMode] = {}
    names = participant_names(scenario)
    for value in values:
        name, eq, mode = value.partition("=")
        if not eq:
            default = _mode(value)
            continue
        if name not in names:
            raise ConfigError(
                f"--cache {value!r}: no participant {name!r}; participants: {', '.join(names)}"
            )
        by_name[name] = _mode(mode, value)
    seats = [scenario.customer, *scenario.extras, *(v.agent for v in scenario.variants())]
    plan = CachePlan(default=default, by_name=by_name)
    modes = [plan.mode_for(seat) for seat in seats]  # a bad mode in the file fails here
    return dataclasses.replace(plan, seat_uses=any(mode != "off" for mode in modes))


def _mode(mode: str, value: str | None = None) -> CacheMode:
    try:
        return check_mode(mode.strip())
    except ConfigError:
        raise ConfigError(
            f"--cache {value or mode!r}: use off, use, record or replay, or NAME=MODE"
        ) from None
