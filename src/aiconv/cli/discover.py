"""``aic discover``: propose a scenario (outcomes, intents, personas, timing) from imported
conversations, build the style index next to the log, and write both for people to edit.

Offline by default (scikit-learn); ``--model AGENT`` has a model label the conversations
(batched, cached next to the log). The clustering is CPU-bound and runs outside the event loop.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from aiconv.agents.provider import ChatProvider
from aiconv.cli.command import command
from aiconv.cli.learn import check_output
from aiconv.cli.options import json_option, log_options, option
from aiconv.cli.values import NAME, count
from aiconv.cli.wiring import LogOptions, Runtime
from aiconv.cli.writable import check_not_the_log
from aiconv.errors import AiconvError, ConfigError
from aiconv.extras import require_extra
from aiconv.platform.markdown import visible_controls
from aiconv.queues.urls import connect_log
from aiconv.settings import default_db_path


def _modules() -> Any:
    require_extra("learning", "aic discover")
    from aiconv.learning import discovery, labelling, scenario_file
    from aiconv.learning.retrieval import StyleIndex

    return discovery, labelling, scenario_file, StyleIndex


@command()
@option("--source", help="Only conversations imported from this source (default: all).")
@option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=Path("discovered.toml"),
    show_default=True,
    help="The scenario file to write.",
)
@option("--force", is_flag=True, help="Overwrite --output.")
@option("--name", type=NAME, default="discovered", show_default=True, help="The scenario's name.")
@option("--intents", type=count(1, 50), help="How many intents (default: found).")
@option("--outcomes", type=count(1, 20), help="How many outcomes (default: found).")
@option("--personas", type=count(1, 10), help="How many personas (default: found).")
@option("--model", help="Label with this agent (e.g. claude) instead of offline clustering.")
@option(
    "--batch",
    type=count(1, 100),
    default=20,
    show_default=True,
    help="Conversations per model request.",
)
@option(
    "--agent-under-test",
    "agent",
    default="mock",
    show_default=True,
    help="The [agent] the scenario tests.",
)
@option(
    "--customer-agent",
    default="mock:turns=0",
    show_default=True,
    help="The [customer] agent that plays the customers.",
)
@option("--limit", type=count(2, 1_000_000), help="Use at most this many conversations.")
@option(
    "--seed", type=count(0, 2**32 - 1), default=0, show_default=True, help="Seed of the clustering."
)
@json_option(help="Print one JSON document.")
@log_options
def discover(**kw: Any) -> None:
    """Propose outcomes, intents and personas from imported conversations as a scenario file."""
    discovery, _, scenario_file, style_index = _modules()
    runtime = Runtime.load(LogOptions.of(kw))
    output: Path = kw["output"]
    check_output(output, kw["force"])
    check_not_the_log(output, runtime.log_url)
    for agent in (kw["agent"], kw["customer_agent"]):  # the scenario must run as written
        runtime.registry.preflight(runtime.registry.resolve(agent))
    provider = _model(runtime, kw["model"]) if kw["model"] else None
    from aiconv.learning.library import learning_dir, style_index_path

    folder = learning_dir(runtime.log_url, default_db_path().parent)
    transcripts = asyncio.run(_load(runtime.log_url, kw["source"], kw["limit"]))
    if len(transcripts) < 2:
        where = f" from source {kw['source']!r}" if kw["source"] else ""
        raise ConfigError(
            f"discovery needs at least 2 imported conversations{where}; "
            f"found {len(transcripts)} (import some with `aic import FILE`)"
        )
    if provider is None:
        found = discovery.discover(
            transcripts,
            intents=kw["intents"],
            outcomes=kw["outcomes"],
            personas=kw["personas"],
            seed=kw["seed"],
        )
    else:
        found = asyncio.run(_labelled(provider, transcripts, folder, kw))
    index_path = style_index_path(folder)
    _save_style_index(style_index, found, transcripts, index_path)
    relative = os.path.relpath(index_path.resolve(), output.resolve().parent)
    text = scenario_file.render(
        found,
        transcripts,
        name=kw["name"],
        agent=kw["agent"],
        customer=kw["customer_agent"],
        index=relative,
    )
    _write_checked(output, text)
    _report(found, output, index_path, len(transcripts), kw["as_json"])


def _save_style_index(style_index: Any, found: Any, transcripts: Any, path: Path) -> None:
    """The real customers' messages by intent and persona, for grounded customers."""
    index = style_index.from_transcripts(
        transcripts,
        intents=found.intent_of(),
        personas={found.conversations[i]: p.name for p in found.personas for i in p.members},
    )
    index.save(path)


