"""``aic compare`` per cell: baseline and candidate pass^k for k = 1 … the repetitions both runs
finished, their difference with an interval and an exact paired test, checked against
hand-computed values (the report's unbiased estimator C(c, k) / C(n, k)) and an independent
permutation count; a cell whose runs finished different repetitions is marked; the documents
and the terminal show it; the gate still reads the overall rows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction
from itertools import product
from typing import Any

import pytest
from rich.console import Console

from aiconv.cli.compare import print_compare
from aiconv.simulation import compare, gate, report
from aiconv.simulation import render_compare as render
from aiconv.simulation.rows import Row
from tests.simulation.test_compare import _row
from tests.simulation.test_stats import _newcombe_by_hand

#: cell: (baseline successes by repetition, candidate successes by repetition)
TRIALS = {
    # 4 of 4 against 3 of 4: one regression
    "p/a": ("TTTT", "TTTF"),
    # 5 of 6 against 1 of 6: both succeed in #0, four regressions (#1-#4), both fail in #5
    "p/b": ("TTTTTF", "TFFFFF"),
    # the candidate left #3 unfinished (lower case: not finished): 3 pairs
    "p/c": ("TTFT", "FTTt"),
}


def _rows(side: int) -> list[Row]:
    rows = []
    for cell, sides in TRIALS.items():
        for rep, mark in enumerate(sides[side]):
            row = _row(cell, rep, mark == "T")
            rows.append(row if mark.isupper() else _unfinished(row))
    return rows


def _unfinished(row: Row) -> Row:
    return replace(row, finished=False, success=False, outcome=None)


def _doc() -> dict[str, Any]:
    return compare.build("v1", "v2", _rows(0), _rows(1))


def _cells() -> dict[str, dict[str, Any]]:
    return {c["cell"]: c for c in _doc()["cells"]}


def _by_hand(c: int, n: int, k: int) -> float:
    return math.comb(c, k) / math.comb(n, k)


@pytest.mark.parametrize(
    ("cell", "n", "c_base", "c_cand"),
    [("p/a", 4, 4, 3), ("p/b", 6, 5, 1), ("p/c", 3, 2, 2)],
)
def test_each_cell_has_both_runs_pass_hat_k_for_every_k_it_paired(
    cell: str, n: int, c_base: int, c_cand: int
) -> None:
    rows = _cells()[cell]["pass_hat_k"]
    assert [r["k"] for r in rows] == list(range(1, n + 1))
    for r in rows:
        k = r["k"]
        base, cand = _by_hand(c_base, n, k), _by_hand(c_cand, n, k)
        assert (r["metric"], r["label"]) == (f"pass^{k}", f"pass^{k}")
        assert r["baseline"] == pytest.approx(base, abs=1e-4), k
        assert r["candidate"] == pytest.approx(cand, abs=1e-4), k
        assert r["delta"] == pytest.approx(cand - base, abs=1e-4), k


def test_a_cells_hand_computed_curve_reads_as_written_out() -> None:
    """p/b written out: the baseline's 5 of 6 gives 5/6, 10/15, 10/20, 5/15, 1/6, 0; the
    candidate's 1 of 6 gives 1/6 then 0."""
    rows = _cells()["p/b"]["pass_hat_k"]
    base = [5 / 6, 10 / 15, 10 / 20, 5 / 15, 1 / 6, 0.0]
    cand = [1 / 6, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert [r["baseline"] for r in rows] == pytest.approx(base, abs=1e-4)
    assert [r["candidate"] for r in rows] == pytest.approx(cand, abs=1e-4)


def _permutation_by_enumeration(pairs: Sequence[tuple[bool, bool]], k: int) -> float:
    """Swap baseline and candidate in every subset of the repetitions (2^n patterns) and count
    those whose |pass^k difference| reaches the observed one, in exact fractions."""
    n = len(pairs)

    def difference(swaps: Sequence[bool]) -> Fraction:
        base = sum(c if s else b for (b, c), s in zip(pairs, swaps, strict=True))
        cand = sum(b if s else c for (b, c), s in zip(pairs, swaps, strict=True))
        return Fraction(math.comb(cand, k) - math.comb(base, k), math.comb(n, k))

    observed = abs(difference([False] * n))
    patterns = list(product((False, True), repeat=n))
    return sum(abs(difference(s)) >= observed for s in patterns) / len(patterns)


@pytest.mark.parametrize("cell", sorted(TRIALS))
def test_each_cells_pass_hat_k_test_is_the_exact_paired_permutation(cell: str) -> None:
    base, cand = TRIALS[cell]
    pairs = [(b == "T", c == "T") for b, c in zip(base, cand, strict=True) if c.isupper()]
    for r in _cells()[cell]["pass_hat_k"]:
        assert r["p_value"] == pytest.approx(_permutation_by_enumeration(pairs, r["k"]), abs=1e-9)
        assert r["test"] == "exact paired permutation"


def test_the_cell_test_is_mcnemar_while_pass_hat_k_differs_and_one_when_equal() -> None:
    rows = _cells()["p/b"]["pass_hat_k"]
    # four regressions, no improvement: McNemar's two-sided p = 2 / 2^4
    assert [r["p_value"] for r in rows] == pytest.approx([0.125] * 5 + [1.0])
    assert rows[-1]["delta"] == 0 and rows[-1]["verdict"] == "no significant change"


def test_a_cells_pass_1_is_its_success_row_with_newcombes_interval() -> None:
    cell = _cells()["p/b"]
    first = cell["pass_hat_k"][0]
    for key in ("baseline", "candidate", "delta", "p_value"):
        assert first[key] == pytest.approx(cell[key], abs=1e-4), key
    assert first["ci95"] == pytest.approx(_newcombe_by_hand(1, 4, 0, 1), abs=1e-4)


def _mover(
    base: float, cand: float, ci_b: Sequence[float], ci_c: Sequence[float], phi: float
) -> tuple[float, float]:
    """Newcombe's hybrid (MOVER) formula written out: candidate minus baseline."""
    down_c, up_c, down_b, up_b = cand - ci_c[0], ci_c[1] - cand, base - ci_b[0], ci_b[1] - base
    lower = (cand - base) - math.sqrt(down_c**2 - 2 * phi * down_c * up_b + up_b**2)
    upper = (cand - base) + math.sqrt(up_c**2 - 2 * phi * up_c * down_b + down_b**2)
    return max(-1.0, lower), min(1.0, upper)


def test_a_cells_pass_hat_k_interval_combines_what_each_report_shows_for_that_cell() -> None:
    """Each side's interval is the one `aic report` gives a run of that cell alone; they combine
    with the pairs' correlation (phi of the 2 x 2 table) as in Newcombe's method."""
    sides = [[r for r in _rows(s) if r.cell == "p/b"] for s in (0, 1)]
    curves = [report.build("x", rows)["pass_hat_k"] for rows in sides]
    a, b, c, d = 1, 4, 0, 1
    phi = (a * d - b * c) / math.sqrt((a + b) * (c + d) * (a + c) * (b + d))
    for r in _cells()["p/b"]["pass_hat_k"]:
        base, cand = curves[0][r["k"] - 1], curves[1][r["k"] - 1]
        expected = _mover(base["value"], cand["value"], base["ci95"], cand["ci95"], phi)
        assert r["ci95"] == pytest.approx(expected, abs=1e-4), r["k"]
        assert r["ci95"][0] <= r["delta"] <= r["ci95"][1]


def test_a_cell_whose_runs_finished_different_repetitions_is_marked_incomplete() -> None:
    cells = _cells()
    assert cells["p/c"]["pairs"] == 3 and not cells["p/c"]["complete"]
    assert cells["p/c"]["unpaired"] == {"baseline": 1, "candidate": 1}
    assert cells["p/a"]["complete"] and cells["p/a"]["unpaired"] == {"baseline": 0, "candidate": 0}


def test_markdown_html_and_terminal_show_each_cells_pass_hat_k_with_human_labels() -> None:
    doc = _doc()
    md, html = render.render_markdown(doc), render.render_html(doc)
    for page in (md, html):
        assert "pass^k by cell" in page
        assert "pass^2 (all 2 tries succeed)" in page
        assert "3 paired; unpaired: 1 baseline, 1 candidate" in page
    # p/b at k = 3: 50.0% -> 0.0%, -50.0 pp, p 0.1250
    assert "| p/b | pass^3 (all 3 tries succeed) | 50.0% | 0.0% | -50.0 pp |" in md
    console = Console(width=200, record=True)
    print_compare(console, doc)
    text = console.export_text()
    assert "pass^k by cell" in text and "p/b pass^6" in text
    assert "cell p/c: 3 paired; unpaired: 1 baseline, 1 candidate" in text


def test_the_pass_k_gate_reads_the_overall_row_not_a_cells() -> None:
    """One cell, six regressions: the cell's pass^1 is significantly worse (McNemar p = 2/64),
    the overall pass^1 (a sign-flip over one cell) cannot be; success, pooled trials, is."""
    base = [_row("p/x", r, True) for r in range(6)]
    cand = [_row("p/x", r, False) for r in range(6)]
    doc = compare.build("v1", "v2", base, cand)
    assert doc["cells"][0]["pass_hat_k"][0]["verdict"] == "worse"
    assert not gate.evaluate_compare(doc, metric=gate.Metric.parse("success")).passed
    verdict = gate.evaluate_compare(doc, metric=gate.Metric.parse("pass^1"))
    assert verdict.passed
    overall = next(m for m in doc["metrics"] if m["metric"] == "pass^1")
    check = verdict.as_dict()["checks"][-1]
    assert check["p_value"] == overall["p_value"] == 1.0


def test_the_terminal_lists_only_the_cells_whose_pass_k_changed() -> None:
    """Forty unchanged cells of eight repetitions were 320 rows of +0.0 pp on the terminal: a cell
    the same at every k in both runs is counted there and listed only in the pages."""
    same = [_row(f"same/{i}", r, r % 2 == 0) for i in range(3) for r in range(4)]
    base = [*same, *(_row("moved/x", r, True) for r in range(4))]
    cand = [*same, *(_row("moved/x", r, r != 3) for r in range(4))]
    doc = compare.build("v1", "v2", base, cand)
    console = Console(width=200, record=True)
    print_compare(console, doc)
    text = console.export_text()
    assert "moved/x pass^1" in text and "moved/x pass^4" in text
    assert "same/" not in text
    assert "pass^k by cell: 3 of 4 cells the same at every k in both runs" in text
    assert "| same/0 | pass^1" in render.render_markdown(doc)
