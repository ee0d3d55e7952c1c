"""Conversations that restate things while making progress are not loops (quizzes, read-backs,
requested repeats, revisions, counter-offers, Socratic tutoring); loops dressed as progress are."""

from __future__ import annotations

import pytest

from aiconv.platform.loops import detect_loop
from aiconv.platform.wording import features
from tests.platform.dialogue import chat, first_loop


def test_a_quiz_whose_answers_restate_the_questions_is_not_a_loop() -> None:
    history = chat(
        "quizmaster: What is the capital city of Australia?",
        "contestant: The capital city of Australia is Canberra.",
        "quizmaster: Correct! The capital city of Australia is Canberra. "
        "What is the capital city of Canada?",
        "contestant: The capital city of Canada is Ottawa.",
        "quizmaster: Correct! The capital city of Canada is Ottawa. "
        "What is the capital city of Brazil?",
        "contestant: The capital city of Brazil is Brasília.",
        "quizmaster: Correct! The capital city of Brazil is Brasília. "
        "What is the capital city of Japan?",
        "contestant: The capital city of Japan is Tokyo.",
    )
    assert first_loop(history) is None


def test_questions_on_one_topic_answered_in_full_sentences_are_not_a_paraphrase() -> None:
    history = chat(
        "teacher: Which gas do plants take in from the air for photosynthesis?",
        "student: Plants take in carbon dioxide from the air for photosynthesis.",
        "teacher: Good. Which gas do plants give off into the air during photosynthesis?",
        "student: Plants give off oxygen into the air during photosynthesis.",
        "teacher: Good. Where in the plant cell does photosynthesis take place?",
        "student: Photosynthesis takes place in the chloroplasts of the plant cell.",
        "teacher: Good. What green pigment in the chloroplasts absorbs the light?",
        "student: The green pigment in the chloroplasts that absorbs the light is chlorophyll.",
    )
    assert first_loop(history) is None


def test_a_socratic_chain_of_small_steps_is_not_a_paraphrase() -> None:
    history = chat(
        "tutor: Let's add 3/4 and 1/8. What do we need before we can add them?",
        "student: A common denominator?",
        "tutor: Exactly, a common denominator. What's the smallest common denominator of 4 and 8?",
        "student: It's 8, because 4 goes into 8.",
        "tutor: Right, 8. So what is 3/4 written in eighths?",
        "student: 3/4 is 6/8.",
        "tutor: Yes, 3/4 is 6/8. So what is 6/8 plus 1/8?",
        "student: 6/8 plus 1/8 is 7/8.",
    )
    assert first_loop(history) is None


def test_a_step_repeated_on_request_is_not_a_repetition() -> None:
    step = (
        "Step 4: add the onion and cook over a medium heat for 8 to 10 minutes, stirring "
        "often, until soft and golden."
    )
    history = chat(
        f"assistant: {step}",
        "cook: Sorry, can you repeat step 4?",
        f"assistant: {step}",
        "cook: Done. What's next?",
        f"assistant: {step}",
    )
    assert first_loop(history[:3]) is None
    loop = detect_loop(history)
    assert loop is not None
    assert (loop.kind, loop.sequences) == ("repetition", (3, 5))


def test_complaining_about_a_repeat_does_not_excuse_the_next_one() -> None:
    answer = "Please restart the router by unplugging it for 30 seconds, then check the connection."
    history = chat(
        f"support: {answer}",
        "customer: Don't say that again, I already did it twice!",
        f"support: {answer}",
    )
    loop = detect_loop(history)
    assert loop is not None and loop.kind == "repetition"


def test_repeating_a_sentence_when_asked_to_is_not_an_echo() -> None:
    history = chat(
        "teacher: Now repeat: Excusez-moi, pourriez-vous me dire où se trouve la gare la plus "
        "proche, s'il vous plaît?",
        "student: Excusez-moi, pourriez-vous me dire où se trouve la gare la plus proche, "
        "s'il vous plaît?",
    )
    assert first_loop(history) is None


def test_a_read_back_of_a_dictated_line_is_not_an_echo() -> None:
    history = chat(
        "user: Please remind the whole team that the quarterly review moves to Thursday at three "
        "in room 4B.",
        "assistant: Got it: please remind the whole team that the quarterly review moves to "
        "Thursday at three in room 4B.",
    )
    assert first_loop(history) is None


def test_a_read_back_corrected_and_read_back_again_is_not_a_repetition() -> None:
    history = chat(
        "customer: My new address is 14 Rowan Close, Leeds, and the postcode is LS6 2AB.",
        "agent: Let me read that back: 14 Rowan Close, Leeds, postcode LS6 2AB. Is that correct?",
        "customer: Sorry, the postcode is LS6 2AD, with a D.",
        "agent: Let me read that back: 14 Rowan Close, Leeds, postcode LS6 2AD. Is that correct?",
    )
    assert first_loop(history) is None


