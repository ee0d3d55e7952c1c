"""Loops as LLM agents actually fall into them, and the healthy exchanges that resemble them,
from the misses and false cuts of held-out round 9 (written blind): pleasantries in ever new
words, a question asked again after "I just did", positions that never move, parroting, a
stock question behind a new acknowledgement; drills, game moves and quoted choruses."""

from __future__ import annotations

from aiconv.platform.loops import detect_loop
from tests.platform.dialogue import chat, first_loop


def test_thanks_and_praise_in_ever_new_words_are_a_collapse() -> None:
    history = chat(
        "a: The report is filed: 14 pages, both appendices, sent to the board at 9:40.",
        "b: Received and forwarded to the auditors.",
        "a: Wonderful collaboration, thank you so much for your patience today.",
        "b: Thank you! I truly enjoyed working together on this with you.",
        "a: The pleasure was mine, I really appreciate your thoughtful feedback.",
        "b: That's so kind of you! Your support made everything effortless.",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "collapse"


def test_a_thank_you_coda_after_real_work_is_not_a_collapse() -> None:
    history = chat(
        "a: Your table for six is booked for Friday at 19:30 under Lindgren.",
        "b: Could you add a note that one guest is vegan?",
        "a: Done, the kitchen has the note and will suggest the vegan tasting menu.",
        "b: Thank you so much, I really appreciate it!",
        "a: You're very welcome, enjoy the evening!",
    )
    assert first_loop(history) is None


def test_a_question_asked_again_after_i_just_did_is_a_loop() -> None:
    history = chat(
        "agent: Could you confirm the postcode on your account?",
        "caller: It's LS6 2AB.",
        "agent: Thanks. For verification, what postcode is registered on the account?",
        "caller: I just did: LS6 2AB.",
        "agent: I appreciate it. Please tell me the account's registered postcode.",
    )
    found = first_loop(history)
    assert found is not None and found.sequences[-1] == 5


def test_after_i_already_did_a_new_step_is_not_a_loop() -> None:
    history = chat(
        "agent: Could you check with your neighbours whether they took the parcel in?",
        "customer: I already did, nobody has it.",
        "agent: Thank you. I've opened claim MP-55102 and ordered a replacement for tomorrow.",
    )
    assert first_loop(history) is None


def test_two_prices_restated_without_moving_are_a_ping_pong() -> None:
    history = chat(
        "buyer: I can pay $600 for it.",
        "seller: It's $750, it has new frets.",
        "buyer: $600 is really my limit.",
        "seller: Sorry, $750 is the price.",
        "buyer: Then $600, final.",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "ping_pong"


def test_a_negotiation_that_moves_its_figures_is_not_a_loop() -> None:
    history = chat(
        "buyer: I can pay $600 for it.",
        "seller: It's $750, it has new frets.",
        "buyer: I could stretch to $650.",
        "seller: $720 and it's yours.",
        "buyer: $680, cash today.",
        "seller: $700 and we have a deal.",
    )
    assert first_loop(history) is None


def test_saying_back_every_question_instead_of_answering_is_an_echo() -> None:
    history = chat(
        "analyst: Revenue fell 8% in Q3, mostly in the retail segment.",
        "bot: You said: revenue fell 8% in Q3, mostly in the retail segment.",
        "analyst: Can you break the retail drop down by region?",
        "bot: You said: can I break the retail drop down by region?",
        "analyst: Yes, by region please, starting with the north.",
        "bot: You said: yes, by region please, starting with the north.",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "echo"


def test_air_traffic_read_backs_are_not_parroting() -> None:
    history = chat(
        "tower: Delta 88, turn left heading 270, descend and maintain 5000.",
        "pilot: Left heading 270, descend and maintain 5000, Delta 88.",
        "tower: Delta 88, reduce speed to 210 knots.",
        "pilot: Reduce speed 210 knots, Delta 88.",
        "tower: Delta 88, contact approach on 119.1.",
        "pilot: Approach on 119.1, Delta 88.",
    )
    assert first_loop(history) is None


def test_a_stock_question_behind_a_new_acknowledgement_is_a_repetition() -> None:
    history = chat(
        "waiter: Good evening! Would you like to hear about our dessert specials?",
        "diner: No, just the bill, please.",
        "waiter: Certainly. Would you like to hear about our dessert specials?",
    )
    found = detect_loop(history)
    assert found is not None and found.kind == "repetition"


def test_saying_back_a_drill_item_presented_after_a_colon_is_not_an_echo() -> None:
    history = chat(
        "tutor: Repeat after me: Wo ist der Bahnhof, bitte?",
        "learner: Wo ist der Bahnhof, bitte?",
        "tutor: Good. Next: Ich hätte gern einen Kaffee, bitte.",
        "learner: Ich hätte gern einen Kaffee, bitte.",
        "tutor: Very good. Now: Können Sie mir bitte helfen?",
        "learner: Können Sie mir bitte helfen?",
        "tutor: Nice. And: Wie viel kostet die Fahrkarte nach Berlin?",
        "learner: Wie viel kostet die Fahrkarte nach Berlin?",
        "tutor: Last one: Ich möchte eine Rückfahrkarte kaufen.",
        "learner: Ich möchte eine Rückfahrkarte kaufen.",
    )
    assert first_loop(history) is None


def test_game_moves_in_a_shared_frame_are_not_a_ping_pong() -> None:
    # Each side fills the shared frame "I'll place _ in the … square" with a new square. (A
    # long run of such moves can still read as a paraphrase: see the README's limits.)
    history = chat(
        "x: I'll place X in the center square.",
        "o: I'll place O in the top-left corner.",
        "x: I'll place X in the middle-left square to block the row.",
        "o: I'll place O in the middle-right square to block your row.",
        "x: I'll place X in the top-middle square.",
        "o: I'll place O in the bottom-middle square to block your column.",
    )
    for end in range(4, len(history) + 1):
        found = detect_loop(history[end - 4 : end])
        assert found is None or found.kind != "ping_pong"


def test_a_chorus_quoted_again_is_not_a_repetition() -> None:
    history = chat(
        "lyricist: Verse one: 'City lights are fading, and the morning's coming through.'",
        "composer: Chorus: 'Hold on, I'm still here, I'm still holding on to you.'",
        "lyricist: Verse two: 'Every empty platform, every train I didn't take.'",
        "composer: Chorus again: 'Hold on, I'm still here, I'm still holding on to you.'",
    )
    assert first_loop(history) is None


# From round 10's first run (written blind after the round-9 rules).


def test_the_same_quoted_status_sent_a_third_time_is_a_repetition() -> None:
    history = chat(
        "user: Find two hotels near the Louvre under 200 euros.",
        "agent: Searching the web for 'hotels near the Louvre under 200 euros'...",
        "user: Any results?",
        "agent: Searching the web for 'hotels near the Louvre under 200 euros'...",
        "user: Hello?",
        "agent: Searching the web for 'hotels near the Louvre under 200 euros'...",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "repetition" and found.sequences[-1] == 6


def test_a_stock_closing_question_asked_a_third_time_is_a_repetition() -> None:
    history = chat(
        "agent: Your new card is on its way and should arrive by Friday.",
        "customer: Great, thanks.",
        "agent: Is there anything else I can help you with?",
        "customer: No, that's all.",
        "agent: Great. Is there anything else I can help you with?",
        "customer: No.",
        "agent: Okay. Is there anything else I can help you with?",
    )
    found = first_loop(history)
    assert found is not None and found.sequences[-1] == 7


def test_asking_again_for_what_came_back_twice_word_for_word_is_a_loop() -> None:
    history = chat(
        "bot: What's the phone number for your account?",
        "user: +44 7700 900123",
        "bot: Thanks! Which phone number should we use for the account?",
        "user: +44 7700 900123",
        "bot: Great. Could you share the phone number for your account?",
    )
    found = first_loop(history)
    assert found is not None and found.sequences[-1] == 5


def test_options_read_again_on_request_are_not_a_repetition() -> None:
    history = chat(
        "user: What sizes do you have?",
        "agent: Small, 250 ml, 3 euros; medium, 350 ml, 3.50 euros; large, 500 ml, 4 euros.",
        "user: Could you read them again, please?",
        "agent: Small, 250 ml, 3 euros; medium, 350 ml, 3.50 euros; large, 500 ml, 4 euros.",
        "user: Medium, please.",
    )
    assert first_loop(history) is None


def test_steps_of_a_proof_written_in_symbols_are_not_a_rewording() -> None:
    history = chat(
        "tutor: Show that 2 + 4 + ... + 2n = n(n+1) by induction. Base case?",
        "student: For n = 1: 2 = 1·(1+1) = 2, so it holds.",
        "tutor: Inductive step?",
        "student: Assume 2 + 4 + ... + 2k = k(k+1); then adding 2(k+1) gives k(k+1) + 2(k+1).",
        "tutor: And simplified?",
        "student: k(k+1) + 2(k+1) = (k+1)(k+2), the formula for n = k+1.",
    )
    assert first_loop(history) is None


def test_interface_strings_in_quotes_are_no_pleasantries() -> None:
    history = chat(
        "pm: Translate into Italian: 'Cancel'",
        "translator: 'Cancel' → 'Annulla'",
        "pm: 'Undo'",
        "translator: 'Undo' → 'Annulla operazione'",
        "pm: 'Redo'",
        "translator: 'Redo' → 'Ripeti'",
    )
    assert first_loop(history) is None


def test_the_same_confirmation_to_two_questions_then_a_report_is_not_a_loop() -> None:
    history = chat(
        "agent: I've blocked your card ending 6434. Would you like me to order a replacement?",
        "customer: Yes, please go ahead.",
        "agent: Shall I send the new card to your home address at 9 Elm Road, Leeds?",
        "customer: Yes, please go ahead.",
        "agent: Done: the new card goes to 9 Elm Road, Leeds, within 5 days, and your savings "
        "balance is $2,283.26. Is there anything else I can help you with?",
    )
    assert first_loop(history) is None
