"""Loops of blind round 20 in other languages, written anew in other words: German agents
handing the move back with "nach Ihnen", "Sie zuerst", "den Vortritt"; a bot that says each
message back as what the other wants ("Entendi que você quer …"); a Swedish bot reporting
that it is working on it, in new words each time ("arbetar med att", "felet är känt"); an
Italian rule recited ("come previsto", "comporta") to a customer who says it is "sempre la
stessa cosa".
Next to them, the same words once, then the work done."""

from __future__ import annotations

import pytest

from aiconv.platform.loop_acts import presses
from aiconv.platform.speech_acts import acts
from aiconv.platform.wording import features, substance
from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    ("text", "act"),
    [
        ("Nein, wirklich, nach Ihnen.", "defers"),
        ("Gern, aber ich lasse Ihnen den Vortritt.", "defers"),
        ("Es wäre uns lieber, wenn Sie anfangen.", "defers"),
        ("Entendi que você quer cancelar a assinatura.", "mirrors"),
        ("Si je comprends bien, vous voulez un remboursement.", "mirrors"),
        ("Vi arbetar med att lösa problemet.", "no_news"),
        ("Come previsto dal regolamento, il deposito non è rimborsabile.", "refuses"),
        ("Il cambio di data comporta un costo di 40 euro.", "refuses"),
        ("Felet är känt sedan i morse.", "no_news"),
        ("Vi ber om ursäkt för väntan.", "apologises"),
        ("Nej, ring du kunden först, du först.", "defers"),
        ("Det är nog bättre om du skriver inledningen.", "defers"),
    ],
)
def test_the_acts_are_known_in_these_languages(text: str, act: str) -> None:
    assert act in acts(text)


