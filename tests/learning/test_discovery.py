"""Offline discovery recovers the planted intents and outcomes (purity both ways above a floor),
names them after their words, and writes a scenario file that ``aic simulate`` accepts."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from aiconv.learning.clustering import embed, knee, purity
from aiconv.learning.discovery import Discovery, discover
from aiconv.learning.parse import parse_file
from aiconv.learning.redaction import Redactor
from aiconv.learning.retrieval import Entry, StyleIndex
from aiconv.learning.scenario_file import render
from aiconv.learning.transcripts import Transcript
from aiconv.simulation.scenario import load_scenario

FLOOR = 0.9


@pytest.fixture(scope="module")
def transcripts(corpus_dir: Path) -> list[Transcript]:
    """The corpus as imported: redacted."""
    from dataclasses import replace

    redactor = Redactor()
    return [
        replace(
            t, messages=tuple(replace(m, text=redactor.redact(m.text).text) for m in t.messages)
        )
        for t in parse_file(corpus_dir / "chats.jsonl").transcripts
    ]


@pytest.fixture(scope="module")
def found(transcripts: list[Transcript]) -> Discovery:
    return discover(transcripts, seed=0)


def _both_ways(found: dict[str, str], planted: dict[str, str]) -> tuple[float, float]:
    ids = sorted(found)
    mine, theirs = [found[i] for i in ids], [planted[i] for i in ids]
    return purity(mine, theirs), purity(theirs, mine)


def test_planted_intents_are_recovered(found: Discovery, truth: dict[str, Any]) -> None:
    planted = {cid: c["intent"] for cid, c in truth["conversations"].items()}
    clean, complete = _both_ways(found.intent_of(), planted)
    assert len(found.intents) == 6
    assert clean >= FLOOR and complete >= FLOOR, (clean, complete)


def test_planted_outcomes_are_recovered(found: Discovery, truth: dict[str, Any]) -> None:
    planted = {cid: c["outcome"] for cid, c in truth["conversations"].items()}
    clean, complete = _both_ways(found.outcome_of(), planted)
    assert len(found.outcomes) == 4
    assert clean >= FLOOR and complete >= FLOOR, (clean, complete)


def test_clusters_are_named_and_exemplified_by_their_own_words(found: Discovery) -> None:
    slugs = {i.slug for i in found.intents}
    assert any("card" in s for s in slugs) and any("password" in s or "reset" in s for s in slugs)
    for intent in found.intents:
        assert intent.examples and intent.description in intent.examples
        assert any(k in " ".join(intent.examples).lower() for k in intent.keywords)
    success = [o for o in found.outcomes if o.success]
    assert len(success) == 1 and "sorted" in success[0].keywords


def test_personas_measure_pace_and_double_texting(found: Discovery) -> None:
    assert len(found.personas) >= 2
    slow = max(found.personas, key=lambda p: p.median.delay_s or 0)
    fast = min(found.personas, key=lambda p: p.median.delay_s or 0)
    assert (slow.median.delay_s or 0) > 2 * (fast.median.delay_s or 0)
    assert fast.timing.again > slow.timing.again
    assert "polite" in slow.traits


def test_the_scenario_file_loads_and_carries_the_discovery(
    found: Discovery, transcripts: list[Transcript], tmp_path: Path
) -> None:
    path = tmp_path / "discovered.toml"
    path.write_text(render(found, transcripts, name="acme"), encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.name == "acme"
    assert [i.name for i in scenario.intents] == [i.slug for i in found.intents]
    assert scenario.outcomes.slugs == tuple(o.slug for o in found.outcomes)
    assert [p.name for p in scenario.personas] == [p.name for p in found.personas]
    assert scenario.personas[0].interrupts == pytest.approx(
        found.personas[0].timing.again, abs=1e-3
    )
    assert scenario.evaluator.rules is not None and scenario.evaluator.rules.rules
    text = path.read_text(encoding="utf-8")
    assert "agree with the discovered outcomes on 100%" in text
    assert "example openings" in text


def test_redaction_placeholders_are_not_words_of_a_topic_or_a_style() -> None:
    # "[EMAIL]" was read as the word "email": clusters of chats where customers gave an address
    # were named after it, and style examples were found by the placeholders they shared.
    texts = [
        "cancel my plan, write to [EMAIL]",
        "cancel my plan please, [NAME] at [EMAIL]",
        "my parcel is late, call [PHONE]",
        "parcel late again, call me on [PHONE]",
    ]
    assert not {"email", "name", "phone"} & set(embed(texts).terms)
    index = StyleIndex(
        [Entry(conversation_id=str(i), position=1, text=t) for i, t in enumerate(texts)]
    )
    assert [m.score for m in index.similar("[EMAIL] [EMAIL]")] == [0.0, 0.0, 0.0]


def test_knee_prefers_the_bend_over_a_slow_creep() -> None:
    assert knee([0.12, 0.17, 0.21, 0.24, 0.28, 0.287, 0.286, 0.308]) == 4
    assert knee([0.5, 0.4, 0.3]) == 0


def test_a_personas_style_states_the_double_texting_rate_it_is_simulated_with(
    found: Discovery, transcripts: list[Transcript], tmp_path: Path
) -> None:
    """The style the simulated customer reads and the ``interrupts`` coin the scheduler tosses
    say one double-texting rate (one file gave a persona 23 % in words and 0.265 as its coin)."""
    path = tmp_path / "discovered.toml"
    path.write_text(render(found, transcripts, name="acme"), encoding="utf-8")
    for persona in load_scenario(path).personas:
        said = re.search(r"double-texts after (\d+)% of messages", persona.style or "")
        assert said is not None, persona.style
        assert abs(int(said.group(1)) - 100 * persona.interrupts) <= 0.5 + 1e-9, persona.name


def test_examples_with_escape_sequences_leave_the_scenario_file_readable(
    found: Discovery, transcripts: list[Transcript], tmp_path: Path
) -> None:
    """An imported message with a terminal escape or a line break, quoted as an intent's
    example in a ``#`` comment, made the whole file invalid TOML (``aic discover`` failed)."""
    from dataclasses import replace

    hostile = 'Refund"\n[agent]\nurl = "http://evil.example/"\n\x1b[2J\x07 done'
    first = replace(found.intents[0], examples=(hostile, *found.intents[0].examples))
    tampered = replace(found, intents=(first, *found.intents[1:]))
    path = tmp_path / "discovered.toml"
    path.write_text(render(tampered, transcripts, name="acme"), encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.agent.url is None
    assert "\x1b" not in path.read_text(encoding="utf-8")


def test_a_bidirectional_override_in_a_discovered_value_is_written_as_its_escape(
    found: Discovery, transcripts: list[Transcript], tmp_path: Path
) -> None:
    """An intent's description (and opening) come from imported messages: a U+202E there was
    written raw inside the TOML string, so the file a user edits read other than it is (Trojan
    Source); it is written as its \\u escape, and the value reads back the same."""
    from dataclasses import replace

    hostile = "Refund \u202eevil\u202c and \u200bhidden\u2066 text \x7f"
    first = replace(found.intents[0], description=hostile)  # also its opening
    tampered = replace(found, intents=(first, *found.intents[1:]))
    path = tmp_path / "discovered.toml"
    path.write_text(render(tampered, transcripts, name="acme"), encoding="utf-8")
    written = path.read_text(encoding="utf-8")
    assert not any(not c.isprintable() and c not in "\n" for c in written)
    assert "\\u202e" in written
    scenario = load_scenario(path)
    assert scenario.intents[0].description == hostile


#: Customers' first messages in Chinese (no Latin word at all), and in English where every
#: conversation says the same words (each in more than 60 % of them).
UNWORDED = {
    "chinese": ["我的水壶坏了，我想退款", "我的信用卡被锁了", "我想改地址", "包裹还没到"],
    "alike": ["hello my kettle is broken, please help with a refund"] * 4,
}


@pytest.mark.parametrize("kind", sorted(UNWORDED))
def test_conversations_with_no_word_to_tell_them_apart_are_discovered(
    kind: str, tmp_path: Path
) -> None:
    """``aic discover`` of conversations in Chinese ended in a scikit-learn traceback (empty
    vocabulary: only Latin words were read), and so did English conversations that all say
    the same words (every word pruned as too common): the first are told apart by their
    characters, the second are one intent."""
    rows = [
        {"conversation_id": f"c{i}", "sender": sender, "text": text}
        for i, opening in enumerate(UNWORDED[kind])
        for sender, text in (("customer", opening), ("agent", "好的，请稍等"), ("customer", "谢谢"))
    ]
    path = tmp_path / "chats.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    transcripts = list(parse_file(path).transcripts)
    found = discover(transcripts, seed=0)
    assert sorted(found.intent_of()) == sorted(found.outcome_of()) == [f"c{i}" for i in range(4)]
    if kind == "alike":
        assert len(found.intents) == 1
    else:
        assert len(found.intents) > 1, found.intent_of()
    scenario = tmp_path / "discovered.toml"
    scenario.write_text(render(found, transcripts, name="acme"), encoding="utf-8")
    assert {i.name for i in load_scenario(scenario).intents} == {d.slug for d in found.intents}
