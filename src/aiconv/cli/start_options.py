"""The options of ``aic-start`` and their typed value, ``StartRequest`` (the only place they
are a dict of click keyword arguments)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import click

from aiconv.cli import voice
from aiconv.cli.options import F, json_option, log_options, option
from aiconv.cli.telemetry import TelemetryOptions, telemetry_options
from aiconv.cli.tools import assign, tool_options
from aiconv.cli.values import PHRASE, POSITIVE, SEED, TEXT, count, seconds
from aiconv.cli.wiring import LogOptions, default_names
from aiconv.errors import ConfigError
from aiconv.launch import ConversationOptions, Participant
from aiconv.platform.events import StopConfig
from aiconv.platform.turns import POLICIES


def start_options(func: F) -> F:
    """Every option of ``aic-start``."""
    decorators = [
        option(
            "--agent1",
            type=TEXT,
            default="mock",
            show_default=True,
            help="First agent (mock, claude, gpt, vendor:model …).",
        ),
        option("--agent2", type=TEXT, default="mock", show_default=True, help="Second agent."),
        option(
            "--agent",
            "agents",
            type=TEXT,
            multiple=True,
            help="Further agents (repeat for N >= 3).",
        ),
        option("--name1", type=TEXT, help="Name of participant 1 (default: from the agent)."),
        option("--name2", type=TEXT, help="Name of participant 2."),
        option("--name", "names", type=TEXT, multiple=True, help="Names of further agents."),
        option("--model1", type=TEXT, help="Model override for agent 1."),
        option("--model2", type=TEXT, help="Model override for agent 2."),
        option("--system1", help="Extra instructions for agent 1."),
        option("--system2", help="Extra instructions for agent 2."),
        option("--persona1", type=TEXT, help="Persona of agent 1."),
        option("--persona2", type=TEXT, help="Persona of agent 2."),
        option("--base-url1", help="OpenAI-compatible (or vendor) base URL for agent 1."),
        option("--base-url2", help="Base URL for agent 2."),
        option(
            "--topic",
            type=TEXT,
            default="Is a hot dog a sandwich?",
            show_default=True,
            help="What to talk about.",
        ),
        option("--max-turns", type=count(), default=20, show_default=True, help="All messages."),
        option("--max-turns-each", type=count(), help="Messages per participant."),
        option("--first", type=TEXT, help="Who speaks first (default: participant 1)."),
        option("--timeout", type=seconds(), help="Wall-clock limit in seconds."),
        option("--max-tokens", type=count(), help="Token budget (input + output)."),
        option("--max-cost", type=POSITIVE, help="Cost budget in USD."),
        option(
            "--end-token",
            type=TEXT,
            default="<END>",
            show_default=True,
            help="Token that ends the conversation on its own line.",
        ),
        option(
            "--closing",
            type=click.Choice(["mutual", "single", "off"]),
            default="mutual",
            show_default=True,
            help="End on goodbyes: both sides close (mutual), any closing (single), never (off).",
        ),
        option(
            "--closing-phrase",
            "closing_phrases",
            type=PHRASE,
            multiple=True,
            help="A closing phrase (repeat; replaces the built-in ones: bye, take care, …).",
        ),
        option(
            "--loop-policy",
            type=click.Choice(["end", "nudge", "off"]),
            default="end",
            show_default=True,
            help="On a detected loop: end, nudge once then end, or ignore.",
        ),
        option(
            "--lease",
            type=seconds(),
            default=60.0,
            show_default=True,
            help="Turn-claim lease in seconds.",
        ),
        option(
            "--turn-policy",
            type=click.Choice(sorted(POLICIES)),
            default="round_robin",
            show_default=True,
            help="Who speaks next.",
        ),
        option(
            "--seed",
            type=SEED,
            help="Seed for offline agents, 0..2^63-1 (default: random, recorded).",
        ),
        option("--detach", is_flag=True, help="Create the conversation, print its id, run nobody."),
        json_option(help="Print one JSON document at the end instead.", old_names=("AIC_JSON",)),
        option("--quiet", is_flag=True, help="Print only the conversation id and the summary."),
        tool_options,
        voice.voice_options,
        log_options,
        telemetry_options("warning"),
    ]
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


@dataclass(frozen=True, slots=True, kw_only=True)
class StartRequest:
    """What ``aic-start`` was asked to do, as typed values."""

    participants: tuple[Participant, ...]
    conversation: ConversationOptions
    log: LogOptions
    telemetry: TelemetryOptions
    voice: voice.VoiceOptions
    as_json: bool = False
    quiet: bool = False

    @classmethod
    def of(cls, kw: dict[str, Any]) -> StartRequest:
        """From the command's keyword arguments (the only place they are a dict)."""
        return cls(
            participants=tuple(_participants(kw)),
            conversation=ConversationOptions(
                topic=kw["topic"],
                first=kw["first"],
                stop=_stop_config(kw),
                seed=kw["seed"]
                if kw["seed"] is not None
                else random.SystemRandom().randrange(2**31),
                lease_s=kw["lease"],
                turn_policy=kw["turn_policy"],
                detached=kw["detach"],
            ),
            log=LogOptions.of(kw),
            telemetry=TelemetryOptions.of(kw),
            voice=voice.VoiceOptions.of(kw),
            as_json=kw["as_json"],
            quiet=kw["quiet"],
        )


def _participants(kw: dict[str, Any]) -> list[Participant]:
    agents = [kw["agent1"], kw["agent2"], *kw["agents"]]
    extra_names = list(kw["names"])
    if len(extra_names) > len(kw["agents"]):
        raise ConfigError(
            f"--name given {len(extra_names)} times but --agent {len(kw['agents'])} times: "
            "each --name names the --agent at the same position (use --name1/--name2 for the "
            "first two)"
        )
    given = [kw["name1"], kw["name2"], *extra_names]
    given += [None] * (len(agents) - len(given))
    names = default_names(agents, given)
    per = [{k: kw[f"{k}{i}"] for k in ("model", "system", "persona", "base_url")} for i in (1, 2)]
    per += [{}] * (len(agents) - 2)
    tools = assign(kw, names)
    return [
        Participant(name, agent, tools=tools.get(name, ()), **options)
        for name, agent, options in zip(names, agents, per, strict=True)
    ]


def _stop_config(kw: dict[str, Any]) -> StopConfig:
    return StopConfig(
        max_turns=kw["max_turns"],
        max_turns_per_participant=kw["max_turns_each"],
        end_token=kw["end_token"],
        timeout_s=kw["timeout"],
        max_tokens=kw["max_tokens"],
        max_cost_usd=kw["max_cost"],
        closing=kw["closing"],
        closing_phrases=tuple(kw["closing_phrases"]),
        loop_policy=kw["loop_policy"],
        max_tool_rounds=kw["max_tool_rounds"],
        tool_timeout_s=kw["tool_timeout"],
    )
