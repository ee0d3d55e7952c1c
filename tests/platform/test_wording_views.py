"""A message's views made on first use are those of its own text, also on a copy."""

from __future__ import annotations

import dataclasses
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from aiconv.platform import wording
from aiconv.platform.lexicon import GROUPED, NUMBER_WORDS, QUOTE_MARK, QUOTED, UNSPACED, WORD
from aiconv.platform.wording import features


def test_a_copy_with_another_source_makes_its_own_lazy_views() -> None:
    first = features("Please send it to 9 Oak Street, the blue door.")
    assert first.instructs and first.raw == "please send it to 9 oak street, the blue door."
    copy = dataclasses.replace(first, source="Thanks, that was all.", text="thanks that was all")
    assert copy.raw == "thanks, that was all."
    assert copy.sorted_text == "all thanks that was"
    assert not copy.instructs
    assert first.raw == "please send it to 9 oak street, the blue door."  # its own, unchanged


@settings(max_examples=400)
@given(st.text(alphabet="aZq b_ 1,2.3/4:5²①٣'’\"“`>-\n=+*•éसा्\x00", max_size=60))
def test_the_words_of_a_text_are_those_of_the_word_pattern(text: str) -> None:
    """Plain ASCII text takes a shortcut to its words: the same as ``WORD`` finds."""
    unquoted = QUOTED.sub(" ", text) if QUOTE_MARK.search(text) else text
    lowered = unquoted.lower().replace("’", "").replace("'", "")
    if GROUPED.search(lowered) or not NUMBER_WORDS.keys().isdisjoint(WORD.findall(lowered)):
        return  # numbers are normalised after the words are found
    assert wording._words(text)[0] == WORD.findall(lowered)


def test_a_comma_groups_digits_only_between_two_of_them() -> None:
    found = [bool(GROUPED.search(t)) for t in ("6,500", "a,5", "5,a", ",5", "5,", "x 1,2 y")]
    assert found == [True, False, False, False, False, True]


def test_a_chinese_clause_is_read_as_pairs_of_characters() -> None:
    """Chinese writes no spaces: a clause is no word, its neighbouring characters are."""
    words, grammar, count = wording._words("你先确认日程，我再订会议室。")
    assert words == [
        "你先",
        "先确",
        "确认",
        "认日",
        "日程",
        "我再",
        "再订",
        "订会",
        "会议",
        "议室",
    ]
    assert grammar == {"你先", "我再"}  # pairs of function characters: no content
    assert count == 6  # words stand for about half the characters


def test_two_chinese_messages_naming_one_thing_share_its_words() -> None:
    first = features("周二下午我需要先确认一下团队的日程。你能先确认一下会议室吗？")
    second = features("团队日程要看会议室哪天有空，你先查一下会议室。")
    assert {"会议", "议室", "团队", "日程"} <= first.facts & second.facts
    assert not features("我们可以。").facts  # function words only ("we can"): no fact


def test_japanese_is_split_where_the_script_changes_its_endings_being_grammar() -> None:
    view = features("会議室を予約してください。メニューはありますか？")
    assert view.text == "会議 議室 を 予約 してください メニュー はありますか"
    assert view.content == {"会議", "議室", "予約", "メニュー"}  # particles, endings aside
    assert view.words == 4  # 会議室, 予約して…, メニュー: an ending is part of its word
    assert features("「紅葉」は「もみじ」と読みます。").facts == {"紅葉", "もみじ", "読"}
    assert features("はい。").content == {"はい"}  # a word of hiragana alone is a word


def test_thai_is_read_as_pairs_of_letters_with_their_marks() -> None:
    """Thai writes spaces between phrases only; a letter keeps its marks and the vowel written
    before it ("เป", "ลี่"), so no pair splits a syllable's marks from it."""
    words = wording._words("เปลี่ยนแพ็กเกจ")[0]
    assert words == ["เปลี่", "ลี่ย", "ยน", "นแพ็", "แพ็ก", "กเก", "เกจ"]
    assert features("ขอเปลี่ยนแพ็กเกจครับ").facts & features("แพ็กเกจ 599 บาท").facts


@settings(max_examples=400)
@given(st.text(alphabet="aZq b_ 1,2.3/4:5'’\"éсяש日本語をはメニュー会议ไทย่", max_size=60))
def test_words_of_spaced_scripts_are_the_same_beside_unspaced_ones(text: str) -> None:
    """Only the words of the scripts written without spaces are split; every other word is
    found as before, in its place."""
    unquoted = QUOTED.sub(" ", text) if QUOTE_MARK.search(text) else text
    lowered = unquoted.lower().replace("’", "").replace("'", "")
    if GROUPED.search(lowered) or not NUMBER_WORDS.keys().isdisjoint(WORD.findall(lowered)):
        return  # numbers are normalised after the words are found
    found = WORD.findall(lowered)
    words, _, count = wording._words(text)
    after = iter(words)
    assert all(w in after for w in found if not UNSPACED.search(w))  # each, in its order
    if not UNSPACED.search(lowered):
        assert words == found and count in (-1, len(found))


