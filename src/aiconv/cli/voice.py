"""The CLI's voice parts: ``aic-start --voice``, ``aic export --format recording``, ``aic prune``.

Voice is an optional extra: its modules are imported only when a voice option is used, and
every check (espeak-ng and the recognition model installed, the audio directory usable) runs
before anything is written.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from aiconv.agents.provider import ChatProvider
from aiconv.cli import display
from aiconv.cli.command import command
from aiconv.cli.options import json_option, log_options, option
from aiconv.cli.values import DIRECTORY
from aiconv.cli.wiring import LogOptions, Runtime
from aiconv.cli.writable import check_writable_dir
from aiconv.errors import ConfigError
from aiconv.extras import require_extra
from aiconv.launch import ConversationOptions, Participant
from aiconv.platform import codec
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import ParticipantSpec
from aiconv.platform.markdown import visible_controls
from aiconv.queues.log import ConversationLog
from aiconv.queues.urls import connect_log
from aiconv.voice.ids import check_voice_agents

F = TypeVar("F", bound=Callable[..., Any])
_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([smhdw])\s*$")  # ASCII digits: \d takes "５"
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def voice_options(func: F) -> F:
    """``--voice``, ``--voice-mode`` and ``--audio-dir``."""
    func = option(
        "--audio-dir",
        type=DIRECTORY,
        help="Where audio is stored (default: next to a SQLite log, e.g. runs.audio/).",
    )(func)
    func = option(
        "--voice-mode",
        type=click.Choice(["fast", "real"]),
        default="fast",
        show_default=True,
        help="fast: simulated timeline; real: audio plays out in real time.",
    )(func)
    return option("--voice", is_flag=True, help="Speak every message and hear it (offline).")(func)


def resolve_audio_dir(runtime: Runtime, given: Path | None) -> Path:
    """The blob directory: ``--audio-dir``, else next to a SQLite log, else the data dir."""
    if given is not None:
        if given.exists() and not given.is_dir():
            raise ConfigError(f"--audio-dir {given} is not a directory")
        return given
    from aiconv.voice.blobs import default_blob_dir

    if runtime.log_url.startswith("sqlite:///"):
        return default_blob_dir(Path(runtime.log_url.removeprefix("sqlite:///").split("?")[0]))
    return default_blob_dir(None)


def check_voice(runtime: Runtime, given: Path | None) -> Path:
    """Check voice can run here (extra, espeak-ng, model); the audio directory to use."""
    require_extra("voice", "--voice")
    from aiconv.voice.kit import preflight

    preflight()
    directory = resolve_audio_dir(runtime, given)
    check_writable_dir(directory, "--audio-dir")
    return directory


@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceOptions:
    """``--voice``, ``--voice-mode`` and ``--audio-dir``."""

    enabled: bool = False
    mode: str = "fast"
    audio_dir: Path | None = None

    @classmethod
    def of(cls, kw: Mapping[str, Any]) -> VoiceOptions:
        """From a command's keyword arguments (the edge where click hands them over).

        ``--voice-mode`` or ``--audio-dir`` on the command line without ``--voice`` is a
        mistake (the user meant a voice conversation and would get a silent one), so it is
        refused; from a variable or the config file it is a default, and stays quiet."""
        if not kw["voice"]:
            ctx = click.get_current_context(silent=True)
            for name, flag in (("voice_mode", "--voice-mode"), ("audio_dir", "--audio-dir")):
                if ctx is not None and ctx.get_parameter_source(name) is _COMMAND_LINE:
                    raise ConfigError(f"{flag} is for a voice conversation: add --voice")
        return cls(enabled=kw["voice"], mode=kw["voice_mode"], audio_dir=kw["audio_dir"])


_COMMAND_LINE = click.core.ParameterSource.COMMANDLINE


def prepare(
    runtime: Runtime, options: VoiceOptions, specs: list[ParticipantSpec]
) -> tuple[dict[str, Any], Path]:
    """Check voice can run (before any write): the conversation's voice metadata and the
    audio directory."""
    directory = check_voice(runtime, options.audio_dir)
    from aiconv.voice.config import configure

    try:
        config = configure([(s.name, s.persona) for s in specs], options.mode)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    return config.as_metadata(), directory


def voice_agents(
    runtime: Runtime, participants: Sequence[Participant], *, voice: bool, first: str | None
) -> dict[str, ChatProvider]:
    """The voice agents (``realtime[:model]``, ``ws://…``) among ``participants``, built by the
    voice layer: only a voice conversation takes them (checked before anything is written)."""
    check_voice_agents([(p.name, p.agent) for p in participants], voice=voice, first=first)
    if not voice:
        return {}
    require_extra("voice", "--voice")
    from aiconv.voice.participants import voice_providers

    seats = [(p.name, p.agent, p.base_url) for p in participants]
    return dict(voice_providers(seats, runtime.env))


def open_kit(
    log: ConversationLog, directory: Path, voice_agents: dict[str, Any], registry: Any
) -> Any:
    """The voice layer for a run, its metrics on the command's registry."""
    from aiconv.voice.kit import VoiceKit

    return VoiceKit.open(log, directory, voice_agents=voice_agents, registry=registry)


def resumed_kit(
    runtime: Runtime,
    log: ConversationLog,
    metadata: Mapping[str, Any],
    audio_dir: Path | None,
    registry: Any,
) -> Any:
    """The voice layer to continue a conversation recorded with voice (None for a text one),
    once voice is checked to run here (a one-line error naming what to install)."""
    if not metadata.get("voice"):
        return None
    return open_kit(log, check_voice(runtime, audio_dir), {}, registry)


async def open_sessions(
    agents: Mapping[str, ChatProvider], specs: list[ParticipantSpec], options: ConversationOptions
) -> ConversationOptions:
    """Open the voice agents' sessions before the conversation is created; the options with
    the conversation's id chosen, so the agents are told the id it will have."""
    if not agents:
        return options
    from aiconv.platform.session import new_conversation_id
    from aiconv.voice.participants import open_sessions as open_all

    chosen = new_conversation_id()
    await open_all(
        agents,  # type: ignore[arg-type]
        specs,
        topic=options.topic,
        stop=options.stop,
        conversation_id=chosen,
    )
    return dataclasses.replace(options, conversation_id=chosen)


async def metrics_of(log: ConversationLog, conversation_id: str) -> dict[str, Any] | None:
    """The voice metrics of a conversation (None when nothing was spoken)."""
    return metrics_from(codec.decode_all(await log.read(conversation_id)))


def metrics_from(events: Sequence[codec.Recorded]) -> dict[str, Any] | None:
    """The voice metrics of a conversation's events (None when nothing was spoken); needs
    nothing of the ``voice`` extra, so a text conversation is shown anywhere."""
    from aiconv.voice.projection import utterances_of
    from aiconv.voice.timeline import measure

    utterances = utterances_of(events)
    return measure(utterances).as_dict() if utterances else None


async def conclude(
    console: Console,
    log: ConversationLog,
    state: ConversationState,
    *,
    as_json: bool,
    voiced: bool,
) -> None:
    """``display.conclude`` for a run that may be a voice one: its metrics in the JSON
    document, or a voice line under the summary (``aic resume``, ``aic join``)."""
    metrics = await metrics_of(log, state.conversation_id) if voiced else None
    display.conclude(console, state, as_json=as_json, voice=metrics)
    if metrics is not None and not as_json:
        print_metrics(console, metrics)


def print_metrics(console: Console, metrics: dict[str, Any]) -> None:
    """The voice lines of the closing summary."""
    wer = ", ".join(f"{name} heard {rate:.0%}" for name, rate in metrics["wer"].items())
    gap = metrics["response_gap_p50_s"], metrics["response_gap_p95_s"]
    console.print(
        f"[bold]voice[/bold] {metrics['utterances']} utterances, {metrics['audio_s']:.1f}s audio; "
        f"WER {wer or '-'}; response gap p50/p95 {_s(gap[0])}/{_s(gap[1])}; "
        f"first audio {_s(metrics['time_to_first_audio_s'])}; overlap {metrics['overlap_s']:.2f}s; "
        f"interruptions {metrics['interruptions']}",
        highlight=False,
    )


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


def parse_age(text: str) -> float:
    """``7d``, ``12h``, ``30m``, ``90s``, ``2w`` in seconds; ConfigError otherwise."""
    match = _DURATION.match(text)
    if match is None:
        raise ConfigError(f"--older-than {text!r}: give a number and a unit, e.g. 7d, 12h, 30m")
    seconds = float(match.group(1)) * _UNIT_S[match.group(2)]
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"--older-than {text!r} must be a positive duration")
    return seconds


