"""The comparison document for people: Markdown, HTML (with a forest plot of the deltas) and the
files, ``compare.md``, ``compare.html``, ``compare.json`` and both sides' transcripts of every
regression and improvement. Pure formatting over ``compare.build``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aiconv.simulation import page
from aiconv.simulation.render import (
    count,
    dollars,
    interval,
    md_cell,
    md_gate,
    md_table,
    p_text,
    percent,
    points,
    seconds,
)
from aiconv.simulation.report_files import write_files

METRIC_COLUMNS = (
    "metric",
    "baseline",
    "candidate",
    "change",
    "95% interval",
    "p-value",
    "test",
    "verdict",
)


def metric_rows(rows: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """Rate metrics (success, pass^k, criteria) in ``METRIC_COLUMNS`` order."""
    return [
        [
            str(r["label"]),
            percent(r["baseline"]),
            percent(r["candidate"]),
            points(r["delta"]),
            interval(r["ci95"], "pp"),
            p_text(r["p_value"]),
            str(r["test"]),
            str(r["verdict"]),
        ]
        for r in rows
    ]


#: The columns of the pass^k by cell table (the test is always the exact paired permutation).
CELL_PASS_HAT_COLUMNS = (
    "cell",
    "pass^k",
    "baseline",
    "candidate",
    "change",
    "95% interval",
    "p-value",
    "verdict",
)

#: What the pass^k by cell table shows, in words, above it.
CELL_PASS_HAT_NOTE = (
    "Each cell's pass^k over the repetitions finished in both runs (k up to their number), "
    "candidate minus baseline; exact paired permutation test (the two runs swapped within a "
    "repetition), one cell at a time, not corrected for the number of cells. A cell marked "
    "incomplete has repetitions only one run finished."
)


def pass_hat_label(k: int) -> str:
    """pass^k with its meaning: ``pass^2 (all 2 tries succeed)``."""
    return "pass^1 (1 try succeeds)" if k == 1 else f"pass^{k} (all {k} tries succeed)"


def pairs_text(cell: Mapping[str, Any]) -> str:
    """A cell's pairs: ``6``, or ``3 paired; unpaired: 1 baseline, 1 candidate`` when the runs
    finished different repetitions of it (documents before per-cell pass^k: the count)."""
    unpaired = cell.get("unpaired")
    if not unpaired or cell.get("complete", True):
        return str(cell["pairs"])
    return (
        f"{cell['pairs']} paired; unpaired: {unpaired['baseline']} baseline, "
        f"{unpaired['candidate']} candidate"
    )


def cell_name(cell: Mapping[str, Any]) -> str:
    """The cell, marked when its runs finished different repetitions of it."""
    if cell.get("complete", True):
        return str(cell["cell"])
    return f"{cell['cell']} (incomplete: {cell['pairs']} paired)"


def cell_pass_hat_rows(cell: Mapping[str, Any]) -> list[list[str]]:
    """One cell's pass^k rows in ``CELL_PASS_HAT_COLUMNS`` order."""
    rows = cell.get("pass_hat_k", ())
    return [
        [cell_name(cell), pass_hat_label(r["k"]), *shown[1:6], shown[7]]
        for r, shown in zip(rows, metric_rows(rows), strict=True)
    ]


def usage_value(unit: str, value: float | None) -> str:
    """A usage figure in its unit."""
    if unit == "usd":
        return dollars(value)
    if unit == "seconds":
        return seconds(value)
    return count(value, 1)


