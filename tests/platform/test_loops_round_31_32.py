"""What blind rounds 31 and 32 taught (README, "Rounds 31 and 32, read and tuned on"). Examples
written anew, not the rounds' lines."""

from __future__ import annotations

import pytest

from aiconv.platform import loop_learned
from aiconv.platform.loop_acts import repeated_act
from aiconv.platform.loop_unmoved import trigrams
from aiconv.platform.loops import LoopConfig
from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)


def test_a_puzzle_ticking_its_clues_off_by_number_holds_no_position() -> None:
    # Each side's messages share a lone digit ("clue 2", "house 3") and the two sides' differ:
    # no price held apart, the clues and places of a puzzle running through every step.
    history = chat(
        "ines: Puzzle: three neighbours (Ola, Piet, Rui) live in houses 1-3 and each keeps one "
        "animal (goat, hen, pig).\n1. Ola lives in house 2.\n2. The hen lives in house 1.\n"
        "3. Rui keeps the pig.\nLet's tick the clues off one by one.",
        "jon: Clue 1 ticked: Ola is in house 2. Houses 1 and 3 remain for Piet and Rui.",
        "ines: Clue 2 next: the hen is in house 1, and clue 3 says Rui keeps the pig, so Rui is "
        "not in house 1: Rui lives in house 3.",
        "jon: Then Piet lives in house 1 and keeps the hen (clue 2 again); houses 1 and 3 settled.",
        "ines: Only the goat is left, so Ola keeps it. Clue 2 and clue 1 agree with that.",
        "jon: Final check against clues 1, 3 and 2: Piet in 1 with the hen, Ola in 3? No: Ola "
        "in 2 with the goat, Rui in 3 with the pig.",
        "ines: Shall I write the answer as a table for the user, house 2 in the middle row?",
        "jon: Yes. And note where clue 3 did the work.",
    )
    assert first_loop(history) is None


def test_returns_taken_item_by_item_are_no_point_restated() -> None:
    # The same question for each item of an order, the customer giving the same reason again
    # ("same thing"): each of the agent's messages names the next item of the list it set out.
    history = chat(
        "customer: I'd like to return some things from order 55120.",
        "agent: Order 55120 holds:\n1. Cotton napkin set, blue, $18.00\n2. Cotton napkin set, "
        "green, $18.00\n3. Ceramic table lamp with a linen shade, $89.00\nWhich would you like "
        "to return?",
        "customer: all three",
        "agent: Sure, let's take them one at a time. Item 1: Cotton napkin set, blue, $18.00 - "
        "what's the reason for return?",
        "customer: the colour is nothing like the website photo",
        "agent: Noted: item 1, reason 'not as pictured'. Item 2: Cotton napkin set, green, "
        "$18.00 - what's the reason for return?",
        "customer: same thing, not as pictured",
        "agent: Noted: item 2, reason 'not as pictured'. Item 3: Ceramic table lamp with a linen "
        "shade, $89.00 - what's the reason for return?",
        "customer: the lamp base arrived with a chip in it",
        "agent: Noted: item 3, reason 'damaged'. Refund of $125.00 to your card; return label "
        "RMA-4410 sent by email.",
    )
    assert first_loop(history) is None


def test_the_same_price_confirmed_for_each_passenger_in_turn_is_a_checklist() -> None:
    # "yes" presses when it says again what was answered; here the agent's figures are the
    # same for each passenger it names, one after the other.
    history = chat(
        "customer: hi, booking K7PLQ2, three of us to Lisbon, we need seats with extra legroom",
        "agent: I see Marta Silva, Nuno Silva and Ines Silva on TP 1351, May 4, and back on "
        "May 11. Extra legroom is $25 per seat, per flight.",
        "customer: ok all three please",
        "agent: Let's go one by one. Marta Silva: extra legroom, outbound and return, $50 for 2 "
        "flights. Confirm?",
        "customer: yes",
        "agent: Added for Marta. Nuno Silva: extra legroom, outbound and return, $50 for 2 "
        "flights. Confirm?",
        "customer: yes",
        "agent: Added for Nuno. Ines Silva: extra legroom, outbound and return, $50 for 2 "
        "flights. Confirm?",
        "customer: yes. and can Ines sit by the window?",
        "agent: Added. Ines is in 14A, a window. Total $150, charged to the card on the booking.",
    )
    assert first_loop(history) is None


