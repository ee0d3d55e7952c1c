"""A point restated in fresh words, in any language, while the other side moves on
(``loop_unmoved``): letter trigrams, not whole words, tell that the point did not move, and
that none of what the other side brought was taken up."""

from __future__ import annotations

import pytest

from aiconv.platform.loop_unmoved import trigrams, unmoved
from aiconv.platform.loops import LoopConfig
from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)

_STATUS_RESTATED = (  # Italian: the mortgage file is "under review", whatever is asked
    "cliente: Buongiorno, ho chiesto il mutuo tre settimane fa, pratica MU-5521. A che punto è?",
    "banca: Buongiorno. La sua pratica di mutuo risulta attualmente in fase di valutazione "
    "presso l'ufficio crediti.",
    "cliente: Capito, ma serve la perizia sull'immobile? Devo prenotare un geometra?",
    "banca: Comprendo. La informo che la pratica è ancora in valutazione da parte del nostro "
    "ufficio crediti.",
    "cliente: E per la firma dal notaio posso già fissare una data per giugno?",
    "banca: Mi scuso per l'attesa. La valutazione della sua pratica prosegue presso l'ufficio "
    "competente.",
    "cliente: Vorrei parlare con il consulente che mi ha seguito in filiale.",
    "banca: Certamente, capisco. L'ufficio crediti sta ancora valutando la sua pratica di mutuo.",
)


def test_a_status_restated_in_fresh_words_to_new_questions_is_a_loop() -> None:
    loop = first_loop(chat(*_STATUS_RESTATED))
    assert loop is not None
    assert loop.kind == "paraphrase"
    assert "fresh words" in loop.detail


def test_a_korean_bot_rewording_one_refusal_to_new_questions_is_a_loop() -> None:
    history = chat(
        "고객: 지난주에 산 운동화 밑창이 떨어졌어요. 주문번호는 S-77120이에요.",
        "상담봇: 확인 결과 해당 상품은 할인 행사 상품으로 교환 및 반품 대상이 아닙니다.",
        "고객: 불량인데도요? 그럼 수선은 받을 수 있나요?",
        "상담봇: 죄송합니다. 할인 행사로 구매하신 상품은 교환이나 반품이 불가능합니다.",
        "고객: 매장에 직접 가져가면 봐 주나요?",
        "상담봇: 양해 부탁드립니다. 행사 상품은 교환 및 반품 처리가 되지 않습니다.",
        "고객: 담당자랑 통화하고 싶어요.",
        "상담봇: 불편을 드려 죄송합니다. 할인 행사 상품이라 교환, 반품 모두 어렵습니다.",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "paraphrase"


def test_reports_on_each_new_step_are_no_loop() -> None:
    history = chat(
        "customer: My router shows a red light and nothing in the house can get online.",
        "agent: Let's restart it: unplug the router, wait thirty seconds and plug it back in.",
        "customer: Done. The light is still red, nothing in the house online.",
        "agent: Check the grey cable from the wall socket is firmly in the port marked DSL.",
        "customer: Done that as well. The light is red, nothing online still.",
        "agent: Then reset it: hold the pinhole button on the back for ten seconds with a pen.",
        "customer: Done too. Still a red light and nothing is online in the house.",
    )
    assert unmoved(history, LoopConfig()) is None


def test_the_same_status_is_no_loop_when_a_reply_takes_up_what_was_asked() -> None:
    lines = list(_STATUS_RESTATED)
    lines[-1] = (
        "banca: Certamente: il consulente Marco Bellini della filiale la richiamerà "
        "entro domani mattina per la perizia e il notaio."
    )
    assert unmoved(chat(*lines), LoopConfig()) is None


@pytest.mark.parametrize(
    "lines",
    [
        (  # an interview: the same frame, a new subject each time, and it asks
            "entrevistador: Conte-me sobre uma vez em que discordou de um colega de equipe.",
            "candidata: Discordamos sobre adotar GraphQL; escrevi uma comparação e testamos.",
            "entrevistador: Obrigado. Conte-me sobre uma vez em que perdeu um prazo importante.",
            "candidata: Uma migração atrasou uma semana por causa de duplicados; avisei cedo.",
            "entrevistador: Obrigado. Conte-me sobre uma vez em que aprendeu algo muito rápido.",
            "candidata: Aprendi Terraform em duas semanas, fazendo par com a equipe de infra.",
            "entrevistador: Obrigado. Conte-me sobre uma vez em que orientou alguém mais novo.",
        ),
        (  # a parcel polled: each answer states where it is now
            "client: Bonjour, où en est ma commande 58213-B ?",
            "boutique: Commande 58213-B : votre colis est au centre de tri de Lyon depuis 8h.",
            "client: Est-ce qu'il y a du nouveau pour ma commande ?",
            "boutique: Commande 58213-B : votre colis a quitté Lyon à 14h pour Rennes.",
            "client: Est-ce qu'il y a du nouveau pour ma commande ?",
            "boutique: Commande 58213-B : votre colis est arrivé au centre de Rennes à 21h.",
            "client: Est-ce qu'il y a du nouveau pour ma commande ?",
            "boutique: Commande 58213-B : en livraison, passage du facteur entre 10h et 12h.",
        ),
    ],
)
def test_a_frame_filled_anew_or_a_status_that_moves_is_no_loop(lines: tuple[str, ...]) -> None:
    assert unmoved(chat(*lines), LoopConfig()) is None
    assert first_loop(chat(*lines)) is None


def test_trigrams_read_any_script_and_keep_figures_whole() -> None:
    assert {" 교", "교수", "수님", "님 "} <= trigrams("교수님")  # syllables: by pairs
    assert "#58213" in trigrams("commande 58213-B")
    assert trigrams("Ok!") == trigrams("ok")
