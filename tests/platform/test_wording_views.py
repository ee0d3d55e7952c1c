"""A message's views made on first use are those of its own text, also on a copy."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from aiconv.platform import wording
from aiconv.platform.lexicon import GROUPED, NUMBER_WORDS, QUOTE_MARK, QUOTED, WORD
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
@given(st.text(alphabet="aZq b_ 1,2.3/4:5²①٣'’\"“`>-\n=+*•éसा्", max_size=60))
def test_the_words_of_a_text_are_those_of_the_word_pattern(text: str) -> None:
    """Plain ASCII text takes a shortcut to its words: the same as ``WORD`` finds."""
    unquoted = QUOTED.sub(" ", text) if QUOTE_MARK.search(text) else text
    lowered = unquoted.lower().replace("’", "").replace("'", "")
    if GROUPED.search(lowered) or not NUMBER_WORDS.keys().isdisjoint(WORD.findall(lowered)):
        return  # numbers are normalised after the words are found
    assert wording._words(text) == WORD.findall(lowered)


def test_a_comma_groups_digits_only_between_two_of_them() -> None:
    found = [bool(GROUPED.search(t)) for t in ("6,500", "a,5", "5,a", ",5", "5,", "x 1,2 y")]
    assert found == [True, False, False, False, False, True]
