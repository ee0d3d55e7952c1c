"""The empty acts in the other languages agents run in: deferrals answered with waiting and
apologies instead of action in Italian, Dutch, German and French (blind round 17 missed the
German and French ones), found as the English ones are; the act words themselves."""

from __future__ import annotations

import pytest

from aiconv.platform.speech_acts import acts
from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    "lines",
    [
        (
            "cliente: Buongiorno, aspetto ancora il rimborso dell'ordine 55120. A che punto siamo?",
            "operatore: Buongiorno, verifico subito con l'amministrazione e le faccio sapere.",
            "cliente: Va bene, mi faccia sapere.",
            "operatore: Certo, controllo la pratica e la ricontatto.",
            "cliente: D'accordo, resto in attesa.",
            "operatore: Verifico con i colleghi e le farò sapere al più presto.",
            "cliente: Va bene, attendo notizie.",
            "operatore: Senz'altro, controllo e le faccio sapere.",
        ),
        (
            "klant: Goedemiddag, wanneer wordt mijn koelkast geleverd? Bestelnummer 771204.",
            "winkel: Goedemiddag, ik zoek het voor u uit en kom erop terug.",
            "klant: Prima, ik wacht op uw bericht.",
            "winkel: Ik neem even contact op met het magazijn en laat het u weten.",
            "klant: Goed, ik hoor het graag.",
            "winkel: Ik kom er zo snel mogelijk op terug.",
            "klant: Oké, laat maar weten.",
            "winkel: Ik zoek het verder uit en kom bij u terug.",
        ),
    ],
    ids=["italian", "dutch"],
)
def test_a_deferral_answered_with_waiting_is_a_ping_pong_in_other_languages(
    lines: tuple[str, ...],
) -> None:
    found = first_loop(chat(*lines))
    assert found is not None and found.kind == "ping_pong"


@pytest.mark.parametrize(
    "lines",
    [
        (
            "cliente: Mi avete spedito la taglia sbagliata due volte. Potete mandarmi la M?",
            "assistente: Ci scusiamo per il disagio.",
            "cliente: Va bene, ma quando arriva la taglia M?",
            "assistente: Mi dispiace molto per l'inconveniente.",
            "cliente: Non voglio scuse, voglio la taglia giusta.",
            "assistente: Siamo davvero spiacenti, ci scusi ancora.",
            "cliente: Allora, la spedite o no?",
            "assistente: Ci dispiace per quanto accaduto.",
        ),
        (  # "tut uns sehr leid"; "Vorfall" is a German noun, not a name (no news)
            "kunde: Sie buchen den Beitrag zweimal ab. Bitte stornieren Sie eine Lastschrift.",
            "assistent: Das tut uns sehr leid.",
            "kunde: Danke, aber wann wird storniert?",
            "assistent: Bitte entschuldigen Sie die Unannehmlichkeiten.",
            "kunde: Ich will keine Entschuldigung, ich will mein Geld.",
            "assistent: Wir bedauern diesen Vorfall sehr.",
            "kunde: Stornieren Sie jetzt oder nicht?",
            "assistent: Verzeihen Sie bitte den Ärger.",
        ),
    ],
    ids=["italian", "german"],
)
def test_apologies_instead_of_the_action_asked_for_are_a_loop_in_other_languages(
    lines: tuple[str, ...],
) -> None:
    found = first_loop(chat(*lines))
    assert found is not None and found.kind == "paraphrase"


@pytest.mark.parametrize(
    ("text", "act"),
    [
        ("Ich hake intern nach und melde mich zeitnah.", "promises_look"),
        ("Gut, ich höre dann von Ihnen.", "waits"),
        ("Entendu, je reste dans l'attente de votre réponse.", "waits"),
        ("Bien sûr, je consulte son agenda et je vous confirme.", "promises_look"),
        ("Nous vous prions de bien vouloir nous excuser.", "apologises"),
        ("Nous regrettons vivement les inconvénients.", "apologises"),
        ("Fico a aguardar a sua resposta.", "waits"),
        ("Capisco benissimo la sua situazione.", "sympathises"),
    ],
)
def test_deferrals_waiting_and_apologies_are_named_in_other_languages(text: str, act: str) -> None:
    assert act in acts(text)
