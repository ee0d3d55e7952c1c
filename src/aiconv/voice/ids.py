"""Which agent ids are voice agents (pure, importable without the voice extra)."""

from __future__ import annotations

from aiconv.errors import ConfigError

REALTIME_IDS = ("realtime", "openai-realtime")


def is_voice_agent(agent_id: str) -> bool:
    """Whether ``agent_id`` names an agent that takes part only by voice: ``realtime[:model]``
    (the OpenAI Realtime API) or a ``ws://``/``wss://`` voice agent."""
    return agent_id.split(":", 1)[0] in REALTIME_IDS or agent_id.startswith(("ws://", "wss://"))


def check_voice_agents(agents: list[tuple[str, str]], *, voice: bool, first: str | None) -> None:
    """ConfigError for a voice agent in a text conversation, or one asked to speak first.

    ``agents`` are (participant name, agent id) in speaking order.
    """
    voiced = [name for name, agent_id in agents if is_voice_agent(agent_id)]
    if voiced and not voice:
        raise ConfigError(
            f"{voiced[0]} is a voice agent and takes part only in a voice conversation: add --voice"
        )
    opener = first or (agents[0][0] if agents else None)
    if opener in voiced:
        raise ConfigError(
            f"{opener} is a voice agent: it answers the caller and cannot speak first "
            "(let another participant open, e.g. --first)"
        )
