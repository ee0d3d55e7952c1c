"""``aic report`` writes ``report.xml`` in the JUnit format CI systems read (GitHub, GitLab,
Jenkins): one test case per conversation, a failure carrying what failed and why, an error for a
conversation that broke, and the suite's counts."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from aiconv.simulation.junit import render_junit
from aiconv.simulation.rows import Row
from aiconv.testing.processes import cli_env, run_aic
from tests.simulation.test_task_suites import suite

TASKS = ["banking-lost-debit-card", "banking-dispute-too-old"]


def test_the_report_directory_has_a_junit_file_a_ci_can_read(tmp_path: Path) -> None:
    path = suite(tmp_path, agent="bank-agent:mistakes=1,kinds=ignore_policy", tasks=TASKS)
    env, db = cli_env(home=tmp_path), str(tmp_path / "runs.db")
    done = run_aic("simulate", str(path), "--run-id", "j1", "--repeat", "2", "--quiet",
                   "--db", db, env=env, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    report = run_aic("report", "j1", "--db", db, "--json", "--out-dir", str(out), env=env)
    assert report.returncode == 0, report.stderr
    doc = json.loads(report.stdout)
    root = ET.parse(out / "report.xml").getroot()
    assert root.tag == "testsuites"
    (suite_,) = root.findall("testsuite")
    cases = suite_.findall("testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    assert len(cases) == int(suite_.get("tests", "")) == doc["conversations"] == 4
    assert len(failures) == int(suite_.get("failures", "")) == 4 - doc["success"]["successes"]
    assert int(suite_.get("errors", "")) == 0 and int(suite_.get("skipped", "")) == 0
    names = sorted(f"{c.get('classname')} {c.get('name')}" for c in cases)
    assert names == sorted(
        f"j1.neutral {t} repetition {r}" for t in TASKS for r in (0, 1)
    ), names  # fmt: skip
    failed = failures[0].find("failure")
    assert failed is not None and "dispute-too-old" in (failures[0].get("name") or "")
    assert "end_state" in (failed.get("message") or "") and "DSP-1001" in (failed.text or "")


#: What Jenkins xUnit's junit-10.xsd (the schema pytest's default ``xunit2`` family targets)
#: lets each element carry: child elements and attributes.
JUNIT_10 = {
    "testsuites": ({"testsuite"}, {"name", "time", "tests", "failures", "disabled", "errors"}),
    "testsuite": (
        {"testsuite", "properties", "testcase", "system-out", "system-err"},
        {"name", "tests", "failures", "errors", "time", "disabled", "skipped", "skips",
         "timestamp", "hostname", "id", "package", "assertions", "file", "skip", "log", "url"},
    ),
    "testcase": (
        {"skipped", "error", "failure", "rerunFailure", "rerunError", "system-out", "system-err"},
        {"name", "assertions", "time", "timestamp", "classname", "status", "class", "file",
         "line", "log", "group", "url"},
    ),
    "failure": (set(), {"type", "message"}),
    "error": (set(), {"type", "message"}),
    "skipped": (set(), {"type", "message"}),
    "system-out": (set(), set()),
}  # fmt: skip


def test_the_junit_file_is_valid_against_the_junit_10_schema(tmp_path: Path) -> None:
    """Per-case <properties> and a ``skipped`` count on <testsuites> failed junit-10.xsd (what
    Jenkins xUnit validates a report against); the case's details are its <system-out> now."""
    path = suite(tmp_path, agent="bank-agent:mistakes=1,kinds=ignore_policy", tasks=TASKS[:1])
    env, db = cli_env(home=tmp_path), str(tmp_path / "runs.db")
    done = run_aic("simulate", str(path), "--run-id", "j2", "--quiet", "--db", db, env=env,
                   cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = run_aic("report", "j2", "--db", db, "--out-dir", str(tmp_path / "out"), env=env)
    assert report.returncode == 0, report.stderr
    root = ET.parse(tmp_path / "out" / "report.xml").getroot()
    for element in root.iter():
        children, attributes = JUNIT_10[element.tag]
        assert {child.tag for child in element} <= children, element.tag
        assert set(element.attrib) <= attributes, element.tag
    (case,) = root.iter("testcase")
    out = case.findtext("system-out") or ""
    assert out.startswith("conversation_id: ") and "\nagent: bank-agent:mistakes=1" in out, out


def test_conversations_the_run_never_started_are_error_cases() -> None:
    """A run cut before it started some of its conversations: the suite counts what was planned
    (per agent in a matrix), each missing conversation an error a CI's test view shows."""
    rows = [
        Row(conversation_id=f"c{i}", scenario="s", persona="calm", intent="refund", repetition=i,
            outcome="resolved", success=True, finished=True, agent=agent, planned=planned)
        for agent, planned, ran in (("a", 3, 2), ("b", 3, 3))
        for i in range(ran)
    ]  # fmt: skip
    root = ET.fromstring(render_junit("m1", rows))
    (suite_,) = root.findall("testsuite")
    assert (suite_.get("tests"), suite_.get("errors"), root.get("errors")) == ("6", "1", "1")
    (never,) = [c for c in suite_.findall("testcase") if c.find("error") is not None]
    assert (never.get("classname"), never.get("name")) == ("m1.a", "never started 1 of 1")
    error = never.find("error")
    assert error is not None and error.get("type") == "never_started"
    assert "1 of 3 planned" in (error.get("message") or "")
