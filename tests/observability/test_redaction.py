"""Secrets are scrubbed from text that leaves the process: printed URLs and stored errors."""

from __future__ import annotations

import pytest

from aiconv.errors import ProviderRejected
from aiconv.observability.redaction import has_credentials, redact_url, scrub
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import ParticipantSpec
from aiconv.queues.memory import InMemoryLog
from aiconv.testing.providers import ScriptedProvider


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("redis://app:s3cret-pass@redis.internal:6379/0", "s3cret-pass"),
        ("rediss://:onlypass@h/1?prefix=x", "onlypass"),
        ("https://ghp_tokenAsUserName@git.example/x", "ghp_tokenAsUserName"),
        ("http://bob%3As3cret-pass@h/", "s3cret-pass"),
        ("https://gw.example/v1?api_key=abc123def", "abc123def"),
        ("401: invalid key sk-ant-api03-abcdefghijklmnop", "sk-ant-api03-abcdefghijklmnop"),
        ("Authorization: Bearer abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz"),
    ],
)
def test_secrets_are_replaced(text: str, secret: str) -> None:
    assert secret not in scrub(text)
    assert secret not in redact_url(text)
    assert "[REDACTED]" in scrub(text)


def test_plain_urls_are_left_alone() -> None:
    url = "redis://127.0.0.1:6379/0?prefix=team-a"
    assert redact_url(url) == url
    assert not has_credentials(url)
    assert has_credentials("http://u:p@h/")


async def test_a_vendor_error_that_echoes_the_key_is_stored_scrubbed() -> None:
    log = InMemoryLog()
    conductor = Conductor(log)
    pair = [ParticipantSpec(name="a", agent="x"), ParticipantSpec(name="b", agent="x")]
    state = await session.create(conductor, topic="t", participants=pair)
    leaky = ProviderRejected("401 Unauthorized: key sk-proj-0123456789abcdefXYZ is invalid")
    seats = {"a": ScriptedProvider([leaky]), "b": ScriptedProvider(["b"])}
    await session.play_all(conductor, state.conversation_id, seats)
    stored = b"".join(e.data for e in await log.read(state.conversation_id))
    assert b"sk-proj-0123456789abcdefXYZ" not in stored
    assert b"[REDACTED]" in stored