def test_a_revision_that_adds_a_word_is_not_a_repetition() -> None:
    history = chat(
        "client: Translate for our shop window: Everything must go, up to 50 % off.",
        "translator: Alles muss raus, alle Artikel bis zu 50 % reduziert!",
        "client: Could it say 'now' as well, to add urgency?",
        "translator: Alles muss raus, alle Artikel jetzt bis zu 50 % reduziert!",
    )
    assert first_loop(history) is None


def test_counter_offers_in_one_frame_with_moving_numbers_are_not_a_loop() -> None:
    history = chat(
        "buyer: Counter: unit price 4.10 EUR, minimum order 5,000 units, delivery in 6 weeks.",
        "supplier: Counter: unit price 4.45 EUR, minimum order 8,000 units, delivery in 5 weeks.",
        "buyer: Counter: unit price 4.25 EUR, minimum order 6,000 units, delivery in 6 weeks.",
        "supplier: Counter: unit price 4.35 EUR, minimum order 6,000 units, delivery in 6 weeks.",
        "buyer: Counter: unit price 4.30 EUR, minimum order 6,500 units, delivery in 6 weeks.",
    )
    assert first_loop(history) is None


def test_a_negotiation_restating_the_same_numbers_is_a_ping_pong() -> None:
    history = chat(
        "buyer: Our final offer is 40,000 for the annual licence, including support for 250 seats.",
        "vendor: We can't go below 48,000 for 250 seats; support is priced separately.",
        "buyer: As I said, 40,000 is our final offer for the licence with support for 250 seats.",
        "vendor: And as I said, 48,000 is our floor for 250 seats, with support priced separately.",
    )
    loop = first_loop(history)
    assert loop is not None and loop.kind == "ping_pong"


def test_one_side_rewording_the_same_hint_while_the_other_is_stuck_is_a_paraphrase() -> None:
    history = chat(
        "tutor: Remember, to isolate x you need to undo the multiplication by 3 on the "
        "left-hand side of the equation.",
        "student: I don't get it, what do I do with the 3?",
        "tutor: To get x by itself you have to undo multiplying by 3 on the left side of the "
        "equation.",
        "student: Undo how, though?",
        "tutor: Think about undoing the multiplication by 3 on the left-hand side so that x is on "
        "its own.",
        "student: I still don't see what to do.",
        "tutor: The key is to undo that multiplication by 3 on the left side of the equation to "
        "isolate x.",
    )
    loop = first_loop(history)
    assert loop is not None and loop.kind == "paraphrase"


def test_an_answer_that_negates_the_statement_is_not_an_echo() -> None:
    history = chat(
        "quizbot: True or false: the Great Wall of China is visible from the Moon with the naked "
        "eye.",
        "player: False, the Great Wall of China is not visible from the Moon with the naked eye.",
    )
    assert first_loop(history) is None


def test_reading_back_an_instruction_is_not_an_echo() -> None:
    history = chat(
        "tower: Speedbird 492, turn left heading 270, descend and maintain 4,000 feet, reduce "
        "speed 210 knots.",
        "pilot: Turn left heading 270, descend and maintain 4,000 feet, reduce speed 210 knots, "
        "Speedbird 492.",
        "tower: Speedbird 492, read-back correct. Contact approach on 119.725.",
    )
    assert first_loop(history) is None


def test_copying_the_bulk_of_another_message_is_an_echo() -> None:
    history = chat(
        "customer: A Mastercard debit card. When I click pay, it says error 402 card declined by "
        "issuer even though my bank says everything is fine.",
        "support: When I click pay, it says error 402 card declined by issuer even though my bank "
        "says everything is fine.",
    )
    loop = detect_loop(history)
    assert loop is not None
    assert (loop.kind, loop.sequences) == ("echo", (1, 2))


def test_a_refusal_reworded_again_and_again_is_a_paraphrase() -> None:
    history = chat(
        "customer: Can I get a refund? The course started yesterday and I can't attend any more.",
        "support: Our policy doesn't allow refunds once a course has started, so a refund isn't "
        "possible in your case.",
        "customer: But I only missed one day, surely there's something you can do?",
        "support: Unfortunately, as the course has already started, our policy means we can't "
        "offer a refund.",
        "customer: Not even a partial one?",
        "support: Since the course has started, a refund isn't something our policy allows, I'm "
        "afraid.",
    )
    loop = first_loop(history)
    assert loop is not None and loop.kind == "paraphrase"


def test_a_short_request_with_please_is_no_pleasantry() -> None:
    history = chat(
        "customer: Hello, my card is lost.",
        "bank: Hello, my card is lost.",
        "customer: Yes, please block it.",
        "bank: Yes, please block it.",
    )
    loop = first_loop(history)
    assert loop is None or loop.kind != "collapse"


