"""A run as a JUnit XML report (``report.xml``), the format CI systems read (GitHub, GitLab,
Jenkins): one test case per conversation — class ``RUN.PERSONA`` (``RUN.AGENT.PERSONA`` in a
matrix), name ``TASK repetition R`` — failed with its failing criteria and their evidence, an
error when the conversation broke (a provider failure), skipped while unfinished; a conversation
the run planned but never started is an error case of its own (``never started K of N``), so the
suite counts what was planned, not only what ran; its details
(conversation id, agent, outcome, turns, cost) are its ``system-out``. The document is valid
against Jenkins xUnit's ``junit-10.xsd`` (what pytest's default ``xunit2`` targets), which has
no ``properties`` in a test case nor a ``skipped`` count on ``testsuites``. It formats; it reads
nothing."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from aiconv.simulation.batch import FAILED_REASONS
from aiconv.simulation.rows import Row, planned_by_agent

#: Characters XML 1.0 cannot carry at all (escaping does not help): dropped from any text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render_junit(run_id: str, rows: Sequence[Row]) -> str:
    """The JUnit document of ``rows`` (the conversations of run ``run_id``)."""
    matrix = len({row.agent for row in rows}) > 1
    suite = ET.Element("testsuite", name=_text(run_id))
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total = 0.0
    for row in sorted(rows, key=lambda r: (r.agent, r.persona, r.task or r.intent, r.repetition)):
        case, kind = _case(run_id, row, matrix)
        suite.append(case)
        counts["tests"] += 1
        if kind:
            counts[kind] += 1
        total += float(case.get("time", "0"))
    for case in _never_started(run_id, rows, matrix):
        suite.append(case)
        counts["tests"] += 1
        counts["errors"] += 1
    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", f"{total:.3f}")
    totals = {k: str(v) for k, v in counts.items() if k != "skipped"}
    root = ET.Element("testsuites", totals, name=_text(run_id))
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _case(run_id: str, row: Row, matrix: bool) -> tuple[ET.Element, str | None]:
    """The test case of one conversation, and which count it adds to (None: a pass)."""
    group = f"{run_id}.{row.agent}.{row.persona}" if matrix else f"{run_id}.{row.persona}"
    case = ET.Element(
        "testcase",
        classname=_text(group),
        name=_text(f"{row.task or row.intent} repetition {row.repetition}"),
        time=f"{sum(row.latencies):.3f}",
    )
    kind = _verdict(case, row)
    ET.SubElement(case, "system-out").text = _text(_facts(row))
    return case, kind


def _never_started(run_id: str, rows: Sequence[Row], matrix: bool) -> list[ET.Element]:
    """An error case for each conversation an agent's plan has and the log does not."""
    cases = []
    for agent, planned in sorted(planned_by_agent(rows).items()):
        missing = planned - sum(1 for row in rows if row.agent == agent)
        group = f"{run_id}.{agent}" if matrix else run_id
        for number in range(1, missing + 1):
            case = ET.Element(
                "testcase", classname=_text(group), name=f"never started {number} of {missing}"
            )
            ET.SubElement(
                case,
                "error",
                message=f"never started ({missing} of {planned} planned)",
                type="never_started",
            ).text = "the run was cut before it started this conversation: run it again to finish"
            cases.append(case)
    return cases


def _verdict(case: ET.Element, row: Row) -> str | None:
    """Add ``row``'s skipped, error or failure element to ``case``; which count it adds to."""
    if not row.finished:
        ET.SubElement(case, "skipped", message="unfinished")
        return "skipped"
    if row.success:
        return None
    broke = row.end_reason in FAILED_REASONS
    failure = ET.SubElement(
        case,
        "error" if broke else "failure",
        message=_text(_message(row)),
        type=_text((row.end_reason or "") if broke else row.label),
    )
    failure.text = _text(_details(row))
    return "errors" if broke else "failures"


def _message(row: Row) -> str:
    failed = ", ".join(name for name, _ in row.failed_criteria)
    why = f"failed {failed}" if failed else row.rationale or row.label
    return f"{why} (ended: {row.end_reason or 'not yet'})"


def _details(row: Row) -> str:
    lines = [f"{name}: {evidence}" for name, evidence in row.failed_criteria]
    if not lines and row.rationale:
        lines.append(row.rationale)
    lines += [f"conversation {row.conversation_id}, transcript: aic show {row.conversation_id}"]
    lines += [f"  {step}" for step in row.trajectory]
    return "\n".join(lines)


def _facts(row: Row) -> str:
    """The conversation's details, one ``name: value`` line each."""
    return "\n".join(
        f"{name}: {value}"
        for name, value in (
            ("conversation_id", row.conversation_id),
            ("agent", row.agent_id or row.agent),
            ("outcome", row.label),
            ("turns", row.turns),
            ("cost_usd", f"{row.cost_usd:.6f}"),
        )
    )


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)
