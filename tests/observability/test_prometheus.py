"""The shipped dashboards and alert rules against a real Prometheus scraping a live /metrics.

A scripted fleet feeds a metrics endpoint in two phases; Prometheus (the Debian package, on a
free port) scrapes it every second with the shipped alert rules loaded. Every PromQL
expression of every dashboard and rule must parse and return data, every alert must evaluate
cleanly and be pending or firing on the fed data, and no expression may name a metric the code
does not emit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import structlog
import yaml
from prometheus_client import CollectorRegistry

from aiconv.observability.metrics import Metrics, serve_metrics
from aiconv.observability.observer import TelemetryObserver
from aiconv.platform.loops import LOOP_KINDS
from aiconv.testing.redis_server import free_port
from tests.observability.fleet import play_fleet

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARDS = sorted((DEPLOY / "grafana" / "dashboards").glob("*.json"))
RULES = DEPLOY / "prometheus" / "alerts.yml"
#: Grafana's variables, replaced the way Grafana would with "All" selected.
VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h", "$provider": ".*"}
#: Series Prometheus itself creates for every target.
PROMETHEUS_OWN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
METRIC = re.compile(r"\b(aiconv_[a-z0-9_]+)\b")

pytestmark = pytest.mark.skipif(
    shutil.which("prometheus") is None or shutil.which("promtool") is None,
    reason="prometheus is not installed (scripts/ensure-system-packages.sh)",
)


def dashboard_expressions() -> list[tuple[str, str]]:
    """(where, expr) for every panel target of every shipped dashboard."""
    found: list[tuple[str, str]] = []
    for path in DASHBOARDS:
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                found.append((f"{path.name}: {panel['title']}", target["expr"]))
    return found


def templating_metrics() -> list[tuple[str, str]]:
    """(where, metric) for every ``label_values(metric, label)`` variable."""
    found = []
    for path in DASHBOARDS:
        for variable in json.loads(path.read_text())["templating"]["list"]:
            match = re.fullmatch(r"label_values\((\w+),\s*\w+\)", variable["definition"])
            assert match, f"{path.name}: unsupported variable query {variable['definition']}"
            found.append((f"{path.name}: ${variable['name']}", match.group(1)))
    return found


def alert_rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for group in yaml.safe_load(RULES.read_text())["groups"]:
        rules.extend(group["rules"])
    return rules


def substitute(expr: str) -> str:
    for variable, value in VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def unknown_metrics(expr: str, emitted: set[str]) -> set[str]:
    """Metric names in ``expr`` that the code does not emit."""
    return {name for name in METRIC.findall(expr) if name not in emitted}


@dataclass
class Prometheus:
    url: str

    def api(self, path: str, **params: str) -> Any:
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=10) as response:
            body = json.load(response)
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        data = self.api("query", query=expr)
        return list(data["result"])


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Until ``check()`` holds; fails naming ``what`` after ``timeout`` (a scrape is 1 s)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g}s")
        time.sleep(0.2)


def quietly(check: Callable[[], bool]) -> Callable[[], bool]:
    def guarded() -> bool:
        try:
            return check()
        except (OSError, AssertionError):
            return False

    return guarded


@dataclass
class Fed:
    prometheus: Prometheus
    emitted: set[str]


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fed]:
    """A live /metrics fed by the scripted fleet, scraped by a real Prometheus."""
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
    registry = CollectorRegistry()
    metrics = Metrics(registry, loop_kinds=LOOP_KINDS)
    now = [1000.0]
    observer = TelemetryObserver(metrics, clock=lambda: now[0])
    server = serve_metrics(registry, 0, "127.0.0.1")
    workdir = tmp_path_factory.mktemp("prometheus")
    shutil.copy(RULES, workdir / "alerts.yml")
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": ["alerts.yml"],
        "scrape_configs": [
            {"job_name": "aiconv", "static_configs": [{"targets": [f"127.0.0.1:{server.port}"]}]}
        ],
    }
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    process = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    prometheus = Prometheus(f"http://127.0.0.1:{port}")
    with contextlib.ExitStack() as stack:
        stack.callback(server.stop)
        stack.callback(structlog.reset_defaults)
        stack.callback(process.wait, 10)
        stack.callback(process.kill)
        asyncio.run(play_fleet(metrics, observer, cost=0.5))
        wait_for(
            quietly(lambda: bool(prometheus.query("aiconv_conversations_started_total == 2"))),
            "the first scrape of the fed metrics",
        )
        # Phase two: more of everything (rates need two samples), a burst of cost, and a
        # conversation that stops making progress for 11 minutes.
        stack.enter_context(observer.playing("stuck"))
        now[0] += 660
        asyncio.run(play_fleet(metrics, observer, cost=10.0))
        wait_for(
            quietly(lambda: bool(prometheus.query("aiconv_conversations_started_total == 4"))),
            "the scrape after phase two",
        )
        emitted = {s.name for family in registry.collect() for s in family.samples}
        yield Fed(prometheus, emitted | PROMETHEUS_OWN)


@pytest.mark.parametrize(("where", "expr"), dashboard_expressions())
def test_every_dashboard_expression_returns_data(fed: Fed, where: str, expr: str) -> None:
    assert not unknown_metrics(expr, fed.emitted), where
    assert fed.prometheus.query(substitute(expr)), f"{where}: no data for {expr}"


@pytest.mark.parametrize(("where", "metric"), templating_metrics())
def test_every_dashboard_variable_has_values(fed: Fed, where: str, metric: str) -> None:
    assert metric in fed.emitted, where
    assert fed.prometheus.query(f"count by (provider) ({metric})"), where


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda rule: rule["alert"])
def test_every_alert_fires_on_the_fed_data(fed: Fed, rule: dict[str, Any]) -> None:
    assert not unknown_metrics(rule["expr"], fed.emitted), rule["alert"]
    assert fed.prometheus.query(rule["expr"]), f"{rule['alert']}: no data"

    def evaluated() -> bool:
        groups = fed.prometheus.api("rules", type="alert")["groups"]
        [loaded] = [r for g in groups for r in g["rules"] if r["name"] == rule["alert"]]
        assert loaded["health"] in ("ok", "unknown"), loaded.get("lastError")
        return bool(loaded["health"] == "ok" and loaded["state"] in ("pending", "firing"))

    wait_for(evaluated, f"{rule['alert']} pending or firing", timeout=30)


def test_a_metric_the_code_does_not_emit_is_caught(fed: Fed) -> None:
    assert unknown_metrics("sum(rate(aiconv_made_up_total[5m]))", fed.emitted) == {
        "aiconv_made_up_total"
    }
    assert not unknown_metrics("sum(rate(aiconv_turns_total[5m]))", fed.emitted)
    every = " ".join(expr for _, expr in dashboard_expressions())
    every += " ".join(rule["expr"] for rule in alert_rules())
    assert len(set(METRIC.findall(every))) >= 15  # the scan does see the shipped expressions


def test_promtool_accepts_the_rules_and_the_compose_config() -> None:
    for args in (["check", "rules", str(RULES)], ["check", "config", "prometheus.yml"]):
        result = subprocess.run(
            ["promtool", *args],
            cwd=DEPLOY / "prometheus",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