def test_the_same_short_status_after_each_new_troubleshooting_step_is_not_a_loop() -> None:
    history = chat(
        "agent: Let's get the printer online. Is it connected to the office Wi-Fi network?",
        "user: Yes, it shows the office network. Still offline.",
        "agent: Please turn the printer off, wait ten seconds and turn it back on again.",
        "user: Done, it restarted. Still offline.",
        "agent: Open the print queue on your laptop and remove every stuck job from the list.",
        "user: Cleared them all. Still offline.",
        "agent: Then the driver may point at an old address. Remove the printer in Settings "
        "and add it again with the Add printer button.",
        "user: That did it, it prints.",
    )
    assert first_loop(history) is None


def test_a_longer_status_reported_after_each_new_step_is_not_a_repetition() -> None:
    history = chat(
        "tech: Check that the dishwasher door clicks shut and the child lock is off.",
        "owner: Door is shut, lock off. The display still shows error E24 and nothing happens.",
        "tech: Unscrew the filter at the bottom of the tub and rinse it under the tap.",
        "owner: Rinsed it. The display still shows error E24 and nothing happens.",
        "tech: Look at the drain hose behind the machine: is it kinked or squashed anywhere?",
        "owner: Straightened it. The display still shows error E24 and nothing happens.",
        "tech: Hold the start button for five seconds to reset the control board.",
    )
    assert first_loop(history) is None


