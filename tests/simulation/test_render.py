"""Rendering the report: Markdown tables and HTML that escapes every value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiconv.simulation.render import percent, rate_text, render_html
from aiconv.simulation.render_compare import usage_rows
from aiconv.simulation.report import build
from aiconv.simulation.report_files import write_report
from aiconv.simulation.report_markdown import render_markdown
from aiconv.simulation.rows import row_of
from tests.simulation.conftest import state_of

EVIL = "<img src=x onerror=alert(1)>"


def _doc() -> dict[str, Any]:
    from dataclasses import replace

    from aiconv.platform.events import OutcomeDecided

    base = state_of(
        ("customer", "hi"),
        ("support", "no"),
        ended="max_turns",
        metadata={
            "run_id": "r",
            "scenario": EVIL,
            "persona": "p",
            "intent": "i",
            "successes": ["ok"],
        },
    )
    bad = replace(base, outcome=OutcomeDecided(outcome="lost", by="rules", rationale=EVIL))
    good = replace(base, conversation_id="c2", outcome=OutcomeDecided(outcome="ok", by="rules"))
    return build("r", [row_of(bad), row_of(good)])


def test_rates_read_as_percentages_with_their_interval() -> None:
    assert percent(0.8312) == "83.1%" and percent(None) == "-"
    text = rate_text({"rate": 0.5, "successes": 1, "total": 2, "ci95": [0.0945, 0.9055]})
    assert text == "50.0% (95% CI 9.4%–90.5%, 1/2)"


def test_a_cost_change_puts_its_sign_before_the_dollar() -> None:
    row = {"label": "Cost", "unit": "usd", "baseline": 0.0076, "candidate": 0.0049}
    cheaper = {**row, "delta": -0.0027, "relative": -0.355}
    dearer = {**row, "baseline": 0.0049, "candidate": 0.0076, "delta": 0.0027, "relative": 0.551}
    assert [r[3] for r in usage_rows([cheaper, dearer])] == [
        "-$0.0027 (-35.5%)",
        "+$0.0027 (+55.1%)",
    ]
    big = {**row, "delta": -1234.5, "relative": None}
    assert usage_rows([big])[0][3] == "-$1,234.50"


def test_html_escapes_scenario_names_and_rationales() -> None:
    html = render_html(_doc())
    assert EVIL not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<a href="transcripts/c1.md">' in html


def test_html_shows_control_and_bidirectional_characters_as_text() -> None:
    """A terminal escape, a bell or a right-to-left override in a rationale or a scenario name
    reaches the HTML report as ``\\x1b``-style text, as in the Markdown one (it was passed raw)."""
    from dataclasses import replace

    from aiconv.platform.events import OutcomeDecided

    hostile = "red \x1b[31m\x07 \u202eexe.txt"
    base = state_of(("customer", "hi"), ended="max_turns", metadata={"scenario": hostile})
    bad = replace(base, outcome=OutcomeDecided(outcome="lost", by="rules", rationale=hostile))
    html = render_html(build("r", [row_of(bad)]))
    for raw in ("\x1b", "\x07", "\u202e"):
        assert raw not in html
    assert "red \\x1b[31m\\x07 \\u202eexe.txt" in html


def test_markdown_has_the_headline_and_links_the_worst_transcripts() -> None:
    text = render_markdown(_doc())
    assert "**Success rate: 50.0% (95% CI 9.5%–90.5%, 1/2)**" in text
    assert "[c1](transcripts/c1.md)" in text
    assert "| p/i | 2 | 1 | 50.0% · 0.0% |" in text  # pass^1, pass^2: one of two passes
    assert EVIL not in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def test_write_report_writes_three_documents_and_the_transcripts(tmp_path: Path) -> None:
    doc = _doc()
    written = write_report(doc, {"c1": "# transcript"}, tmp_path / "out")
    names = sorted(p.relative_to(tmp_path / "out").as_posix() for p in written)
    assert names == ["report.html", "report.json", "report.md", "transcripts/c1.md"]
    assert json.loads((tmp_path / "out" / "report.json").read_text())["run_id"] == "r"


def test_markdown_report_cells_render_as_their_text() -> None:
    """A rationale quoting hostile text is neither a link, emphasis, a table break nor a
    terminal escape in report.md; the transcript link stays a link."""
    from markdown_it import MarkdownIt

    hostile = "[click](javascript:alert(1)) *loud* a|b `code` \x1b[2J"
    doc = _doc()
    doc["worst"] = [replace_rationale(w, hostile) for w in doc["worst"]]
    rendered = MarkdownIt("commonmark").enable("table").render(render_markdown(doc))
    assert 'href="javascript' not in rendered and "<em>" not in rendered
    assert "\x1b" not in rendered and "[click](javascript:alert(1)) *loud* a|b" in rendered
    assert '<a href="transcripts/c1.md">c1</a>' in rendered


def replace_rationale(worst: dict[str, Any], rationale: str) -> dict[str, Any]:
    return {**worst, "rationale": rationale}


def test_the_compare_headline_writes_a_tiny_p_value_as_an_inequality() -> None:
    """``p < 0.0001``, never ``p = < 0.0001``; other p-values keep their ``=``."""
    from aiconv.simulation.render_compare import headline

    success = {
        "baseline": 0.6, "candidate": 0.3, "delta": -0.3, "ci95": [-0.4, -0.2],
        "test": "McNemar exact", "verdict": "worse", "regressions": 30, "improvements": 4,
    }  # fmt: skip
    tiny = headline({"pairs": 80, "metrics": [{**success, "p_value": 6e-06}]})
    assert "McNemar exact p < 0.0001)" in tiny and "= <" not in tiny
    some = headline({"pairs": 80, "metrics": [{**success, "p_value": 0.0312}]})
    assert "McNemar exact p = 0.0312)" in some


def test_a_run_with_broken_conversations_says_so_before_its_figures() -> None:
    """46 of 80 conversations ended in a provider failure (a replay cache miss): they count as
    unsuccessful, and the report says so first instead of only a low success rate."""
    from aiconv.simulation.render import warnings

    doc = {"complete": True, "mixed": False, "failed": 46, "conversations": 80}
    (warning,) = warnings(doc)
    assert warning.startswith("46 of 80 conversations broke"), warning
    assert warnings({**doc, "failed": 0}) == []
