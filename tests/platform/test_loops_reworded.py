"""Points restated in new words, as held-out round 12 showed them (a refusal, a put-off, a fix
proposed again in synonyms, clarification asked back and forth, pleasantries in German, French
and Spanish), and the healthy exchanges that look like them but move."""

from __future__ import annotations

from aiconv.platform.speech_acts import acts, makes_progress, pushes_back
from aiconv.platform.wording import concepts, features
from tests.platform.dialogue import chat, first_loop


def test_a_refusal_restated_in_new_words_while_the_customer_presses_is_a_loop() -> None:
    history = chat(
        "guest: Can you tell me which room my colleague Dana is staying in?",
        "desk: I'm sorry, I'm not able to give out guests' room numbers.",
        "guest: She asked me to bring her laptop up, it's urgent.",
        "desk: Unfortunately our policy prevents us from sharing where guests are staying.",
        "guest: Could you at least tell me the floor?",
        "desk: I'm afraid details about other guests aren't something I can disclose.",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "paraphrase"
    assert found.sequences == (2, 4, 6)


def test_a_refusal_followed_by_an_alternative_with_a_result_is_not_a_loop() -> None:
    history = chat(
        "guest: Can you tell me which room my colleague Dana is staying in?",
        "desk: I'm sorry, I'm not able to give out guests' room numbers.",
        "guest: She asked me to bring her laptop up, it's urgent.",
        "desk: I can't share the room, but I can call her room for you now.",
        "guest: Please do.",
        "desk: I've called her: she's coming down to the lobby in 5 minutes.",
    )
    assert first_loop(history) is None


def test_the_same_fix_in_synonyms_after_it_failed_is_a_loop() -> None:
    history = chat(
        "user: The TV app freezes on the start screen.",
        "agent: Please restart the TV and open the app again.",
        "user: I did, it still freezes.",
        "agent: Let's reboot the television, then launch the app.",
        "user: Same thing, I already did that twice.",
        "agent: Could you power-cycle the TV and relaunch the app?",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "paraphrase"


def test_new_steps_while_the_customer_says_it_still_fails_are_not_a_loop() -> None:
    history = chat(
        "user: The TV app freezes on the start screen.",
        "agent: Please restart the TV and open the app again.",
        "user: I did, it still freezes.",
        "agent: Clear the app's cache under Settings > Apps > Storage.",
        "user: Still freezes.",
        "agent: Check for a firmware update under Settings > Support > Software update.",
        "user: There was one, version 2.41. It works now.",
    )
    assert first_loop(history) is None


def test_two_agents_asking_each_other_to_clarify_are_a_ping_pong() -> None:
    history = chat(
        "a: Can you prepare the quarterly numbers?",
        "b: Could you clarify which numbers you mean?",
        "a: Could you clarify what you'd need to know?",
        "b: Which figures do you need, could you specify?",
        "a: What's unclear about the request?",
        "b: I'm not sure which numbers are meant, could you clarify?",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "ping_pong"


def test_clarifying_twice_then_working_is_not_a_loop() -> None:
    history = chat(
        "a: Can you prepare the quarterly numbers?",
        "b: Could you clarify which numbers you mean: revenue or headcount?",
        "a: Revenue, by region.",
        "b: Gross or net of refunds?",
        "a: Net.",
        "b: Here they are: EMEA 4.1M, Americas 6.3M, APAC 2.2M, net of refunds.",
    )
    assert first_loop(history) is None


def test_a_confirmation_asked_again_after_yes_is_a_loop() -> None:
    history = chat(
        "user: Delete the staging database.",
        "bot: Just to confirm, you want me to delete the staging database?",
        "user: Yes.",
        "bot: Are you sure you want the staging database removed?",
        "user: Yes, I'm sure.",
        "bot: Can you confirm that the staging database should be deleted?",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "paraphrase"


def test_pleasantries_in_german_french_and_spanish_collapse() -> None:
    for lines in (
        ("a: Vielen Dank!", "b: Gern geschehen!", "a: Danke nochmal!", "b: Keine Ursache!"),
        ("a: Merci beaucoup !", "b: Avec plaisir !", "a: Merci encore !", "b: De rien !"),
        ("a: ¡Muchas gracias!", "b: ¡De nada!", "a: ¡Mil gracias!", "b: ¡Con mucho gusto!"),
    ):
        found = first_loop(chat(*lines))
        assert found is not None and found.kind == "collapse", lines


def test_a_german_conversation_with_content_is_not_a_collapse() -> None:
    history = chat(
        "kunde: Danke! Können Sie die Lieferung auf Freitag verschieben?",
        "agent: Gern. Freitag zwischen 8 und 12 Uhr ist frei.",
        "kunde: Vielen Dank, dann bitte Freitag.",
        "agent: Gern geschehen, die Lieferung ist für Freitag 8 bis 12 Uhr eingetragen.",
    )
    assert first_loop(history) is None


def test_a_dictated_line_read_back_once_is_not_an_echo() -> None:
    history = chat(
        "user: Add to the list: renew the parking permit before Monday.",
        "assistant: Renew the parking permit before Monday.",
        "user: Next: schedule the boiler service.",
        "assistant: Schedule the boiler service.",
    )
    assert first_loop(history) is None


def test_speech_acts_name_what_a_message_does_whatever_its_words() -> None:
    assert "refuses" in acts("Regrettably we're unable to change that.")
    assert "puts_off" in acts("It'll be dispatched shortly.")
    assert "asks_clarity" in acts("Could you specify which format you need?")
    assert acts("The invoice total is 240 euros.") == frozenset()
    assert makes_progress("I've refunded the duplicate charge.")
    assert not makes_progress("Understood, I'll look into it.")
    assert makes_progress("Refunded, the money is on its way.")
    # Dutch "goed" ("good") ends in -ed like "Refunded": "Goed, ik hoor het graag" ("Fine, do let
    # me know") reported nothing done, and a customer's waiting seemed to move the exchange on
    assert not makes_progress("Goed, ik hoor het graag.")
    assert pushes_back("I already did that, it still fails.")
    assert not pushes_back("What's next?")


def test_synonyms_merge_into_one_concept() -> None:
    assert concepts("Please reboot the modem.") == concepts("Please restart the router.")
    assert concepts("We can't disclose personal details.") & concepts(
        "Sharing private information isn't allowed."
    ) >= {"share", "personal", "information"}
    assert features("Danke, danke!").pleasantry


def test_a_when_question_asked_three_times_and_never_given_a_time_is_a_loop() -> None:
    history = chat(
        "tenant: When is the plumber coming?",
        "office: We've passed your request on to the maintenance team.",
        "tenant: OK, but when will they come?",
        "office: The team has your details and will be in touch.",
        "tenant: Can you give me a date for the visit?",
        "office: Your request is with the right people and being handled.",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "paraphrase"


def test_when_questions_answered_with_times_are_not_a_loop() -> None:
    history = chat(
        "tenant: When is the plumber coming?",
        "office: Tomorrow morning, between 8 and 10.",
        "tenant: When will he call before arriving?",
        "office: About half an hour before, from a withheld number.",
        "tenant: And when do I get the invoice?",
        "office: At the end of the month, with the service charge.",
    )
    assert first_loop(history) is None


def test_details_given_again_because_the_agent_asked_for_them_again_are_not_a_loop() -> None:
    """A caller whose details do not match is asked for them again, twice: restating them is
    answering, not a loop (the banking verification lock-out needs the third attempt)."""
    history = chat(
        "caller: Hi, I need to check my checking balance.",
        "agent: I can help with that. First I need to verify your identity: could you please "
        "tell me your full name, date of birth and ZIP code?",
        "caller: Okay. My full name is Fatima Lindqvist, my date of birth is 1985-01-23 and my "
        "ZIP code is 97270.",
        "agent: I'm sorry, those details don't match our records. Could you please check your "
        "full name, date of birth and ZIP code and give them to me again?",
        "caller: I am sure that is right: Fatima Lindqvist, 1985-01-23 and 97270.",
        "agent: I'm afraid that still doesn't match what we hold. I can try one last time: what "
        "are your full name, date of birth and ZIP code?",
        "caller: This is the third time I'm telling you, and nothing has changed: Fatima "
        "Lindqvist, 1985-01-23 and 97270. Please look again.",
    )
    assert first_loop(history) is None
    assert features(history[3].content).asks_repeat
    assert features(history[5].content).asks_repeat