def test_a_status_resent_whole_after_a_question_it_ignores_is_still_a_repetition() -> None:
    history = chat(
        "owner: The display still shows error E24 and the dishwasher will not drain at all.",
        "tech: Unscrew the filter at the bottom of the tub and rinse it under the tap?",
        "owner: The display still shows error E24 and the dishwasher will not drain at all.",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "repetition"


def test_a_frame_whose_quoted_item_changes_is_not_a_repetition() -> None:
    history = chat(
        "lehrer: Übersetze 'the bridge' ins Deutsche, mit Artikel.",
        "schüler: Die Brücke.",
        "lehrer: Richtig. Jetzt 'the window', auch mit Artikel.",
        "schüler: Das Fenster.",
        "lehrer: Richtig. Jetzt 'the spoon', mit Artikel.",
        "schüler: Die Löffel.",
        "lehrer: Fast: Löffel ist maskulin. Also?",
        "schüler: Der Löffel.",
        "lehrer: Richtig. Jetzt 'the cloud', mit Artikel.",
        "schüler: Die Wolke.",
    )
    assert first_loop(history) is None


def test_a_status_whose_counter_moves_is_not_the_same_question_again() -> None:
    history = chat(
        "bot: Update: Node 2 von 8 neu gestartet.",
        "admin: Weiter.",
        "bot: Update: Node 4 von 8 neu gestartet.",
        "admin: Weiter.",
        "bot: Update: Node 6 von 8 neu gestartet.",
        "admin: Weiter.",
        "bot: Update: Node 8 von 8 neu gestartet. Fertig.",
    )
    assert first_loop(history) is None


def test_a_dictated_sentence_written_again_after_a_correction_is_not_an_echo() -> None:
    history = chat(
        "maîtresse: Dictée. Première phrase : « Le chien court dans le parc. »",
        "élève: Le chien court dans le parc.",
        "maîtresse: Bien. Deuxième phrase : « Les oiseaux chantent le matin. »",
        "élève: Les oiseaux chante le matin.",
        "maîtresse: Attention : « chantent » prend -ent au pluriel.",
        "élève: Les oiseaux chantent le matin.",
        "maîtresse: Bien. Dernière phrase : « Nous partons demain. »",
    )
    assert first_loop(history) is None


def test_a_troubleshooter_trying_a_new_step_each_time_is_not_talking_past_the_customer() -> None:
    history = chat(
        "cliente: A impressora continua sem imprimir.",
        "tecnico: Verifique se há papel na bandeja 2.",
        "cliente: Tem papel. Continua sem imprimir.",
        "tecnico: Desligue a impressora da tomada durante um minuto e volte a ligar.",
        "cliente: Já fiz. Continua sem imprimir.",
        "tecnico: Abra a tampa da frente e retire a folha encravada, se houver.",
        "cliente: Havia uma folha encravada! Agora imprime.",
    )
    assert first_loop(history) is None


def test_agreeing_to_a_new_proposal_each_time_is_not_agreement_ping_pong() -> None:
    # Both sides say "Agreed", and each brings something new: a brainstorm converging.
    history = chat(
        "pm: Let's add dark mode to the settings page.",
        "designer: Agreed, and we should respect the system setting by default.",
        "pm: Agreed. Also a toggle in the header?",
        "designer: Agreed, with a sun and moon icon.",
        "pm: Agreed. And remember the choice per device?",
        "designer: Agreed, stored in local storage.",
        "pm: Great, I'll write the ticket.",
    )
    assert first_loop(history) is None


def test_a_sentence_asked_for_again_in_italian_and_said_back_is_not_a_loop() -> None:
    history = chat(
        "studente: Può ripetere l'ultima frase?",
        "insegnante: Certo: il treno parte alle nove dal binario tre.",
        "studente: Può ripetere più lentamente?",
        "insegnante: Il treno... parte alle nove... dal binario tre.",
        "studente: Il treno parte alle nove dal binario tre.",
        "insegnante: Perfetto, esattamente.",
    )
    assert first_loop(history) is None


@pytest.mark.parametrize(
    "asked",
    [
        "Können Sie das noch mal sagen?",
        "Was war das noch mal?",
        "Pourriez-vous repeter ?",
        "Puoi ripetermelo?",
        "Podes repetir?",
    ],
)
def test_details_said_again_when_asked_in_another_language_are_not_a_loop(asked: str) -> None:
    """Each wording of a request to repeat is found: "noch mal", an unaccented "repeter",
    "ripetermelo" were skipped by the screen of words before the patterns, and the answer
    said again was cut as a repetition."""
    answer = "Ihre Buchungsnummer lautet KX-4471, Abflug Dienstag um 9:40 Uhr ab Gate B12."
    history = chat(f"agent: {answer}", f"kunde: {asked}", f"agent: {answer}")
    assert first_loop(history) is None


def test_a_german_clearance_read_back_is_not_an_echo() -> None:
    # Clearances are instructions in the other languages too, "rechts drehen" after the call
    # sign as much as "turn right": reading them back is what a pilot must do.
    history = chat(
        "fluglotse: Lufthansa 4TK, steigen Sie auf Flugfläche 240.",
        "pilot: Steigen auf Flugfläche 240, Lufthansa 4TK.",
        "fluglotse: Lufthansa 4TK, rechts drehen Kurs 090.",
        "pilot: Rechts drehen Kurs 090, Lufthansa 4TK.",
        "fluglotse: Lufthansa 4TK, kontaktieren Sie München 129,1.",
        "pilot: München 129,1, Lufthansa 4TK, tschüss.",
    )
    assert first_loop(history) is None


def test_asking_again_for_news_that_each_answer_brings_is_not_a_loop() -> None:
    history = chat(
        "customer: Where is my parcel 48213?",
        "courier: Parcel 48213: it was scanned at the Leeds depot this morning.",
        "customer: Is there any update on my parcel?",
        "courier: Parcel 48213: it was scanned at the Sheffield hub this afternoon.",
        "customer: Is there any update on my parcel?",
        "courier: Parcel 48213: it is on the van, delivery between 2 and 4 pm.",
        "customer: Is there any update on my parcel?",
        "courier: Parcel 48213: delivered at 3:10 pm, left with your neighbour.",
    )
    assert first_loop(history) is None


def test_the_same_questions_in_a_new_round_after_a_summary_are_not_a_repetition() -> None:
    questions = "Check-in: what did you ship, and is anything blocking you?"
    history = chat(
        f"bot: Ana. {questions}",
        "ana: Shipped the invoice export. Nothing blocking.",
        "bot: Noted. Summary sent to the team channel; Ravi owns the release notes.",
        f"bot: Ana. {questions}",
        "ana: Shipped the pagination fix. Blocked on a staging database password.",
    )
    assert first_loop(history) is None


def test_a_fallback_asked_again_after_each_rephrasing_is_still_a_repetition() -> None:
    fallback = "Sorry, I didn't understand that. Could you rephrase your question, please?"
    history = chat(
        "customer: I want to move my Thursday delivery to the weekend.",
        f"bot: {fallback}",
        "customer: Change delivery day to the weekend.",
        f"bot: {fallback}",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "repetition"


def test_a_hindi_times_table_drill_whose_answers_take_up_each_question_is_not_a_loop() -> None:
    history = chat(
        "गुरु: चलो आठ का पहाड़ा बोलते हैं। आठ एकम?",
        "शिष्या: आठ एकम आठ।",
        "गुरु: बहुत अच्छे। आठ दूनी?",
        "शिष्या: आठ दूनी सोलह।",
        "गुरु: आठ तिया?",
        "शिष्या: आठ तिया छब्बीस।",
        "गुरु: ध्यान दो — सोलह में आठ और जोड़ो तो कितना?",
        "शिष्या: चौबीस! आठ तिया चौबीस।",
        "गुरु: एकदम ठीक। आठ चौके?",
        "शिष्या: आठ चौके बत्तीस।",
    )
    assert first_loop(history) is None


def test_words_of_scripts_written_with_vowel_marks_stay_whole() -> None:
    assert features("छह चौके चौबीस।").text == "छह चौके चौबीस"
    assert features("شكراً جزيلاً").words == 2
