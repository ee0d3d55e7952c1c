"""The timing fit reproduces the planted delays and double-texting; retrieval returns the planted
nearest examples; the realism classifier tells mock customers from real ones but not real from
real."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from aiconv.agents.messages import ChatMessage, ChatRequest
from aiconv.agents.providers.offline import MockProvider
from aiconv.errors import ConfigError
from aiconv.learning.pacing import Distribution, fit_timing
from aiconv.learning.parse import parse_file
from aiconv.learning.realism import judge_realism, measure_realism
from aiconv.learning.retrieval import StyleIndex
from aiconv.learning.transcripts import Transcript
from aiconv.testing import ScriptedProvider


@pytest.fixture(scope="module")
def transcripts(corpus_dir: Path) -> list[Transcript]:
    return list(parse_file(corpus_dir / "chats.jsonl").transcripts)


def _ks(sample: list[float], reference: list[float]) -> float:
    """The Kolmogorov–Smirnov distance of two samples."""
    points = sorted(set(sample) | set(reference))
    a, b = sorted(sample), sorted(reference)
    import bisect

    return max(
        abs(bisect.bisect_right(a, x) / len(a) - bisect.bisect_right(b, x) / len(b)) for x in points
    )


def test_reply_delays_follow_the_planted_distribution_per_persona(
    transcripts: list[Transcript], truth: dict[str, Any]
) -> None:
    rng = random.Random(1)
    for planted in truth["personas"]:
        mine = [
            t
            for t in transcripts
            if truth["conversations"][t.source_id]["persona"] == planted["name"]
        ]
        fit = fit_timing(mine)
        median = fit.customer_reply.median
        assert median == pytest.approx(planted["delay_median_s"], rel=0.2), planted["name"]
        expected = [
            rng.lognormvariate(
                __import__("math").log(planted["delay_median_s"]), planted["delay_sigma"]
            )
            for _ in range(2000)
        ]
        drawn = [fit.customer_reply.sample(rng) for _ in range(2000)]
        assert _ks(drawn, expected) < 0.12, planted["name"]
        # each message may be followed by one double text, never two: again = p / (1 + p)
        p = planted["double_text"]
        assert fit.again == pytest.approx(p / (1 + p), abs=0.06), planted["name"]
        assert fit.max_streak == 2


def test_agent_and_follow_up_delays_are_fitted(
    transcripts: list[Transcript], truth: dict[str, Any]
) -> None:
    fit = fit_timing(transcripts)
    assert fit.agent_reply.median == pytest.approx(truth["agent_delay"][0], rel=0.15)
    assert fit.customer_follow_up.median == pytest.approx(truth["follow_up_delay"][0], rel=0.2)
    assert fit.conversations == len(transcripts)


def test_untimed_transcripts_still_give_double_texting(corpus_dir: Path) -> None:
    fit = fit_timing(parse_file(corpus_dir / "chats.messages.jsonl").transcripts)
    assert fit.customer_reply.count == 0 and fit.conversations == 0
    assert 0.05 < fit.again < 0.4


def test_distribution_sampling_stays_within_the_data() -> None:
    fit = Distribution.fit([1.0, 2.0, 3.0, float("nan"), -4.0])
    assert fit.count == 3 and fit.median == 2.0
    rng = random.Random(0)
    assert all(1.0 <= fit.sample(rng) <= 3.0 for _ in range(100))
    assert Distribution.fit([]).sample(rng) == 0.0


def test_retrieval_returns_the_planted_needles(
    transcripts: list[Transcript], truth: dict[str, Any]
) -> None:
    index = StyleIndex.from_transcripts(transcripts)
    for intent, needle, query in truth["needles"]:
        [best, *rest] = index.similar(query, k=3)
        assert best.entry.text.lower() == needle.lower()  # terse customers write in lower case
        assert best.score > 1.5 * rest[0].score
        assert truth["conversations"][best.entry.conversation_id]["intent"] == intent


def test_retrieval_stays_within_an_intent_and_survives_a_round_trip(
    transcripts: list[Transcript], truth: dict[str, Any], tmp_path: Path
) -> None:
    intents = {cid: c["intent"] for cid, c in truth["conversations"].items()}
    index = StyleIndex.from_transcripts(transcripts, intents=intents)
    index.save(tmp_path / "style.json")
    loaded = StyleIndex.load(tmp_path / "style.json")
    found = loaded.similar("my card", k=5, intent="refund_request")
    assert len(found) == 5
    assert {m.entry.intent for m in found} == {"refund_request"}
    assert len({m.entry.text.lower() for m in found}) == 5  # no duplicates
    unknown = loaded.similar("my card", k=2, intent="no-such-intent")
    assert len(unknown) == 2  # an unknown label does not empty the result


def test_a_damaged_index_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a style index"):
        StyleIndex.load(tmp_path / "x.json")
    with pytest.raises(ConfigError, match="no style index"):
        StyleIndex.load(tmp_path / "missing.json")


async def _mock_customer_messages(count: int) -> list[str]:
    provider = MockProvider()
    out = []
    for turn in range(count):
        request = ChatRequest(
            model="mock-chat",
            system="You are a customer.",
            messages=(ChatMessage(role="user", content="Hello, how can I help?"),),
            context={"topic": "My card is lost", "seed": turn, "turn": turn % 4},
        )
        out.append((await provider.complete(request)).content)
    return out


async def test_realism_tells_mock_customers_from_real_ones(transcripts: list[Transcript]) -> None:
    real = [m.text for t in transcripts for m in t.customer_messages]
    report = measure_realism(real, await _mock_customer_messages(120))
    assert report.accuracy >= 0.9
    assert "easy to tell apart" in report.describe()


def test_realism_cannot_tell_real_from_real(transcripts: list[Transcript]) -> None:
    real = [m.text for t in transcripts for m in t.customer_messages]
    random.Random(3).shuffle(real)
    half = len(real) // 2
    report = measure_realism(real[:half], real[half:])
    assert 0.35 <= report.accuracy <= 0.65
    assert "indistinguishable" in report.describe()


def test_realism_needs_enough_messages() -> None:
    with pytest.raises(ValueError, match="at least 5"):
        measure_realism(["a"] * 3, ["b"] * 10)


async def test_a_judge_that_never_answers_measures_nothing(transcripts: list[Transcript]) -> None:
    """A judge whose replies are not the asked JSON: its pairs are unanswered, not wrong
    guesses (it read "0% accuracy … indistinguishable", a perfect simulation)."""
    real = [m.text for t in transcripts for m in t.customer_messages]
    judge = ScriptedProvider(["I cannot tell."] * 5)
    report = await judge_realism(judge, real, await _mock_customer_messages(40), pairs=20)
    assert (report.real, report.unanswered) == (0, 20)
    assert "no usable answer" in report.describe()
    assert "indistinguishable" not in report.describe()
