"""Each message handed back in the replier's own words, in any language (``loop_said_back``):
letter trigrams tell that a reply is made of the message before it and brings nothing, with no
list of any language's "you"."""

from __future__ import annotations

import pytest

from aiconv.platform.loop_said_back import said_back
from aiconv.platform.loops import LoopConfig
from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)

_HANDED_BACK = (  # Czech: a co-writer that only says the other's ideas back
    "Autor: Potřebujeme název pro podcast o vaření pro studenty. Máš nějaký nápad?",
    "Spoluautor: Co třeba „Kuchyně na koleji“? Krátké, jasné a každý student ví, o co jde.",
    "Autor: Dobré. A úvodní díl bychom mohli věnovat levným snídaním do deseti minut.",
    "Spoluautor: Takže úvodní díl věnovat levným snídaním do deseti minut.",
    "Autor: Ano. Kdo by mohl být prvním hostem, nějaký kuchař z menzy?",
    "Spoluautor: Takže se ptáš, kdo by mohl být prvním hostem, nějaký kuchař z menzy.",
    "Autor: Přesně tak. Máš vůbec nějaký vlastní nápad?",
    "Spoluautor: Takže se ptáš, jestli mám vůbec nějaký vlastní nápad.",
)


def test_ideas_handed_back_in_a_language_with_no_listed_you_are_an_echo() -> None:
    loop = first_loop(chat(*_HANDED_BACK))
    assert loop is not None
    assert loop.kind == "echo"


def test_replies_that_bring_their_own_answer_are_no_echo() -> None:
    lines = list(_HANDED_BACK)
    lines[-1] = "Spoluautor: Mám: soutěž posluchačů o nejlevnější recept měsíce, vítěz vaří s námi."
    assert said_back(chat(*lines), LoopConfig()) is None


@pytest.mark.parametrize(
    "lines",
    [
        (  # a quiz whose answers restate their questions: each brings the answer
            "host: Question one: in which year did the first Moon landing take place?",
            "player: The first Moon landing took place in 1969.",
            "host: Correct. Who was the first woman to win a Nobel Prize?",
            "player: The first woman to win a Nobel Prize was Marie Curie.",
            "host: Correct. Which empire built Machu Picchu?",
            "player: Machu Picchu was built by the Inca Empire.",
        ),
        (  # a drill: each item presented to be said back
            "Lehrerin: Sprich nach: «Wo ist der Bahnhof?»",
            "Schüler: Wo ist der Bahnhof?",
            "Lehrerin: Gut. Weiter: «Wann fährt der nächste Zug?»",
            "Schüler: Wann fährt der nächste Zug?",
            "Lehrerin: Sehr gut. Und: «Was kostet eine Fahrkarte?»",
            "Schüler: Was kostet eine Fahrkarte?",
        ),
    ],
)
def test_answers_and_drills_that_say_words_back_are_no_echo(lines: tuple[str, ...]) -> None:
    assert said_back(chat(*lines), LoopConfig()) is None