def usage_rows(rows: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """Cost, tokens, turns and latency: baseline, candidate, change (absolute and relative)."""
    result = []
    for r in rows:
        delta = r["delta"]
        change = "-" if delta is None else usage_value(r["unit"], delta)
        if delta is not None and delta > 0:
            change = "+" + change
        relative = "" if r["relative"] is None else f" ({r['relative'] * 100:+.1f}%)"
        result.append(
            [
                str(r["label"]),
                usage_value(r["unit"], r["baseline"]),
                usage_value(r["unit"], r["candidate"]),
                change + relative,
            ]
        )
    return result


def nothing_to_compare(doc: Mapping[str, Any]) -> str | None:
    """Why a comparison without a single pair compares nothing; None when it has pairs."""
    if doc["pairs"]:
        return None
    unpaired = doc["unpaired"]
    return (
        f"nothing to compare: no trial finished in both runs ({unpaired['baseline']} baseline "
        f"and {unpaired['candidate']} candidate conversations unpaired)"
    )


def headline(doc: Mapping[str, Any]) -> str:
    """One sentence: pairs, the success change and its verdict (or that nothing was compared)."""
    nothing = nothing_to_compare(doc)
    if nothing is not None:
        return nothing[0].upper() + nothing[1:] + "."
    success = doc["metrics"][0]
    return (
        f"{doc['pairs']} paired conversations: success {percent(success['baseline'])} → "
        f"{percent(success['candidate'])} ({points(success['delta'])}, 95% CI "
        f"{interval(success['ci95'], 'pp')}, {success['test']} p "
        f"{_p_relation(success['p_value'])}): "
        f"{success['verdict']}; {success['regressions']} regressions, "
        f"{success['improvements']} improvements."
    )


def _p_relation(value: float | None) -> str:
    """``= 0.0312`` or ``< 0.0001``: a p-value after its ``p``."""
    text = p_text(value)
    return text if text.startswith("<") else f"= {text}"


def warnings(doc: Mapping[str, Any]) -> list[str]:
    """Reasons the pairing is less than a clean experiment."""
    found = []
    if not doc["same_suite"]:
        found.append(
            "the two runs test different suites (or one mixes several): pairs by cell name only"
        )
    if not doc["complete"]:
        found.append(
            f"incomplete: {doc['unpaired']['baseline']} baseline and "
            f"{doc['unpaired']['candidate']} candidate conversations are unfinished or unpaired"
        )
    return found


def render_markdown(doc: Mapping[str, Any]) -> str:
    """The comparison as Markdown."""
    base, cand = doc["baseline"], doc["candidate"]
    lines = [
        f"# Comparison: {md_cell(cand['run'])} against {md_cell(base['run'])}",
        "",
        *[f"> **Warning:** {md_cell(w)}\n" for w in warnings(doc)],
        *md_gate(doc.get("gate")),
        f"**{md_cell(headline(doc))}**",
        "",
        "## Reliability",
        "",
        *md_table(METRIC_COLUMNS, metric_rows(doc["metrics"])),
    ]
    if doc["criteria"]:
        lines += ["## Criteria", "", *md_table(METRIC_COLUMNS, metric_rows(doc["criteria"]))]
    lines += [
        "## Cost and latency",
        "",
        *md_table(["figure", "baseline", "candidate", "change"], usage_rows(doc["usage"])),
    ]
    lines += _md_cells(doc["cells"])
    for title, key in (("Regressions", "regressions"), ("Improvements", "improvements")):
        lines += [f"## {title} ({len(doc[key])})", ""]
        lines += _md_links(doc[key])
    return "\n".join(lines)


def _md_cells(cells: Sequence[Mapping[str, Any]]) -> list[str]:
    header = ["cell", "pairs", "baseline", "candidate", "change", "95% interval", "p-value"]
    rows = [[c["cell"], pairs_text(c), *metric_rows([c])[0][1:6], c["verdict"]] for c in cells]
    by_cell = [row for c in cells for row in cell_pass_hat_rows(c)]
    return [
        "## Cells",
        "",
        *md_table([*header, "verdict"], rows),
        "## pass^k by cell",
        "",
        CELL_PASS_HAT_NOTE,
        "",
        *md_table(CELL_PASS_HAT_COLUMNS, by_cell),
    ]


def _md_links(changes: Sequence[Mapping[str, Any]]) -> list[str]:
    """Like ``md_table`` but the transcript links stay links (their text is escaped)."""
    lines = ["| trial | baseline | candidate | why (candidate) |", "|---|---|---|---|"]
    for c in changes:
        b, k = c["baseline"], c["candidate"]
        trial = f"{md_cell(c['cell'])} #{c['repetition']}"
        before = f"[{md_cell(b['outcome'])}]({b['transcript']})"
        after = f"[{md_cell(k['outcome'])}]({k['transcript']})"
        lines.append(f"| {trial} | {before} | {after} | {md_cell(k['rationale'])} |")
    return [*lines, ""]


def forest(doc: Mapping[str, Any]) -> list[tuple[str, float | None, Sequence[float] | None, bool]]:
    """The rows of the deltas chart: every rate metric and criterion."""
    return [
        (str(r["label"]), r["delta"], r["ci95"], r["verdict"] in ("worse", "better"))
        for r in [*doc["metrics"], *doc["criteria"]]
    ]


def render_html(doc: Mapping[str, Any]) -> str:
    """The comparison as one self-contained HTML page."""
    usage = usage_rows(doc["usage"])
    keys = ("cost_usd_mean", "agent_latency_s_p95")
    highlights = [u for r, u in zip(doc["usage"], usage, strict=True) if r["metric"] in keys]
    return page.render(
        "compare.html.j2",
        doc=doc,
        headline=headline(doc),
        warnings=warnings(doc),
        metric_columns=METRIC_COLUMNS,
        metrics=metric_rows(doc["metrics"]),
        criteria=metric_rows(doc["criteria"]),
        usage=usage,
        highlights=highlights,
        forest=forest(doc),
        pairs_text=pairs_text,
        cell_pass_hat=[cell_pass_hat_rows(c) for c in doc["cells"]],
        cell_pass_hat_columns=CELL_PASS_HAT_COLUMNS,
        cell_pass_hat_note=CELL_PASS_HAT_NOTE,
    )


def write_compare(doc: Mapping[str, Any], transcripts: Mapping[str, str], out: Path) -> list[Path]:
    """Write compare.md, compare.html, compare.json and the transcripts into ``out``."""
    files = {
        "compare.md": render_markdown(doc),
        "compare.html": render_html(doc),
        "compare.json": json.dumps(doc, indent=2) + "\n",
    }
    return write_files(out, files, transcripts)


def transcript_ids(doc: Mapping[str, Any]) -> list[str]:
    """Both sides of every regression and improvement."""
    return [
        str(c[side]["conversation_id"])
        for key in ("regressions", "improvements")
        for c in doc[key]
        for side in ("baseline", "candidate")
    ]
