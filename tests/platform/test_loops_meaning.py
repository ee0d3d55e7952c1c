"""Loops that only meaning shows, and the healthy exchanges that resemble them: a point made
four times in fresh words while the other side presses (the word vectors of ``word_vectors``
see the same point, the word lists do not), courtesy in a language no list holds; drills and
tutoring whose turns follow the other side, and an agent that restates but brings news."""

from __future__ import annotations

from aiconv.platform.word_vectors import known_words, meaning_similarity, sentence_vector
from tests.platform.dialogue import chat, first_loop


def test_a_shipping_restriction_restated_in_fresh_words_while_the_buyer_presses_is_a_loop() -> None:
    history = chat(
        "buyer: Can you ship the lithium battery pack to my island address?",
        "seller: Sorry, dangerous goods cannot go by air freight to your region.",
        "buyer: Is there any other way to get it to me?",
        "seller: Hazardous items like that are barred from flights to remote areas.",
        "buyer: What about sea freight, then?",
        "seller: Carriers refuse to fly batteries of this kind out to islands.",
        "buyer: You're not answering my question.",
        "seller: Airlines won't transport such hazardous cargo to your location.",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "paraphrase"
    assert found.sequences == (2, 4, 6, 8)


def test_thanks_in_a_language_no_list_holds_are_a_collapse() -> None:
    history = chat(
        "asiakas: Kiitos paljon avusta!",
        "palvelu: Ole hyvä!",
        "asiakas: Kiitos vielä kerran!",
        "palvelu: Eipä kestä, hyvää päivänjatkoa!",
        "asiakas: Samoin, kiitos!",
        "palvelu: Kiitos, näkemiin!",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "collapse"


def test_a_restriction_stated_then_worked_around_with_figures_is_not_a_loop() -> None:
    history = chat(
        "buyer: Can you ship the lithium battery pack to my island address?",
        "seller: Dangerous goods cannot go by air to your region, I'm afraid.",
        "buyer: Is there any other way to get it to me?",
        "seller: Yes: sea freight via Kirkwall takes 9 days and costs 18 pounds.",
        "buyer: What about insurance?",
        "seller: Cover up to 500 pounds is included on the sea service.",
        "buyer: Fine, book it.",
        "seller: Booked, tracking number SF-40912 will follow by email.",
    )
    assert first_loop(history) is None


def test_a_drill_whose_questions_follow_the_answers_is_not_a_loop() -> None:
    history = chat(
        "coach: Which muscle does a squat mainly train?",
        "trainee: Mostly the quadriceps, plus the glutes.",
        "coach: Good. And which muscle does a deadlift mainly train?",
        "trainee: The hamstrings and the lower back.",
        "coach: Right. Which muscle does a bench press mainly train?",
        "trainee: The chest, with the triceps helping.",
        "coach: Yes. Which muscle does a pull-up mainly train?",
        "trainee: The lats, and the biceps assist.",
    )
    assert first_loop(history) is None


def test_a_cheering_crowd_with_scores_is_not_an_exclaimed_collapse() -> None:
    history = chat(
        "fan_a: Goal! 1-0!",
        "fan_b: What a strike!",
        "fan_a: Unbelievable!",
        "fan_b: Another one, 2-0!",
        "fan_a: Incredible!",
        "fan_b: 3-0 now!",
    )
    assert first_loop(history) is None


def test_terse_acknowledgements_coming_round_in_a_language_no_list_holds_are_a_collapse() -> None:
    history = chat(
        "ügyfél: A 2231-es rendelést átírtam a Petőfi utca 9-re, holnap szállítják.",
        "futár: Rendben, köszönöm szépen.",
        "ügyfél: Nagyon szívesen.",
        "futár: Rendben.",
        "ügyfél: Jó, jó.",
        "futár: Oké.",
        "ügyfél: Rendben, oké.",
        "futár: Jó.",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "collapse"


def test_terse_acknowledgements_with_emoji_are_a_collapse_too() -> None:
    # An emoji beside three words is no fourth word (Tagalog: "Opo po 😊" - "👍" - "Sige po 🙏").
    history = chat(
        "customer: Hello po, kailan darating ang order ko na PH-5521?",
        "shop: Hello po! Naipadala na po kaninang umaga, darating bukas ng hapon 🚚",
        "customer: sige",
        "shop: Opo po 😊",
        "customer: 👍",
        "shop: Sige po, salamat 🙏",
        "customer: sige sige",
        "shop: Opo, salamat po ❤️",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "collapse"


def test_a_word_game_of_one_new_word_a_turn_is_no_collapse() -> None:
    history = chat(
        "anna: Let's play word association. Ocean.",
        "ben: Wave.",
        "anna: Surfer.",
        "ben: Board game.",
        "anna: Chess.",
        "ben: Checkmate.",
        "anna: King.",
        "ben: Crown jewels.",
    )
    assert first_loop(history) is None


def test_words_of_one_meaning_lie_closer_than_unrelated_ones() -> None:
    same = meaning_similarity("the warranty has expired", "the guarantee ran out")
    other = meaning_similarity("the warranty has expired", "the train leaves at noon")
    assert same > other + 0.2


def test_a_message_without_known_words_has_no_direction() -> None:
    assert known_words("12345 ??? ---") == 0
    assert set(sentence_vector("12345 ??? ---")) == {0.0}
    assert meaning_similarity("12345", "the refund was issued") == 0.0
    assert abs(sum(x * x for x in sentence_vector("the refund was issued")) - 1.0) < 1e-9
