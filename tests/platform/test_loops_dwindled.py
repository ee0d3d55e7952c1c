"""One side stops saying anything while the other keeps asking (``loop_dwindled.dwindled``):
fillers, markers and one word over and over are a collapse; short answers that answer are not."""

from __future__ import annotations

import pytest

from aiconv.platform.loops import Utterance, detect_loop


def _said(*lines: tuple[str, str]) -> list[Utterance]:
    return [Utterance(sender=s, content=c, sequence=i) for i, (s, c) in enumerate(lines, 1)]


def _first_loop(messages: list[Utterance]) -> tuple[int, str] | None:
    for end in range(1, len(messages) + 1):
        found = detect_loop(messages[:end])
        if found is not None:
            return end, found.kind
    return None


LOOPS = {
    "fillers while the customer waits": _said(
        ("customer", "My invoice for March shows two charges for the same seat licence."),
        ("bot", "Let me look at the March invoice and the seat licences on your account."),
        ("customer", "Thanks. Can you refund the second charge?"),
        ("bot", "Sure."),
        ("customer", "When will the refund arrive?"),
        ("bot", "Ok."),
        ("customer", "Hello? Is the refund on its way?"),
        ("bot", "Ok."),
    ),
    "one word over and over": _said(
        ("editor", "Write a two-line teaser for the autumn menu of the Harbour Cafe."),
        ("model", "Autumn at the Harbour Cafe: squash soup, apple crumble and menu menu menu"),
        ("editor", "The end went wrong, try again."),
        ("model", "menu menu menu menu menu menu menu menu"),
        ("editor", "Please write it without repeating a word."),
        ("model", "menu menu menu menu menu menu menu menu menu menu"),
    ),
    "a German assistant that only says ja": _said(
        ("kunde", "Ich möchte meinen Vertrag auf den Tarif mit 20 GB umstellen. Was kostet das?"),
        ("assistent", "Der Tarif mit 20 GB kostet 14,99 Euro im Monat."),
        ("kunde", "Und ab wann gilt der neue Preis?"),
        ("assistent", "Ja."),
        ("kunde", "Gibt es eine neue Mindestlaufzeit?"),
        ("assistent", "Ja."),
        ("kunde", "Ja was? Ab wann gilt er denn?"),
        ("assistent", "Ja."),
    ),
}

# Still missed (README): a marker ("[OK]") to a request for a list asked again in new words
# ("List the buckets you renamed" – "I need the list of renamed buckets"): no objection the
# rule can tell from a new request.

HEALTHY = {
    "yes and no in a guessing game": _said(
        ("guesser", "Is it something you can eat?"),
        ("host", "No."),
        ("guesser", "Is it bigger than a shoebox?"),
        ("host", "Yes."),
        ("guesser", "Does it have wheels?"),
        ("host", "Yes."),
        ("guesser", "Is it a bicycle?"),
        ("host", "Yes!"),
    ),
    "okay to each instruction of a recipe": _said(
        ("chef", "Melt 50 g of butter in the pan over a low heat."),
        ("cook", "Okay."),
        ("chef", "Add the chopped onion and let it soften for five minutes."),
        ("cook", "Okay."),
        ("chef", "Stir in the rice until every grain is glossy."),
        ("cook", "Okay."),
        ("chef", "Pour in the first ladle of stock and keep stirring."),
        ("cook", "Okay, stirring."),
    ),
    "short answers that answer": _said(
        ("teacher", "Capital of Portugal?"),
        ("pupil", "Lisbon."),
        ("teacher", "And of Norway?"),
        ("pupil", "Oslo."),
        ("teacher", "And of Chile?"),
        ("pupil", "Santiago."),
        ("teacher", "And of Kenya?"),
        ("pupil", "Nairobi."),
    ),
    "moves from a fixed set": _said(
        ("referee", "First to three. Your move?"),
        ("player", "Scissors."),
        ("referee", "I play rock, I win, 1-0. Next?"),
        ("player", "Paper."),
        ("referee", "I play rock, you win, 1-1. Next?"),
        ("player", "Paper."),
        ("referee", "I play scissors, I win, 2-1. Next?"),
        ("player", "Rock."),
    ),
    "terms given in quotes": _said(
        ("writer", "How do we translate 'checkout' in the Spanish shop?"),
        ("translator", "'Pago'."),
        ("writer", "'Wishlist'?"),
        ("translator", "'Favoritos'."),
        ("writer", "'Cart'?"),
        ("translator", "'Cesta'."),
    ),
    "agreed to each new clause": _said(
        ("notary", "Article 1: the sale price is 240,000 euros. Do you both agree?"),
        ("buyer", "Agreed."),
        ("notary", "Article 2: the keys are handed over on 3 March. Do you agree?"),
        ("buyer", "Agreed."),
        ("notary", "Article 3: the garden shed is included in the sale. Agreed?"),
        ("buyer", "Agreed."),
        ("notary", "Article 4: the seller pays the 2025 property tax. Agreed?"),
        ("buyer", "Agreed."),
    ),
}


@pytest.mark.parametrize("name", sorted(LOOPS))
def test_a_side_that_stopped_saying_anything_is_a_collapse(name: str) -> None:
    found = _first_loop(LOOPS[name])
    assert found is not None and found[1] == "collapse", (name, found)


@pytest.mark.parametrize("name", sorted(HEALTHY))
def test_short_replies_that_answer_or_acknowledge_are_no_loop(name: str) -> None:
    assert _first_loop(HEALTHY[name]) is None, name


def test_a_filler_named_in_japanese_quotes_is_objected_to_however_long_the_message() -> None:
    """「はい」 named back is an objection, though the rest of the message is a new sentence
    of several words (each kanji word a word since Japanese is read by runs of one script)."""
    said = [
        ("user", "Pythonでリストの重複を削除する方法を教えてください。"),
        ("assistant", "順番を保つなら `list(dict.fromkeys(items))` が簡単です。"),
        ("user", "リストの中に辞書が入っている場合はどうすればいいですか？"),
        ("assistant", "はい。"),
        ("user", "辞書はハッシュできないので、さっきの方法だとエラーになりますよね？"),
        ("assistant", "はい"),
        (
            "user",
            "「はい」だけでは分かりません。辞書の重複を削除する具体的な手順を教えてください。",
        ),
        ("assistant", "はい。"),
    ]
    history = [Utterance(sequence=n, sender=s, content=c) for n, (s, c) in enumerate(said, 1)]
    found = detect_loop(history)
    assert found is not None and found.kind == "collapse"
