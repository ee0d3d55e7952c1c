"""Inline SVG charts for the HTML reports: no script, no CDN, every label escaped.

Each function returns ``Markup`` built with ``Markup.format``, which escapes every value it is
given, so text from the data (persona names, outcomes, agent labels) can never become markup.
Charts: the pass^k curve with its interval band, 100 % stacked outcome bars, cost against
success per agent, and a forest plot of compare deltas with their intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

PALETTE = ("#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#be185d", "#4d7c0f")
GOOD, BAD, FAILED = ("#16a34a", "#86efac"), ("#f97316", "#fdba74", "#ef4444", "#a855f7"), "#6b7280"


def _svg(width: int, height: int, title: str, body: Sequence[Markup]) -> Markup:
    head = Markup(
        '<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
        'width="{}" height="{}" role="img" aria-label="{}"><title>{}</title>'
    ).format(width, height, width, height, title, title)
    return head + Markup("").join(body) + Markup("</svg>")


def _text(x: float, y: float, text: object, anchor: str = "start", css: str = "") -> Markup:
    return Markup('<text x="{:.1f}" y="{:.1f}" text-anchor="{}" class="{}">{}</text>').format(
        x, y, anchor, css, text
    )


def _line(x1: float, y1: float, x2: float, y2: float, css: str) -> Markup:
    return Markup('<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" class="{}"/>').format(
        x1, y1, x2, y2, css
    )


def _dot(x: float, y: float, r: float, tip: str, css: str = "", fill: str = "") -> Markup:
    return Markup(
        '<circle class="dot {}" cx="{:.1f}" cy="{:.1f}" r="{}" fill="{}"><title>{}</title></circle>'
    ).format(css, x, y, r, fill or "currentColor", tip)


def _rect(x: float, y: float, width: float, height: float, fill: str, tip: str = "") -> Markup:
    return Markup(
        '<rect class="segment" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}">'
        "<title>{}</title></rect>"
    ).format(x, y, width, height, fill, tip)


def _percent_axis(left: int, top: int, width: int, height: int) -> list[Markup]:
    parts = []
    for tick in (0, 25, 50, 75, 100):
        y = top + height * (1 - tick / 100)
        parts.append(_line(left, y, left + width, y, "grid"))
        parts.append(_text(left - 6, y + 4, f"{tick}%", "end", "tick"))
    return parts


def curve_chart(series: Sequence[tuple[str, Sequence[Mapping[str, Any]]]]) -> Markup:
    """pass^k against k: one line per series, the first with its 95 % interval as a band."""
    top_k = max((p["k"] for _, curve in series for p in curve), default=1)
    left, top, width, height = 48, 12, 420, 200
    x_of = (
        (lambda k: left + width / 2)
        if top_k == 1
        else (lambda k: left + width * (k - 1) / (top_k - 1))
    )

    def y_of(value: float) -> float:
        return top + height * (1 - value)

    parts = _percent_axis(left, top, width, height)
    parts += [
        _text(x_of(k), top + height + 16, f"k={k}", "middle", "tick") for k in range(1, top_k + 1)
    ]
    for index, (name, curve) in enumerate(series[:8]):
        colour = PALETTE[index % len(PALETTE)]
        known = [p for p in curve if p["value"] is not None]
        if index == 0 and all(p["ci95"] for p in known) and known:
            upper = [f"{x_of(p['k']):.1f},{y_of(p['ci95'][1]):.1f}" for p in known]
            lower = [f"{x_of(p['k']):.1f},{y_of(p['ci95'][0]):.1f}" for p in reversed(known)]
            parts.append(
                Markup('<polygon class="band" points="{}" fill="{}"/>').format(
                    " ".join(upper + lower), colour
                )
            )
        path = " ".join(f"{x_of(p['k']):.1f},{y_of(p['value']):.1f}" for p in known)
        parts.append(
            Markup('<polyline class="series" points="{}" stroke="{}"/>').format(path, colour)
        )
        for p in known:
            tip = f"{name}: pass^{p['k']} = {p['value'] * 100:.1f}%"
            parts.append(_dot(x_of(p["k"]), y_of(p["value"]), 3.5, tip, fill=colour))
        parts.append(_rect(left + width + 14, top + 16 * index, 10, 10, colour, name))
        parts.append(_text(left + width + 28, top + 9 + 16 * index, name, css="legend"))
    return _svg(640, 240, "pass^k for k = 1 to n", parts)


def outcome_colours(outcomes: Sequence[str], successes: Sequence[str]) -> dict[str, str]:
    """Success outcomes in greens, others in warm colours, failures in grey."""
    colours: dict[str, str] = {}
    good = [o for o in outcomes if o in successes]
    bad = [o for o in outcomes if o not in successes and o != "(failed)"]
    for index, outcome in enumerate(good):
        colours[outcome] = GOOD[index % len(GOOD)]
    for index, outcome in enumerate(bad):
        colours[outcome] = BAD[index % len(BAD)]
    colours["(failed)"] = FAILED
    return colours


def stacked_bars(
    groups: Mapping[str, Mapping[str, int]], colours: Mapping[str, str], title: str
) -> Markup:
    """One 100 % bar per group, split by outcome, with a legend."""
    left, bar, gap, width = 140, 18, 8, 420
    parts: list[Markup] = []
    for row, (name, counts) in enumerate(groups.items()):
        y = 8 + row * (bar + gap)
        total = sum(counts.values()) or 1
        x = float(left)
        parts.append(_text(left - 8, y + 13, _short(name), "end", "label"))
        for outcome, n in counts.items():
            share = width * n / total
            tip = f"{name} · {outcome}: {n} ({100 * n / total:.0f}%)"
            parts.append(_rect(x, y, share, bar, colours.get(outcome, FAILED), tip))
            x += share
    legend_y = 8 + len(groups) * (bar + gap) + 6
    x = float(left)
    for outcome, colour in colours.items():
        label = _short(outcome)
        if x + 24 + 7 * len(label) > left + width and x > left:  # wrap the legend
            x, legend_y = float(left), legend_y + 16
        parts.append(_rect(x, legend_y, 10, 10, colour, outcome))
        parts.append(_text(x + 14, legend_y + 9, label, css="legend"))
        x += 24 + 7 * len(label)
    return _svg(left + width + 20, legend_y + 24, title, parts)


def _short(text: str, limit: int = 18) -> str:
    """Long labels end in an ellipsis (the full text is in the table and the tooltip)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cost_success_chart(agents: Sequence[Mapping[str, Any]]) -> Markup:
    """Cost per conversation (x) against success rate (y) with its interval, one dot per agent."""
    left, top, width, height = 56, 12, 420, 200
    costs = [a["cost_usd_mean"] or 0.0 for a in agents]
    top_cost = max(costs, default=0.0) * 1.15 or 1.0
    parts = _percent_axis(left, top, width, height)
    for tick in range(5):
        value = top_cost * tick / 4
        parts.append(
            _text(left + width * tick / 4, top + height + 16, f"${value:.4f}", "middle", "tick")
        )
    for index, agent in enumerate(agents):
        rate = agent["success"]
        if rate["rate"] is None:
            continue
        colour = PALETTE[index % len(PALETTE)]
        x = left + width * costs[index] / top_cost
        if rate["ci95"]:
            low, high = rate["ci95"]
            parts.append(
                _line(x, top + height * (1 - low), x, top + height * (1 - high), "whisker")
            )
        y = top + height * (1 - rate["rate"])
        tip = f"{agent['agent']}: {rate['rate'] * 100:.1f}% success, ${costs[index]:.4f} each"
        parts.append(_dot(x, y, 6, tip, fill=colour))
        parts.append(_text(x + 9, y - 6, agent["agent"], css="legend"))
    parts.append(
        _text(left + width / 2, top + height + 34, "cost per conversation", "middle", "axis")
    )
    return _svg(560, 260, "Cost against success per agent", parts)