async def write_recording(runtime: Runtime, cid: str, output: Path, directory: Path) -> list[Path]:
    """``aic export ID --format recording -o DIR``."""
    from aiconv.voice.blobs import BlobStore
    from aiconv.voice.export import export_recording

    log = await connect_log(runtime.log_url, "read")
    try:
        return await export_recording(log, cid, output, BlobStore(directory))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"audio of conversation {cid} is missing from {directory} (pruned?): {exc.filename}"
        ) from exc
    finally:
        await log.close()


@command()
@option("--older-than", required=True, help="Age of what to remove, e.g. 7d, 12h, 30m.")
@option("--dry-run", is_flag=True, help="Report what would be removed; remove nothing.")
@option(
    "--conversations",
    "with_conversations",
    is_flag=True,
    help="Remove the old conversations from the log too (not only their audio).",
)
@option("--audio-dir", type=DIRECTORY, help="The audio directory to prune.")
@json_option(help="Print the report as one JSON document.")
@log_options
def prune(
    older_than: str,
    dry_run: bool,
    with_conversations: bool,
    audio_dir: Path | None,
    as_json: bool,
    **kw: Any,
) -> None:
    """Remove the recordings (audio) of conversations older than --older-than (and, with
    --conversations, those conversations)."""
    age = parse_age(older_than)
    runtime = Runtime.load(LogOptions.of(kw))
    directory = resolve_audio_dir(runtime, audio_dir)
    from aiconv.voice.blobs import BlobStore
    from aiconv.voice.prune import prune as prune_old

    async def run() -> Any:
        log = await connect_log(runtime.log_url, "read" if dry_run else "existing")
        try:
            store = BlobStore(directory)
            return await prune_old(
                log,
                store,
                cutoff=time.time() - age,
                dry_run=dry_run,
                conversations=with_conversations,
            )
        finally:
            await log.close()

    _print_report(asyncio.run(run()), older_than, directory, as_json)


def _print_report(report: Any, older_than: str, directory: Path, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    verb = "would remove" if report.dry_run else "removed"
    click.echo(
        f"{verb} {len(report.blobs)} audio files ({report.bytes / 1e6:.1f} MB) of "
        f"{len(report.recordings)} recordings older than {older_than} from"
        f" {visible_controls(str(directory))}"
    )
    for cid, count in sorted(report.recordings.items()):
        click.echo(f"  {cid}: {count} audio files")
    if report.removes_conversations:
        click.echo(f"{verb} {len(report.conversations)} conversations older than {older_than}")
        for cid in report.conversations:
            click.echo(f"  {cid}")
        for cid in report.kept:
            click.echo(f"kept {cid}: it holds the log's newest event (positions keep increasing)")