def test_a_figure_inside_a_clause_of_an_unspaced_script_keeps_its_pairs() -> None:
    # Whole, "签收后30天内" was one gram, and a restatement naming the same 30 days shared
    # nothing with it.
    grams = trigrams("售后申请的期限是签收后30天内")
    assert {"签收", "#30", "天内", "售后"} <= grams
    assert "#签收后30天内" not in grams


def test_a_chinese_status_with_its_figures_restated_to_each_question_is_a_loop() -> None:
    history = chat(
        "顾客: 你好，我的包裹到哪了？单号 SF2025120455",
        "客服: 您好！已查询：包裹12月2日到达上海，目前状态为“海关清关中”，"
        "清关完成后2-4个工作日送达。",
        "顾客: 那到底哪天能送到？",
        "客服: 亲，包裹还在海关清关，清关完成后2-4个工作日内送达。",
        "顾客: 都等了一个星期了，能不能加急？",
        "客服: 理解您的心情～目前状态仍是“海关清关中”，清关结束后会尽快为您送达。",
        "顾客: 我就想知道具体哪天能到。",
        "客服: 亲，需要等海关清关完成，之后2-4个工作日送达哦。",
        "顾客: 所以到底什么时候？",
        "客服: 目前仍在清关中，清关完成后2-4个工作日送达，请您耐心等待。",
    )
    assert first_loop(history) is not None


