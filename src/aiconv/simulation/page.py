"""The HTML pages of reports and comparisons: one autoescaping jinja2 environment, the filters
that give figures their units, and the inline SVG charts (``charts.py``).

Pages are self-contained (styles inline, no script, no CDN) and carry a Content-Security-Policy
that forbids every script, so nothing that came from the data can execute even if it slipped
past escaping.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import jinja2

from aiconv.platform.markdown import shown_as_text
from aiconv.simulation import charts, scores


@functools.cache
def _environment() -> jinja2.Environment:
    # imported here: render imports this module, and its formatters are the filters
    from aiconv.simulation import render

    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=shown_as_text,  # a terminal escape or a bidi override shows as its code
    )
    environment.filters.update(
        percent=render.percent,
        points=render.points,
        interval=render.interval,
        rate=render.rate_text,
        curve=render.curve_text,
        outcomes=render.outcomes_text,
        end_reasons=render.end_reasons_text,
        dollars=render.dollars,
        seconds=render.seconds,
        count=render.count,
        p_value=render.p_text,
    )
    environment.globals.update(
        charts=charts,
        warnings=render.warnings,
        gate_verdict=render.gate_verdict,
        usage_rows=render.usage_rows,
        agent_columns=render.AGENT_COLUMNS,
        agent_rows=render.agent_rows,
        pass_at=render.pass_at,
        end_reason_names=render.END_REASONS,
        score_columns=scores.SCORE_COLUMNS,
        score_rows=scores.score_rows,
        curve_series=curve_series,
        outcomes_of=outcomes_of,
    )
    return environment


def curve_series(doc: Mapping[str, Any]) -> list[tuple[str, Sequence[Mapping[str, Any]]]]:
    """The pass^k lines of a report: overall, then each agent (a matrix) or each persona."""
    series: list[tuple[str, Sequence[Mapping[str, Any]]]] = [("overall", doc["pass_hat_k"])]
    if len(doc["agents"]) > 1:
        return series + [(a["agent"], a["pass_hat_k"]) for a in doc["agents"]]
    return series + [(name, g["pass_hat_k"]) for name, g in doc["by_persona"].items()]


def outcomes_of(groups: Mapping[str, Mapping[str, Any]]) -> dict[str, Mapping[str, int]]:
    """Group name -> outcome counts."""
    return {name: group["outcomes"] for name, group in groups.items()}


def _template_source(name: str) -> str:
    return resources.files("aiconv.simulation").joinpath(f"templates/{name}").read_text("utf-8")


def render(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` with ``context``."""
    return _environment().get_template(template).render(**context)