def test_two_agents_each_giving_the_other_precedence_are_a_ping_pong() -> None:
    history = chat(
        "planung: Wer von uns beiden schickt dem Kunden das Angebot für die Dachsanierung?",
        "vertrieb: Es wäre mir lieber, wenn Sie das Angebot schicken, Sie kennen die Mengen.",
        "planung: Sehr nett, aber ich lasse Ihnen gern den Vortritt beim Kunden.",
        "vertrieb: Nein, bitte, nach Ihnen, Sie haben den Kontakt zum Bauherrn.",
        "planung: Ich bestehe darauf, Sie zuerst, wir liefern dann die Details.",
        "vertrieb: Das ist freundlich, aber es wäre mir lieber, wenn Sie anfangen.",
        "planung: Ganz im Gegenteil, nach Ihnen, wir schließen uns an.",
        "vertrieb: Wirklich, ich lasse Ihnen den Vortritt, wir folgen gern.",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "ping_pong"


def test_two_swedish_agents_each_letting_the_other_begin_are_a_ping_pong() -> None:
    history = chat(
        "kod: Vem av oss skriver testerna för den nya exportfunktionen?",
        "test: Det är nog bättre om du börjar, du skrev ju funktionen.",
        "kod: Snällt, men du borde börja, du kan testramverket bäst.",
        "test: Nej, du först, jag fyller på med kantfallen sedan.",
        "kod: Jag vill inte gå före dig. Börja du med enhetstesterna.",
        "test: Ta du de första testerna, jag tar resten efter dig.",
        "kod: Nej, du först, verkligen.",
        "test: Jag insisterar, kör du.",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "ping_pong"


def test_a_swedish_agent_letting_the_other_begin_once_is_no_loop() -> None:
    history = chat(
        "kod: Vem av oss skriver testerna för den nya exportfunktionen?",
        "test: Det är nog bättre om du börjar, du skrev ju funktionen.",
        "kod: Okej, jag skriver enhetstesterna för CSV och JSON i dag.",
        "test: Bra, då tar jag integrationstesterna mot S3 i morgon.",
        "kod: Enhetstesterna är klara: 14 fall, alla gröna.",
    )
    assert first_loop(history) is None


def test_a_bot_saying_each_request_back_as_what_is_wanted_is_a_loop() -> None:
    history = chat(
        "cliente: Quero transferir 300 reais para a conta da minha irmã hoje.",
        "bot: Entendi que você quer transferir 300 reais para a conta da sua irmã hoje.",
        "cliente: Isso mesmo. Pode fazer a transferência agora?",
        "bot: Entendi que você quer saber se eu posso fazer a transferência agora.",
        "cliente: Sim, faça a transferência, por favor.",
        "bot: Entendi que você quer que eu faça a transferência, por favor.",
        "cliente: Você só repete o que eu digo?",
        "bot: Entendi que você quer saber se eu só repito o que você diz.",
    )
    assert first_loop(history) is not None


def test_a_request_said_back_once_then_done_is_no_loop() -> None:
    history = chat(
        "cliente: Quero passar a fatura para débito automático no Banco do Sol.",
        "bot: Entendi que você quer a fatura em débito automático. Qual é a agência?",
        "cliente: Agência 0412, conta 55871-3.",
        "bot: Pronto: débito automático ativado na agência 0412, a partir de março.",
        "cliente: Perfeito, obrigado.",
    )
    assert first_loop(history) is None


def test_a_swedish_bot_reporting_the_same_non_news_is_a_loop() -> None:
    history = chat(
        "kund: Vårt bredband i Kvarngärdet har legat nere sedan i går kväll. När fungerar det?",
        "bot: Hej! Vi känner till störningen och arbetar med att åtgärda den.",
        "kund: Finns det en ungefärlig tid?",
        "bot: Våra tekniker håller på att felsöka nätet i ditt område.",
        "kund: Jag jobbar hemifrån och behöver veta ungefär när.",
        "bot: Felet är känt och arbetet pågår för att få igång tjänsten.",
        "kund: Är det en trasig kabel eller något annat?",
        "bot: Vi är medvetna om avbrottet och jobbar på att lösa det.",
    )
    assert first_loop(history) is not None


def test_a_dutch_thanks_spiral_in_new_words_is_a_collapse() -> None:
    history = chat(
        "planner: De rooster voor week 12 staat in de gedeelde map, alle diensten zijn gevuld.",
        "teamleider: Super, ik heb hem gezien en doorgestuurd naar het team.",
        "planner: Dank je wel voor het snelle doorsturen!",
        "teamleider: Graag gedaan, en bedankt voor het nette rooster.",
        "planner: Insgelijks, echt fijn samengewerkt deze maand.",
        "teamleider: Hartelijk dank nogmaals, je bent een fijne collega.",
        "planner: Dat is lief, dank je! Jij ook hoor.",
        "teamleider: Dankjewel, ik waardeer het echt.",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "collapse"


def test_dutch_thanks_then_the_next_task_is_no_loop() -> None:
    history = chat(
        "planner: De rooster voor week 12 staat klaar, alle diensten zijn gevuld.",
        "teamleider: Dank je wel, echt fijn samengewerkt!",
        "planner: Graag gedaan. Zal ik week 13 ook al maken, met de twee nieuwe stagiairs?",
        "teamleider: Ja graag, zet Noor op de vroege diensten en Bram op de late.",
        "planner: Komt in orde: Noor maandag tot woensdag vroeg, Bram donderdag en vrijdag laat.",
    )
    assert first_loop(history) is None


def test_a_swedish_thanks_spiral_is_a_collapse() -> None:
    history = chat(
        "hyresgäst: Stort tack för att ni lagade elementet så snabbt!",
        "fastighet: Varsågod, det var så lite!",
        "hyresgäst: Tack igen, verkligen!",
        "fastighet: Ingen orsak alls!",
        "hyresgäst: Tusen tack till dig!",
        "fastighet: Tack själv!",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "collapse"


def test_swedish_thanks_then_the_next_request_is_no_loop() -> None:
    history = chat(
        "fastighet: Elementet i lägenhet 4B är lagat, vi bytte termostaten.",
        "hyresgäst: Tack så mycket!",
        "fastighet: Varsågod! Behöver ni något mer?",
        "hyresgäst: Ja, fönstret i sovrummet går inte att stänga ordentligt.",
        "fastighet: Då skickar vi en snickare på torsdag mellan 8 och 12.",
    )
    assert first_loop(history) is None


def test_an_italian_rule_recited_to_a_customer_who_presses_is_a_loop() -> None:
    history = chat(
        "cliente: Devo spostare il volo per Bari, mia madre è in ospedale. Ho il certificato.",
        "agenzia: Le ricordo che il cambio data comporta un costo di 60 euro.",
        "cliente: Ma per motivi medici documentati il cambio è gratuito, lo dice l'articolo 4.",
        "agenzia: Capisco. Come previsto dalle condizioni, ogni modifica prevede 60 euro.",
        "cliente: Mi ripete sempre la stessa cosa. A chi mando il certificato?",
        "agenzia: Mi scuso. Per il cambio della data si applicano 60 euro di penale.",
    )
    assert first_loop(history) is not None


@pytest.mark.parametrize(
    "text", ["Mi sta dicendo sempre la stessa cosa.", "Sie schreiben schon wieder dasselbe."]
)
def test_the_same_thing_again_presses_in_other_languages(text: str) -> None:
    assert presses(text)


def test_dutch_words_of_substance_are_no_courtesy() -> None:
    """The Dutch courtesy words are small words and praise; a word that carries a subject
    ("snel", quick: "Kunt u het snel oplossen?") stays substance."""
    assert "snel" in substance(features("Kunt u de storing snel oplossen?"))
