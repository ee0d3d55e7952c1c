"""The empty acts in the other languages agents run in: deferrals answered with waiting and
apologies instead of action in Italian, Dutch, German and French (blind round 17 missed the
German and French ones), found as the English ones are; the act words themselves; and thanks
and agreement spirals in German, French, Italian and Portuguese."""

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


@pytest.mark.parametrize(
    "lines",
    [
        (
            "redakteurin: Der Artikel über die Energiewende ist online, mit allen Korrekturen.",
            "lektor: Sehr gut, danke für die schnelle Umsetzung!",
            "redakteurin: Gerne, und danke dir für das gründliche Lektorat.",
            "lektor: Das freut mich. Mit dir macht die Arbeit wirklich Spaß.",
            "redakteurin: Ganz meinerseits, ich schätze deine Genauigkeit sehr.",
            "lektor: Vielen Dank, das ist lieb von dir!",
            "redakteurin: Ich danke dir, ein tolles Team sind wir.",
            "lektor: Dem stimme ich zu, tausend Dank nochmal!",
        ),
        (
            "agent_a: Le rapport trimestriel est envoyé au client.",
            "agent_b: Parfait, merci beaucoup pour ce travail !",
            "agent_a: Merci à toi, c'est un plaisir de travailler avec toi.",
            "agent_b: Le plaisir est pour moi, vraiment une super collaboration.",
            "agent_a: Ravi de l'entendre, merci encore pour ta patience.",
            "agent_b: Merci à toi, toujours très agréable.",
            "agent_a: Merci infiniment, vraiment.",
            "agent_b: Merci encore, vraiment.",
        ),
        (
            "agente_a: Ho aggiornato il listino con i nuovi prezzi di marzo.",
            "agente_b: Grazie mille, lavoro perfetto!",
            "agente_a: Grazie a te, è un piacere lavorare con te.",
            "agente_b: Il piacere è mio, davvero una bella collaborazione.",
            "agente_a: Sono contento, grazie ancora per la pazienza.",
            "agente_b: Grazie a te, sempre molto gentile.",
            "agente_a: Figurati, grazie ancora di tutto.",
        ),
        (
            "agente_a: Então fica marcada a reunião para quinta às 15h com o cliente Silva.",
            "agente_b: Combinado, quinta às 15h.",
            "agente_a: Perfeito, combinado então.",
            "agente_b: Ótimo, fica combinado.",
            "agente_a: Certo, tudo combinado.",
            "agente_b: Perfeito, combinado.",
            "agente_a: Ótimo, combinado.",
            "agente_b: Combinado, perfeito.",
        ),
        (
            "agent_a: De offerte is verstuurd naar de klant.",
            "agent_b: Top, heel erg bedankt!",
            "agent_a: Graag gedaan, fijn samenwerken zo.",
            "agent_b: Dank je, echt een prettige samenwerking.",
            "agent_a: Bedankt, jij ook enorm bedankt.",
            "agent_b: Graag gedaan, echt top.",
            "agent_a: Heel fijn, bedankt nog!",
            "agent_b: Dank je wel, echt fijn.",
        ),
    ],
    ids=["german", "french", "italian", "portuguese", "dutch"],
)
def test_thanks_and_agreement_in_new_words_are_a_collapse_in_other_languages(
    lines: tuple[str, ...],
) -> None:
    # Round 17 (blind) missed a German thanks spiral in whole sentences ("Ich schätze deine
    # Zuverlässigkeit sehr") and a Spanish "De acuerdo, quedamos así" spiral: praise of the work
    # together and agreement that only agrees are courtesy in these languages too.
    found = first_loop(chat(*lines))
    assert found is not None and found.kind == "collapse"


_BRANCH_HOURS = (
    "cliente: ¿A qué hora abre la sucursal de la calle Alcalá?",
    "bot: Entiendo que usted quiere saber a qué hora abre la sucursal: abre a las ocho y media.",
    "cliente: ¿Y cierra a mediodía?",
    "bot: Entiendo que usted quiere saber si cierra a mediodía: no, el horario es continuo.",
    "cliente: ¿Atienden también los sábados?",
    "bot: Entiendo que usted quiere saber si atienden los sábados: solo el primer sábado del mes.",
    "cliente: ¿Hace falta pedir cita?",
    "bot: Entiendo que usted quiere saber si hace falta pedir cita: para hipotecas sí, para "
    "lo demás no.",
    "cliente: Vale, muchas gracias.",
)
_CLAIM_STATUS = (
    "cliente: Quisiera saber el estado de mi reclamación.",
    "bot: Entiendo que usted quiere saber cómo va su reclamación: está en revisión.",
    "cliente: ¿Quién la está revisando?",
    "bot: Entiendo que usted quiere saber quién la revisa: el departamento de calidad.",
    "cliente: ¿Cuánto suele tardar?",
    "bot: Entiendo que usted quiere saber cuánto tarda: unos diez días hábiles.",
    "cliente: ¿Me avisarán por correo?",
    "bot: Entiendo que usted quiere saber si le avisaremos: sí, por correo electrónico.",
)


@pytest.mark.parametrize("lines", [_BRANCH_HOURS, _CLAIM_STATUS], ids=["hours", "claim"])
def test_a_frame_naming_each_question_then_its_answer_is_no_sympathy_said_again(
    lines: tuple[str, ...],
) -> None:
    """ "Entiendo" is sympathy's word, said three times; but each reply names the question just
    asked and, past the colon, answers it with words of its own (short answers: fewer than the
    three new words that made any reply an answer before)."""
    assert first_loop(chat(*lines)) is None


def test_the_same_frame_around_sympathy_or_an_apology_is_still_a_loop() -> None:
    history = chat(
        "cliente: ¿A qué hora abre la sucursal de la calle Alcalá?",
        "bot: Entiendo que usted quiere saber a qué hora abre la sucursal: comprendo su inquietud.",
        "cliente: Sí, pero ¿a qué hora abre?",
        "bot: Entiendo que usted quiere saber a qué hora abre: lamento no poder darle más "
        "detalles.",
        "cliente: ¿Me lo puede decir o no? ¿Cierra a mediodía?",
        "bot: Entiendo que usted quiere saber si cierra a mediodía: le pido disculpas por las "
        "molestias.",
    )
    found = first_loop(history)
    assert found is not None and found.sequences[-1] == 6
