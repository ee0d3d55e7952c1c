"""The deploy/ files parse and hang together (no Docker engine or cluster here): compose
services, mounts and wiring, the Dockerfile's stages and user, Grafana provisioning, the
collector pipeline, and the Kubernetes manifests' probes, limits, autoscaling and scraping."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def manifests() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def one(kind: str, name: str) -> dict[str, Any]:
    [found] = [d for d in manifests() if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def test_compose_runs_redis_with_aof_workers_and_the_observability_stack() -> None:
    services = compose()["services"]
    assert {"redis", "worker", "prometheus", "grafana", "otel-collector", "jaeger"} <= set(services)
    redis = services["redis"]
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert any(v.endswith(":/data") for v in redis["volumes"])
    worker = services["worker"]
    assert worker["command"][0] == "worker"
    assert "replicas" in worker["deploy"]
    assert worker["environment"]["AIC_LOG_URL"].startswith("redis://redis:")
    assert worker["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
    assert worker["build"]["dockerfile"] == "deploy/Dockerfile"


def test_every_file_compose_mounts_exists() -> None:
    mounted = [
        (name, volume.split(":", 1)[0])
        for name, service in compose()["services"].items()
        for volume in service.get("volumes", [])
        if volume.split(":", 1)[0].startswith(".")
    ]
    assert mounted  # the stack does mount files (config, dashboards): check them all
    for name, source in mounted:
        assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"


def test_prometheus_scrapes_the_worker_service_on_its_metrics_port() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    [job] = config["scrape_configs"]
    [sd] = job["dns_sd_configs"]
    assert sd["names"] == ["worker"]
    assert str(sd["port"]) == compose()["services"]["worker"]["environment"]["AIC_METRICS_PORT"]


def test_the_image_is_multi_stage_and_runs_as_a_non_root_user() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2
    assert "COPY --from=build" in text
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert 'ENTRYPOINT ["aic"]' in text


def test_grafana_provisions_the_dashboards_and_the_datasource_they_use() -> None:
    grafana = compose()["services"]["grafana"]
    mounts = dict(
        v.rsplit(":", 2)[:2] if v.count(":") > 1 else v.split(":") for v in grafana["volumes"]
    )
    provider = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/dashboards/dashboards.yaml").read_text()
    )["providers"][0]
    assert mounts["./grafana/dashboards"] == provider["options"]["path"]
    sources = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/datasources/datasources.yaml").read_text()
    )["datasources"]
    uids = {s["uid"] for s in sources}
    names = set()
    for path in (DEPLOY / "grafana/dashboards").glob("*.json"):
        dashboard = json.loads(path.read_text())
        names.add(path.stem)
        assert dashboard["uid"].startswith("aiconv-")
        for panel in dashboard["panels"]:
            assert panel["datasource"]["uid"] in uids, f"{path.name}: {panel['title']}"
    assert names == {"fleet", "providers", "storage"}


def test_the_collector_forwards_otlp_traces_to_jaeger() -> None:
    config = yaml.safe_load((DEPLOY / "otel-collector/config.yaml").read_text())
    pipeline = config["service"]["pipelines"]["traces"]
    assert pipeline["receivers"] == ["otlp"]
    [exporter] = pipeline["exporters"]
    assert config["exporters"][exporter]["endpoint"].split(":")[0] in compose()["services"]


def test_the_worker_deployment_has_probes_limits_a_non_root_user_and_scraping() -> None:
    deployment = one("Deployment", "aiconv-worker")
    pod = deployment["spec"]["template"]
    [container] = pod["spec"]["containers"]
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] == "metrics"
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    [port] = container["ports"]
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(port["containerPort"])
    env = {e["name"]: e for e in container["env"]}
    assert env["AIC_LOG_URL"]["valueFrom"]["secretKeyRef"]["name"] == "aiconv-log"
    assert (
        pod["metadata"]["labels"].items() >= deployment["spec"]["selector"]["matchLabels"].items()
    )


def test_autoscaling_and_service_monitor_point_at_the_workers() -> None:
    hpa = one("HorizontalPodAutoscaler", "aiconv-worker")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "aiconv-worker"
    assert hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    service = one("Service", "aiconv-worker-metrics")
    monitor = one("ServiceMonitor", "aiconv-worker")
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    assert monitor["spec"]["endpoints"][0]["port"] in {p["name"] for p in service["spec"]["ports"]}
    kustomization = yaml.safe_load((DEPLOY / "k8s/kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (DEPLOY / "k8s" / resource).is_file()
    redis = one("StatefulSet", "redis")
    assert "--appendonly" in redis["spec"]["template"]["spec"]["containers"][0]["args"]


def _image_extras() -> set[str]:
    """The extras the image's ``pip install .[…]`` brings (``all`` expanded from pyproject)."""
    text = (DEPLOY / "Dockerfile").read_text()
    arguments = dict(re.findall(r"^ARG (\w+)=(\S+)", text, re.M))
    installs = re.findall(r"pip install [\"']?\.(?:\[([^\]\"']*)\])?", text)
    assert installs, "the image installs aiconv with pip"
    named: set[str] = set()
    for extras in installs:
        for name in re.sub(r"\$\{?(\w+)\}?", lambda m: arguments[m.group(1)], extras).split(","):
            named.add(name.strip())
    named.discard("")
    if "all" in named:
        pyproject = (DEPLOY.parent / "pyproject.toml").read_text()
        [listed] = re.findall(r'^all = \["aiconv\[([^\]]+)\]"\]', pyproject, re.M)
        named |= set(listed.split(","))
    return named


def test_the_image_installs_the_extras_the_stack_runs() -> None:
    """``pip install .`` is the core alone since the extras split: a worker of the image could
    not open the compose file's ``redis://`` log nor export traces to its collector, and served
    no ``claude``/``gpt`` conversation (each a one-line 'needs the … extra' error)."""
    from aiconv.extras import EXTRAS

    installed = _image_extras()
    assert installed - {"all"} <= set(EXTRAS), installed
    environment = compose()["x-aiconv"]["environment"]
    needed = {"anthropic", "openai", "gemini"}  # the keys compose passes from .env
    if environment["AIC_LOG_URL"].startswith(("redis://", "rediss://")):
        needed.add("redis")
    if environment.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        needed.add("otel")
    worker = one("Deployment", "aiconv-worker")["spec"]["template"]["spec"]["containers"][0]
    if any(e["name"] == "OTEL_EXPORTER_OTLP_ENDPOINT" for e in worker["env"]):
        needed.add("otel")
    assert needed <= installed, f"the image lacks {sorted(needed - installed)}"
