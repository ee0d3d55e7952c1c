"""Issue 7 asks the report for "pass^k and pass@k per scenario" in the table, Markdown, HTML and
JSON. pass@k (at least one of k tries of a cell succeeds) was computed per cell into the JSON
alone; the pages, the terminal table and the run's own figure had pass^k only."""

from __future__ import annotations

import io
import math

import pytest
from rich.console import Console

from aiconv.cli.report import print_report
from aiconv.simulation import report
from aiconv.simulation.render import render_html
from aiconv.simulation.report_markdown import render_markdown
from aiconv.simulation.rows import Row
from tests.simulation.conftest import row


def _row(cell: str, rep: int, success: bool) -> Row:
    persona, intent = cell.split("/")
    return row(cell, rep, success, conversation_id=f"{persona}{intent}{rep}".ljust(32, "0"))


#: Three cells of three repetitions: 0, 1 and 3 successes.
ROWS = [
    _row(cell, rep, rep < wins)
    for cell, wins in (("p/none", 0), ("p/one", 1), ("p/all", 3))
    for rep in range(3)
]


def _expected(k: int) -> float:
    """pass@k averaged over the cells, written out: 1 - C(n - c, k) / C(n, k)."""
    return sum(1 - math.comb(3 - c, k) / math.comb(3, k) for c in (0, 1, 3)) / 3


def test_the_document_has_the_pass_at_k_curve_of_the_run() -> None:
    doc = report.build("r", ROWS)
    assert [p["k"] for p in doc["pass_at_k"]] == [1, 2, 3]
    assert [p["value"] for p in doc["pass_at_k"]] == pytest.approx(
        [_expected(k) for k in (1, 2, 3)]
    )
    assert [p["cells"] for p in doc["pass_at_k"]] == [3, 3, 3]
    assert {c["cell"]: c["pass_at_k"] for c in doc["cells"]} == {
        "p/none": 0.0,
        "p/one": 1.0,
        "p/all": 1.0,
    }


def test_markdown_html_and_the_table_show_pass_at_k() -> None:
    doc = report.build("r", ROWS)
    at3 = f"{_expected(3) * 100:.1f}%"  # 66.7%
    markdown = render_markdown(doc)
    assert "| k | pass^k | 95% interval | pass@k | cells |" in markdown and at3 in markdown
    html = render_html(doc)
    assert "pass@k" in html and at3 in html
    out = io.StringIO()
    print_report(Console(file=out, width=200, color_system=None), doc)
    assert "pass@k" in out.getvalue() and at3 in out.getvalue()
