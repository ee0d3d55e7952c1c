"""A message's views made on first use are those of its own text, also on a copy."""

from __future__ import annotations

import dataclasses

from aiconv.platform.wording import features


def test_a_copy_with_another_source_makes_its_own_lazy_views() -> None:
    first = features("Please send it to 9 Oak Street, the blue door.")
    assert first.instructs and first.raw == "please send it to 9 oak street, the blue door."
    copy = dataclasses.replace(first, source="Thanks, that was all.", text="thanks that was all")
    assert copy.raw == "thanks, that was all."
    assert copy.sorted_text == "all thanks that was"
    assert not copy.instructs
    assert first.raw == "please send it to 9 oak street, the blue door."  # its own, unchanged