@settings(max_examples=300)
@given(st.text(alphabet="ありがとうございますです、。！ a?ー本当に", max_size=70))
def test_a_japanese_pleasantry_is_told_as_before_ascii_set_aside_first(text: str) -> None:
    """``_is_japanese_courtesy`` answers an ASCII text without searching it for kana (none can
    be there): the same answers as searching every text first."""
    from aiconv.platform.lexicon import JAPANESE_COURTESY, KANA

    def reference(content: str) -> bool:
        if not KANA.search(content) or len(content) > 60:
            return False
        left = JAPANESE_COURTESY.sub("", content)
        return len(left) <= 2 < len(content.strip(" 、。！!？?")) - len(left)

    assert wording._is_japanese_courtesy(text) == reference(text)
    assert wording._is_japanese_courtesy("ありがとうございます！")  # (one that is)


def _words_before(content: str) -> object:
    """``wording._words`` as it was before its cheaper steps (``str.translate`` of a dict,
    the spoken digits and the number words each looked up in every text): the reference."""
    from aiconv.platform import unspaced
    from aiconv.platform.lexicon import COMPOUND_NUMBER, SPOKEN_DIGITS, compound_number

    table = {
        code: "\0" if chr(code) in "0123456789_" else " "
        for code in range(128)
        if not ord("a") <= code <= ord("z")
    }
    unquoted = QUOTED.sub(" ", content) if QUOTE_MARK.search(content) else content
    unquoted = unquoted.lower().replace("’", "").replace("'", "")
    spaced = unquoted.translate(table) if unquoted.isascii() else "\0"
    plain = "\0" not in spaced
    words = spaced.split() if plain else WORD.findall(unquoted)
    if not SPOKEN_DIGITS.keys().isdisjoint(words):
        words = wording._dictated(words)
    if GROUPED.search(unquoted) or not NUMBER_WORDS.keys().isdisjoint(words):
        if COMPOUND_NUMBER.search(unquoted):
            words = WORD.findall(COMPOUND_NUMBER.sub(compound_number, unquoted))
        words = [wording._normal(w) for w in words]
    if plain or "".join(words).isascii() or not UNSPACED.search(unquoted):
        return words, frozenset(), -1
    return unspaced.split(words)


_SAID = st.sampled_from(["two", "zero", "one", "six", "forty-five", "twelve", "zéro", "sept"])


@settings(max_examples=400)
@given(st.lists(st.one_of(_SAID, st.text(alphabet="aZq b_1,2.3'’\"\x00\u00e9-\n", max_size=8))))
def test_a_texts_words_are_those_made_before_its_cheaper_steps(parts: list[str]) -> None:
    text = " ".join(parts)
    assert wording._words(text) == _words_before(text)


def test_every_corpus_messages_words_are_those_made_before_its_cheaper_steps() -> None:
    import json
    from pathlib import Path

    data = Path(__file__).resolve().parent.parent / "data"
    for name in ("detection_corpus.jsonl", "detection_heldout.jsonl"):
        for line in (data / name).read_text(encoding="utf-8").splitlines():
            for message in json.loads(line)["messages"]:
                assert wording._words(message["content"]) == _words_before(message["content"])


def test_no_character_is_both_a_letter_and_a_digit() -> None:
    """What lets ``features`` skip its words' numbers in a text of letters alone."""
    assert not any(chr(c).isalpha() and chr(c).isdigit() for c in range(sys.maxunicode + 1))


@settings(max_examples=400)
@given(st.text(alphabet="ab Z9 ²①٣ 4.2,0 é_'", max_size=40))
def test_a_texts_numbers_are_its_words_that_begin_with_a_digit(text: str) -> None:
    words = wording._words(text)[0]
    fresh = wording.features.__wrapped__(text)  # type: ignore[attr-defined]
    assert fresh.numbers == frozenset(w for w in words if w[0].isdigit())


def test_a_clustered_scripts_mark_alone_after_another_script_makes_no_word() -> None:
    """A Myanmar tone mark ("ၬ") after a Tagalog letter: a run of marks alone, no unit; it
    made an empty word, on which the stemmer raised (found by the arbitrary-text test)."""
    assert wording._words("ᜇၬ")[0] == ["ᜇ"]
    assert features("⟮\u2d68ᜇၬ⯏ᬒ").content == frozenset({"ᜇ", "ᬒ"})
