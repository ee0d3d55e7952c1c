"""One side ignoring what the other says, in any language (``loop_ignored``): a value asked for
again after it was given each time, figures recited to questions they do not touch (blind
round 17 missed a Dutch customer number and a Portuguese baggage allowance), questions answered
only with questions; and the exchanges that look alike but move (a code that expired, a quiz, a
price restated with each answer)."""

from __future__ import annotations

import pytest

from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)


def test_a_value_asked_for_a_fourth_time_after_the_same_answer_each_time_is_a_loop() -> None:
    history = chat(
        "kundin: Ich möchte meine Lieferadresse ändern.",
        "bot: Gern. Wie lautet Ihre Kundennummer?",
        "kundin: 50067321.",
        "bot: Danke. Nennen Sie mir bitte Ihre Kundennummer?",
        "kundin: Die habe ich gerade genannt: 50067321.",
        "bot: Für die Änderung brauche ich Ihre Kundennummer. Wie lautet sie?",
        "kundin: Zum dritten Mal: 50067321.",
        "bot: Vielen Dank. Können Sie mir Ihre Kundennummer mitteilen?",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "paraphrase"
    assert found.sequences == (2, 4, 6, 8)


def test_the_same_figures_recited_to_questions_they_do_not_touch_are_a_loop() -> None:
    history = chat(
        "client: Je pars au Maroc la semaine prochaine, mon forfait marche-t-il là-bas ?",
        "conseiller: Votre forfait comprend 100 Go en France et 25 Go en Europe.",
        "client: Et au Maroc, hors Europe ?",
        "conseiller: Votre offre inclut 100 Go en France métropolitaine et 25 Go en Europe.",
        "client: Vous ne répondez pas : le Maroc, c'est combien ?",
        "conseiller: Votre abonnement, c'est 100 Go sur le territoire et 25 Go dans l'Union.",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "paraphrase"


@pytest.mark.parametrize(
    "lines",
    [
        (
            "bot: Please type the code we just sent to your phone?",
            "user: 482913",
            "bot: That code has expired. Could you type the new code we sent?",
            "user: 482913",
            "bot: The same code came through again. Could you type the code from the newest text?",
            "user: 771204",
            "bot: Thanks, you're verified. What would you like to change?",
        ),
        (
            "tutor: What is 6 times 7?",
            "kid: 42.",
            "tutor: What is 7 times 6?",
            "kid: 42.",
            "tutor: What is 21 times 2?",
            "kid: 42.",
            "tutor: What is 14 times 3?",
            "kid: 42.",
        ),
        (
            "guest: How much is the room per night?",
            "hotel: The double room is 120 euros a night, breakfast 15 euros.",
            "guest: Is parking included in that?",
            "hotel: Parking isn't included: the double is 120 euros, breakfast 15 euros.",
            "guest: Can I bring a dog?",
            "hotel: Dogs are welcome: the double is 120 euros, breakfast 15 euros.",
            "guest: Great, book it for Friday.",
        ),
    ],
    ids=["expired-code", "quiz", "price-with-each-answer"],
)
def test_an_answer_given_again_or_figures_restated_while_it_moves_are_no_loop(
    lines: tuple[str, ...],
) -> None:
    assert first_loop(chat(*lines)) is None


def test_questions_answered_only_with_questions_are_a_ping_pong() -> None:
    # Round 17 (blind) missed "What format do you need?" - "What formats can you produce?" -
    # "Which would be most useful for your team?" …: six questions in a row, nobody answers.
    history = chat(
        "agent_a: Welches Format brauchen Sie für den Bericht?",
        "agent_b: Welche Formate können Sie denn liefern?",
        "agent_a: Was wäre für Ihr Team am nützlichsten?",
        "agent_b: Was nehmen die anderen Teams normalerweise?",
        "agent_a: Womit arbeiten Sie denn auf Ihrer Seite?",
        "agent_b: Was würden Sie uns empfehlen?",
        "agent_a: Was passt am besten zu Ihren Abläufen?",
        "agent_b: Was schlagen Sie vor?",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "ping_pong"
    assert found.sequences == (1, 2, 3, 4, 5, 6)


def test_figures_said_again_as_the_preamble_of_each_new_answer_are_no_recital() -> None:
    # The same sentence with the figures, then a clause that answers the new question in
    # words of its own ("the delivery location can be edited online"): it answers.
    history = chat(
        "customer: When does my order ship?",
        "agent: Your order 4471 ships on 12 May.",
        "customer: Can I change the address?",
        "agent: Your order 4471 ships on 12 May; the delivery location can be edited online "
        "until then.",
        "customer: Can someone else sign for it?",
        "agent: Your order 4471 ships on 12 May; any adult at the door may take the parcel.",
        "customer: Great, thanks.",
    )
    assert first_loop(history) is None


def test_figures_recited_with_an_amount_the_other_said_before_are_still_a_recital() -> None:
    """The amount complained of, said back once among the recitals, is no news of its own."""
    history = chat(
        "inquilina: Mi factura de agua de este trimestre es de 388,40 €; suelo pagar unos 95 €. "
        "Contrato 5521930.",
        "empresa: He revisado el contrato 5521930. La factura usa la lectura del contador del "
        "03/02, con 212 metros cúbicos, así que el importe es correcto. ¿Algo más?",
        "inquilina: Pero mi contador marca hoy 1.406 y la factura dice 1.590. ¿Cómo puede ser?",
        "empresa: Entiendo. La factura refleja la lectura del 03/02, 212 metros cúbicos, y por "
        "eso el importe está bien. ¿Le ayudo en algo más?",
        "inquilina: ¿Pueden mandar a un técnico? Creo que el lector se equivocó al anotarla.",
        "empresa: Comprendo. Los 388,40 € corresponden al consumo de la lectura del 03/02 (212 "
        "metros cúbicos), así que se mantiene. ¿Hay algo más?",
    )
    found = first_loop(history)
    assert found is not None and found.sequences == (2, 4, 6)