def forest_chart(rows: Sequence[tuple[str, float | None, Sequence[float] | None, bool]]) -> Markup:
    """Differences (candidate − baseline, in points) with intervals; significant ones in colour."""
    left, width, step = 180, 380, 24
    spans = [
        abs(v) for _, d, ci, _ in rows for v in ([d] if d is not None else []) + list(ci or [])
    ]
    scale = max([0.05, *spans]) * 1.1

    def x_of(value: float) -> float:
        return left + width / 2 + (width / 2) * value / scale

    parts = [_line(x_of(0), 4, x_of(0), 8 + step * len(rows), "zero")]
    for row, (name, delta, ci, significant) in enumerate(rows):
        y = 16 + row * step
        parts.append(_text(left - 8, y + 4, name, "end", "label"))
        if delta is None:
            continue
        css = "worse" if significant and delta < 0 else ("better" if significant else "neutral")
        if ci:
            parts.append(_line(x_of(ci[0]), y, x_of(ci[1]), y, f"ci {css}"))
        parts.append(_dot(x_of(delta), y, 5, f"{name}: {delta * 100:+.1f} pp", css=css))
    for value in (-scale, 0.0, scale):
        parts.append(
            _text(
                x_of(value * 0.95),
                24 + step * len(rows),
                f"{value * 100:+.0f} pp",
                "middle",
                "tick",
            )
        )
    return _svg(
        left + width + 40,
        36 + step * len(rows),
        "Candidate minus baseline, with 95% intervals",
        parts,
    )