def _model(runtime: Runtime, agent: str) -> ChatProvider:
    spec = runtime.registry.resolve(agent)
    runtime.registry.preflight(spec)
    return runtime.provider(spec)


async def _load(url: str, source: str | None, limit: int | None) -> list[Any]:
    from aiconv.learning.library import check_source, load_imported

    log = await connect_log(url, "read")
    try:
        await check_source(log, source)
        return await load_imported(log, source, limit=limit)
    finally:
        await log.close()


async def _labelled(provider: ChatProvider, transcripts: list[Any], folder: Path, kw: Any) -> Any:
    discovery, labelling, _, _ = _modules()
    from aiconv.learning.cache import AnswerCache

    labeller = labelling.ModelLabeller(
        provider, cache=AnswerCache(labelling.cache_path_for(folder)), batch=kw["batch"]
    )
    try:
        schema = await labeller.propose(transcripts, seed=kw["seed"])
        labels = await labeller.label(transcripts, schema)
    except ValueError as exc:  # the model never answered with valid JSON
        raise AiconvError(f"--model {kw['model']}: {exc}") from None
    finally:
        await provider.aclose()
    if not labels:
        raise AiconvError(f"--model {kw['model']}: no conversation was labelled validly")
    named = discovery.Named
    return discovery.discover_labelled(
        transcripts,
        labels,
        intents=[named(slug=i.slug, description=i.description) for i in schema.intents],
        outcomes=[
            named(slug=o.slug, description=o.description, success=o.success)
            for o in schema.outcomes
        ],
        method=f"model {provider.name}:{provider.model}",
        personas=kw["personas"],
        seed=kw["seed"],
    )


def _write_checked(output: Path, text: str) -> None:
    """Write the scenario through a temporary file, after checking that it loads."""
    from aiconv.simulation.scenario import load_scenario

    temporary = output.with_name(f".{output.name}.tmp{output.suffix}")
    temporary.write_text(text, encoding="utf-8")
    try:
        load_scenario(temporary)
    except ConfigError:
        temporary.unlink()
        raise
    temporary.replace(output)


def _report(found: Any, output: Path, index: Path, count: int, as_json: bool) -> None:
    document = {
        "scenario": str(output),
        "style_index": str(index),
        "conversations": count,
        **_found_document(found),
    }
    if as_json:
        click.echo(json.dumps(document, indent=2))
        return
    console = Console()
    console.print(
        f"{count} conversations ({found.method}); {found.timing.describe()}",
        highlight=False,
        markup=False,
    )
    for title in ("intents", "outcomes", "personas"):
        listed = ", ".join(
            f"{i.get('slug') or i.get('name')} ({i.get('conversations') or i.get('customers')})"
            for i in document[title]
        )
        console.print(f"{title}: {listed}", highlight=False, markup=False)
    console.print(
        visible_controls(
            f"wrote {output} (edit it, then `aic simulate {output}`) and the style index {index}"
        ),
        highlight=False,
        markup=False,
    )


def _found_document(found: Any) -> dict[str, Any]:
    """What discovery found, as the JSON document lists it."""
    return {
        "method": found.method,
        "intents": [
            {"slug": i.slug, "conversations": len(i.members), "description": i.description}
            for i in found.intents
        ],
        "outcomes": [
            {"slug": o.slug, "conversations": len(o.members), "success": o.success}
            for o in found.outcomes
        ],
        "personas": [
            {"name": p.name, "customers": len(p.members), "traits": list(p.traits)}
            for p in found.personas
        ],
        "timing": found.timing.describe(),
    }
