"""The report document as Markdown, HTML (jinja2, every value escaped) and JSON files.

``write_report`` writes ``report.md``, ``report.html``, ``report.json`` and the worst transcripts
(``transcripts/<id>.md``, linked from both reports) into one directory. Pure formatting: the
figures come from ``report.build``.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2


def percent(value: float | None) -> str:
    """``0.8312`` -> ``83.1%``; ``-`` for None."""
    return "-" if value is None else f"{value * 100:.1f}%"


def rate_text(rate: Mapping[str, Any]) -> str:
    """``83.1% (95% CI 70.2–91.0%, 25/30)``."""
    ci = rate.get("ci95")
    interval = f"95% CI {percent(ci[0])}–{percent(ci[1])}, " if ci else ""
    return f"{percent(rate.get('rate'))} ({interval}{rate['successes']}/{rate['total']})"


def _md_cell(value: object) -> str:
    """Table-safe and inert: pipes escaped, HTML (which Markdown renders) turned into entities."""
    text = html.escape(str(value), quote=False)
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def render_markdown(doc: Mapping[str, Any]) -> str:
    """The report as Markdown."""
    lines = [
        f"# Simulation report: {_md_cell(doc['scenario'])} ({_md_cell(doc['run_id'])})",
        "",
        f"**Success rate: {rate_text(doc['success'])}** over {doc['finished']} finished "
        f"conversations ({doc['failed']} failed, {doc['unfinished']} unfinished); k = {doc['k']}.",
        "",
        "## Outcomes",
        "",
        *_md_table(["outcome", "conversations"], [[k, v] for k, v in doc["outcomes"].items()]),
    ]
    for title, key in (("By persona", "by_persona"), ("By intent", "by_intent")):
        rows = [[n, rate_text(g["success"]), _outcomes(g["outcomes"])] for n, g in doc[key].items()]
        lines += [f"## {title}", "", *_md_table([key[3:], "success", "outcomes"], rows)]
    usage = [[k, v] for k, v in doc["usage"].items()]
    lines += ["## Scenarios (persona × intent)", "", *_md_cells(doc["cells"])]
    lines += ["## Usage", "", *_md_table(["figure", "value"], usage)]
    lines += ["## Worst transcripts", "", *_md_worst(doc["worst"])]
    return "\n".join(lines)


def _md_cells(cells: list[Mapping[str, Any]]) -> list[str]:
    rows: list[list[object]] = [
        [c["cell"], c["n"], c["successes"], percent(c["pass_at_k"]), percent(c["pass_hat_k"])]
        for c in cells
    ]
    return _md_table(["cell", "n", "successes", "pass@k", "pass^k"], rows)


def _md_worst(worst: list[Mapping[str, Any]]) -> list[str]:
    rows: list[list[object]] = [
        [
            f"[{w['conversation_id'][:12]}]({w['transcript']})",
            w["cell"],
            w["outcome"],
            w["end_reason"],
            w["turns"],
            w["rationale"],
        ]
        for w in worst
    ]
    return _md_table(["conversation", "cell", "outcome", "ended", "turns", "why"], rows)


def _outcomes(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def render_html(doc: Mapping[str, Any]) -> str:
    """The report as one self-contained HTML page (autoescaped)."""
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    environment.filters["percent"] = percent
    environment.filters["rate"] = rate_text
    environment.filters["outcomes"] = _outcomes
    source = resources.files("aiconv.simulation").joinpath("templates/report.html.j2")
    template = environment.from_string(source.read_text(encoding="utf-8"))
    return template.render(doc=doc)


def write_report(doc: Mapping[str, Any], transcripts: Mapping[str, str], out: Path) -> list[Path]:
    """Write the three reports and the transcripts into ``out``; the files written."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "transcripts").mkdir(exist_ok=True)
    written = []
    for name, text in (
        ("report.md", render_markdown(doc)),
        ("report.html", render_html(doc)),
        ("report.json", json.dumps(doc, indent=2) + "\n"),
    ):
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    for conversation_id, text in transcripts.items():
        path = out / "transcripts" / f"{conversation_id}.md"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
