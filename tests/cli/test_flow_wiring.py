"""A command's runtime guards and instruments each stage agent of a flow on its own: the
extractor's calls show up in the provider metrics under its own name."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from aiconv.agents.catalog import default_registry
from aiconv.agents.guarded import GuardedProvider
from aiconv.agents.instrumented import InstrumentedProvider
from aiconv.agents.messages import ChatMessage, ChatRequest
from aiconv.cli.wiring import Runtime
from aiconv.flows.participant import FlowProvider
from aiconv.observability.metrics import Metrics
from aiconv.settings import Settings
from tests.flows.conftest import EXAMPLE


async def test_each_stage_agent_is_guarded_and_instrumented() -> None:
    collector = CollectorRegistry()
    metrics = Metrics(collector)
    runtime = Runtime(settings=Settings(), env={}, registry=default_registry(), log_url="memory://")
    runtime.instrument_part = lambda p: InstrumentedProvider(p, metrics=metrics)
    provider = runtime.provider(runtime.registry.resolve(f"flow:{EXAMPLE}"))
    assert isinstance(provider, GuardedProvider) and isinstance(provider.inner, FlowProvider)
    extractor = provider.inner.agents["extractor"]
    assert isinstance(extractor, InstrumentedProvider) and isinstance(
        extractor.inner, GuardedProvider
    )
    request = ChatRequest(
        model="",
        system="",
        messages=(ChatMessage(role="user", content="A sales agent."),),
        context={"speaker": "designer", "turn": 2},
    )
    await provider.complete(request)
    await provider.aclose()
    sample = collector.get_sample_value(
        "aiconv_provider_requests_total",
        {"provider": "extractor", "model": "extractor", "outcome": "ok"},
    )
    assert sample == 1.0
