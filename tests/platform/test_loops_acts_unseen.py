"""The categories blind round 16 found missing (deferral and agreement ping-pong, debates that
never move, put-offs and policy recitals in German, French, Dutch and Portuguese, a new
reference number each turn) and its false cut (a warm goodbye taken for a restated point),
next to the healthy exchanges that resemble them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aiconv.platform.closing import DEFAULT_CLOSING_PHRASES, closing_agreed
from aiconv.platform.loop_references import volatile
from aiconv.platform.loops import LoopConfig, detect_loop
from aiconv.platform.speech_acts import acts
from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)


def test_a_warm_goodbye_ends_as_a_closing_not_a_loop() -> None:
    history = chat(
        "patient: Thanks for fitting me in so quickly today.",
        "receptionist: Of course! I'm glad we could help with the toothache.",
        "patient: You've all been so kind, I was really nervous coming in.",
        "receptionist: You did really well. Remember no hot drinks for an hour.",
        "patient: Got it, thanks so much again.",
        "receptionist: You're very welcome, have a lovely evening and take care!",
        "patient: You too, goodbye!",
    )
    config = LoopConfig()
    for end in range(1, len(history) + 1):
        recent = history[:end]
        if closing_agreed(recent, DEFAULT_CLOSING_PHRASES, policy="mutual"):
            assert end == len(history) - 1  # the goodbye answering "thanks so much again"
            return
        assert detect_loop(recent[-config.window :], config) is None, end
    pytest.fail("the goodbye was never agreed")


def test_promises_to_check_answered_with_let_me_know_are_a_ping_pong() -> None:
    history = chat(
        "customer: Hi, my refund for the cancelled order still hasn't arrived. Where is it?",
        "agent: Thanks for reaching out. I'll check with our payments team and get back to you.",
        "customer: Ok, let me know.",
        "agent: I'm going to look into this with the billing side and come back to you shortly.",
        "customer: Alright, keep me posted.",
        "agent: Let me verify this with the finance colleagues, I'll get back to you soon.",
        "customer: Okay, please let me know.",
    )
    assert first_loop(history) is not None


def test_a_promise_to_check_kept_with_an_answer_is_not_a_loop() -> None:
    history = chat(
        "customer: Hi, my refund for the cancelled order still hasn't arrived. Where is it?",
        "agent: Thanks for reaching out. I'll check with our payments team and get back to you.",
        "customer: Ok, let me know.",
        "agent: The refund was sent on 3 March to the card ending 4421; banks take 5 days.",
        "customer: It's been more than five days though, let me know what to do.",
        "agent: Then I'll open a trace with the bank; the result comes by email tomorrow.",
        "customer: Ok, thanks.",
    )
    assert first_loop(history) is None


def test_agreement_answered_with_agreement_is_a_ping_pong() -> None:
    history = chat(
        "a: I think we should prioritise user onboarding in the next sprint.",
        "b: Great point, onboarding is definitely the priority.",
        "a: Absolutely, I completely agree with you.",
        "b: Yes, that's exactly right, well said.",
        "a: Totally agree, you've captured it perfectly.",
        "b: Couldn't agree more, great point.",
    )
    assert first_loop(history) is not None


def test_agreeing_to_each_new_clause_is_not_a_loop() -> None:
    history = chat(
        "lawyer: Clause 1, term: the lease runs for 24 months from 1 April. Do you agree?",
        "client: Agreed.",
        "lawyer: Clause 2, rent: 1,650 per month, due on the first. Do you agree?",
        "client: Agreed.",
        "lawyer: Clause 3, deposit: five weeks' rent, in a protected scheme. Do you agree?",
        "client: Agreed.",
    )
    assert first_loop(history) is None


def test_two_positions_restated_past_each_other_are_a_ping_pong() -> None:
    history = chat(
        "a: Tabs are the better choice since each developer can set the width they like.",
        "b: Spaces are better because the code looks identical in every editor and viewer.",
        "a: With tabs, everyone picks their own preferred indent size, which is more flexible.",
        "b: Spaces guarantee consistent rendering everywhere, which matters more.",
        "a: Tabs respect personal preference, letting each person choose the visual width.",
        "b: Using spaces means the layout is the same for everybody, no surprises.",
        "a: Tab characters give each reader control over how deep the indentation appears.",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "ping_pong"


def test_a_debate_that_answers_the_other_side_is_not_a_loop() -> None:
    history = chat(
        "pro: Remote work makes teams more productive because people avoid commuting.",
        "con: But mentoring suffers: juniors learn less when they can't overhear seniors.",
        "pro: Pairing sessions and recorded design reviews can replace overhearing for juniors.",
        "con: Recorded reviews lack the follow-up questions; and time zones make pairing hard.",
        "pro: Then hire within three time zones and keep core hours overlapping.",
        "con: Fair, core hours help. Still, office rent is a sunk cost many firms carry.",
        "pro: Sunk costs shouldn't drive policy; sublet the space or shrink to a hub.",
    )
    assert first_loop(history) is None


@pytest.mark.parametrize(
    "lines",
    [
        (
            "kunde: Wo bleibt meine Bestellung? Sie sollte letzte Woche ankommen.",
            "service: Ihre Sendung wird in Kürze bearbeitet.",
            "kunde: Das haben Sie schon gesagt. Wann kommt sie?",
            "service: Wir kümmern uns so schnell wie möglich darum.",
            "kunde: Ich brauche ein Datum?",
            "service: Ihre Bestellung wird demnächst verschickt.",
        ),
        (
            "klant: Mijn wasmachine is nu drie weken kapot. Wanneer komt de monteur?",
            "medewerker: We nemen zo snel mogelijk contact met u op.",
            "klant: Dat zei u vorige week ook. Wanneer?",
            "medewerker: Uw melding wordt binnenkort behandeld.",
            "klant: Ik wil een datum, wanneer?",
            "medewerker: Nog even geduld alstublieft, u hoort binnenkort van ons.",
        ),
        (
            "cliente: Quero cancelar a minha assinatura e receber o dinheiro de volta.",
            "atendente: Lamentamos, mas de acordo com a nossa política não é possível reembolsar.",
            "cliente: Mas eu nem usei o serviço este mês!",
            "atendente: Infelizmente as nossas regras não permitem devoluções.",
            "cliente: Então o que posso fazer?",
            "atendente: Pedimos desculpa, mas a política de reembolso é igual para todos.",
        ),
    ],
    ids=["de", "nl", "pt"],
)
def test_a_put_off_or_a_policy_recited_in_another_language_is_a_loop(
    lines: tuple[str, ...],
) -> None:
    assert first_loop(chat(*lines)) is not None


def test_the_acts_of_other_languages_are_named() -> None:
    assert "puts_off" in acts("Votre colis sera expédié dans les plus brefs délais.")
    assert "refuses" in acts("Conformément à nos conditions, ce n'est pas remboursable.")
    assert "waits" in acts("D'accord, tenez-moi au courant.")
    assert "agrees" in acts("Absolutely, we're on the same page.")
    assert acts("The invoice total is 240 euros.") == frozenset()


def test_the_same_ticket_with_a_new_number_each_turn_is_a_loop() -> None:
    history = chat(
        "customer: My internet has been down since Monday. I need a technician.",
        "agent: I've opened a ticket for you, reference 4471982. A technician will call.",
        "customer: That's what you said on Monday. Nobody called.",
        "agent: I've opened a ticket for you, reference 4472310. A technician will call.",
        "customer: Again? I need someone to actually come.",
        "agent: I've opened a ticket for you, reference 4472957. A technician will call.",
    )
    found = first_loop(history)
    assert found is not None and found.sequences[-1] <= 6


def test_the_same_reply_stamped_with_the_time_of_each_turn_is_a_loop() -> None:
    history = chat(
        "tenant: The heating in flat 12 has been off since yesterday evening.",
        "bot: Your request was passed to the maintenance team at 14:02. They will contact you.",
        "tenant: When will someone come? It is 15 degrees in here.",
        "bot: Your request was passed to the maintenance team at 14:05. They will contact you.",
        "tenant: You said that already. Can I call someone directly?",
        "bot: Your request was passed to the maintenance team at 14:07. They will contact you.",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "repetition"


def test_a_new_time_offered_for_a_visit_is_news() -> None:
    history = chat(
        "tenant: The heating in flat 12 has been off since yesterday evening.",
        "office: A heating engineer can come tomorrow at 08:00. Does that suit you?",
        "tenant: I leave for work at 7, is there anything later?",
        "office: A heating engineer can come tomorrow at 17:30. Does that suit you?",
        "tenant: Perfect, 17:30 works.",
    )
    assert first_loop(history) is None


def test_a_reference_the_other_side_reads_back_is_news() -> None:
    history = chat(
        "customer: Three problems: no internet, a dead TV box, and a double bill.",
        "agent: Internet: I've opened ticket 4471982, a technician comes Thursday morning.",
        "customer: Ticket 4471982, Thursday morning, noted. Now the TV box?",
        "agent: For the TV box I've opened ticket 4471990: a new box ships today.",
    )
    assert volatile(history, "agent") == frozenset()
    assert first_loop(history) is None


def test_volatile_answers_for_the_window_it_is_given_when_a_list_is_changed() -> None:
    """Its answers are kept for the window last asked about: a list changed in place is another."""
    window = list(
        chat(
            "customer: Any update on my refund?",
            "agent: Your case 4471982 is being reviewed.",
            "customer: And when will it be done?",
            "agent: Your case 4472310 is being reviewed.",
        )
    )
    assert volatile(window, "agent") == frozenset({"4471982", "4472310"})
    window[2] = replace(window[2], content="Is case 4471982 the right one?")
    assert volatile(window, "agent") == frozenset()  # taken up: news after all


def test_a_question_about_another_model_is_not_a_repeat() -> None:
    history = chat(
        "user: Does the X200 vacuum work on thick carpets?",
        "assistant: Yes, the X200 has a carpet boost mode that raises suction automatically.",
        "user: Does the X300 vacuum work on thick carpets?",
    )
    assert first_loop(history) is None


def test_agreement_that_adds_an_idea_each_time_is_not_a_loop() -> None:
    history = chat(
        "a: We should improve onboarding.",
        "b: Great point. We could also add a tutorial video.",
        "a: Absolutely, and a tooltip on the first screen.",
        "b: Exactly, plus a welcome email.",
        "a: Agreed, and a checklist in the sidebar.",
        "b: Exactly right, with progress badges.",
        "a: Absolutely, and a short survey at the end.",
    )
    assert first_loop(history) is None