def test_a_co_writer_saying_each_paragraph_back_wrapped_in_praise_is_an_echo() -> None:
    # Each reply is the other's paragraph whole, with a few words of praise of its own around
    # it: no more than the paragraph, though more words new to the window than an echo allowed.
    history = chat(
        "ana: Let's write a ghost story together, a paragraph each. The lighthouse keeper "
        "found the logbook open on a page dated forty years before he was born.",
        "bo: The entry was in his own handwriting. It said only: the fog comes back tonight.",
        "ana: He checked the barometer, which had not moved in a week, and climbed the stairs "
        "with the lamp.",
        "bo: At the top a woman in a wet coat was polishing the lens. 'You're late,' she said, "
        "without turning round.",
        "ana: 'Who are you?' he asked. She smiled and pointed at the logbook under his arm.",
        "bo: What a twist! 'Who are you?' he asked, and she smiled and pointed at the logbook "
        "under his arm. Chilling!",
        "ana: Your turn. Maybe she tells him that the fog comes back every autumn for the "
        "keepers who broke their promise to the sea?",
        "bo: Spooky idea, so haunting! Maybe she tells him that the fog comes back every autumn "
        "for the keepers who broke their promise to the sea.",
        "ana: She says the fog returns for everyone the lighthouse failed to save, and that "
        "his grandfather kept the light on the night of the great wreck.",
        "bo: Brilliant, powerful line! She says the fog returns for everyone the lighthouse "
        "failed to save, and that his grandfather kept the light on the night of the great wreck.",
        "ana: He asks how many there were, and she opens the logbook at the last page, where "
        "forty names are written in his grandfather's careful hand.",
        "bo: Wonderful, eerie ending! He asks how many there were, and she opens the logbook at "
        "the last page, where forty names are written in his grandfather's careful hand.",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "echo"


def test_sympathy_offered_again_to_a_demand_said_again_in_new_words_is_a_loop() -> None:
    # The customer presses without a question mark or a word of the press lists: she says her
    # own point again each time (trigrams of her own earlier messages), the agent sympathises
    # and offers the same credit, which the window already stated.
    history = chat(
        "cliente: Hola. Me cobraron dos veces la cuota de marzo, 49,90 € cada vez. Socio 55120.",
        "agente: Hola, lo siento. Veo el doble cargo de 49,90 €. Puedo abonarte 49,90 € como "
        "saldo para tus próximas cuotas, con un 5% extra (52,40 €).",
        "cliente: No quiero saldo. Quiero que me devuelvan el dinero a mi cuenta.",
        "agente: Entiendo. El saldo incluye un 5% más y se aplica a tus próximas cuotas.",
        "cliente: Me da igual el 5% y las próximas cuotas. Pido que devuelvan los 49,90 a mi "
        "cuenta.",
        "agente: Comprendo. Con el saldo tienes 52,40 € para las próximas cuotas del gimnasio.",
        "cliente: No quiero saldo para cuotas del gimnasio. Devolución a mi cuenta, por favor.",
        "agente: Lo entiendo perfectamente. El saldo es la opción que te da más valor.",
    )
    found = repeated_act(history, LoopConfig())  # (the learned model may find it too)
    assert found is not None and found.detail == "agente sympathises again"


def test_each_step_applauded_and_said_back_whole_is_an_echo() -> None:
    # Nobody asks, and each step is shown after a colon as a drill's item is; but the reply
    # applauds it in words of its own that nobody takes up and says it back whole: a co-writer
    # that stopped writing, not a scribe (a dictation's receipt is the same formula each time).
    history = chat(
        "A: Ik schrijf de stappen voor de appeltaart. Stap 1: verwarm de oven voor op 180 graden "
        "en vet de springvorm in met boter.",
        "B: Prima, en ik doe de ingrediënten erbij als jij klaar bent.",
        "A: Stap 2: meng 300 gram bloem, 200 gram boter en 150 gram suiker tot een kruimeldeeg.",
        "B: Heerlijk! Stap 2: meng 300 gram bloem, 200 gram boter en 150 gram suiker tot een "
        "kruimeldeeg.",
        "A: Stap 3: bekleed de vorm met twee derde van het deeg en druk de randen goed aan.",
        "B: Geweldig! Stap 3: bekleed de vorm met twee derde van het deeg en druk de randen goed "
        "aan.",
        "A: Stap 4: schil de appels, snijd ze in partjes en meng ze met kaneel en rozijnen.",
        "B: Fantastisch! Stap 4: schil de appels, snijd ze in partjes en meng ze met kaneel en "
        "rozijnen.",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "echo"


def test_each_step_taken_down_with_the_same_receipt_is_a_dictation() -> None:
    history = chat(
        "A: Ik dicteer. Stap 1: verwarm de oven voor op 180 graden en vet de springvorm in.",
        "B: Genoteerd: verwarm de oven voor op 180 graden en vet de springvorm in.",
        "A: Stap 2: meng 300 gram bloem, 200 gram boter en 150 gram suiker tot een kruimeldeeg.",
        "B: Genoteerd: meng 300 gram bloem, 200 gram boter en 150 gram suiker tot een kruimeldeeg.",
        "A: Stap 3: bekleed de vorm met twee derde van het deeg en druk de randen goed aan.",
        "B: Genoteerd: bekleed de vorm met twee derde van het deeg en druk de randen goed aan.",
        "A: Stap 4: schil de appels, snijd ze in partjes en meng ze met kaneel en rozijnen.",
        "B: Genoteerd: schil de appels, snijd ze in partjes en meng ze met kaneel en rozijnen.",
    )
    assert first_loop(history) is None


def test_answers_to_a_form_walked_item_by_item_are_never_judged_by_the_model() -> None:
    # The customer's answers look alike ("the colour is not as pictured", "same thing"); the
    # agent's questions name the next item each time. Judged, such a window of round 32 scored
    # 1.21 and, calibrated over, would have raised the model's threshold (losing 3 loops).
    history = chat(
        "customer: I'd like to return some things from order 55120.",
        "agent: Order 55120 holds:\n1. Cotton napkin set, blue, $18.00\n2. Cotton napkin set, "
        "green, $18.00\n3. Ceramic table lamp with a linen shade, $89.00\nWhich would you like "
        "to return?",
        "customer: all three, they are not what I expected",
        "agent: Sure, let's take them one at a time. Item 1: Cotton napkin set, blue, $18.00 - "
        "what's the reason for return?",
        "customer: the colour is nothing like the website photo",
        "agent: Noted: item 1, reason 'not as pictured'. Item 2: Cotton napkin set, green, "
        "$18.00 - what's the reason for return?",
        "customer: same thing, the colour is not as pictured",
        "agent: Noted: item 2, reason 'not as pictured'. Item 3: Ceramic table lamp with a linen "
        "shade, $89.00 - what's the reason for return?",
        "customer: the lamp base arrived with a chip in it, I have a photo",
    )
    window = history[-LoopConfig().window :]
    indexes = loop_learned.gate(window)
    assert indexes is not None and loop_learned.vetoed(window, indexes)
