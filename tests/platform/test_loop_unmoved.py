"""A point restated in fresh words, in any language, while the other side moves on
(``loop_unmoved``): letter trigrams, not whole words, tell that the point did not move, and
that none of what the other side brought was taken up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiconv.platform.loop_unmoved import _DIGIT, _SYLLABIC, _WORD, trigrams, unmoved
from aiconv.platform.loops import LoopConfig
from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)
DATA = Path(__file__).parents[1] / "data"

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


def test_a_document_asked_for_again_in_fresh_words_of_someone_who_sent_it_is_a_loop() -> None:
    # Portuguese: the bank asks for proof of address in new words each time, once as a
    # question, while the customer keeps saying it was sent. A run that asks is no longer
    # passed over when the other side answers by saying its own point again.
    history = chat(
        "cliente: Boa tarde, quero atualizar a minha morada na conta 4471-22.",
        "banco: Boa tarde! Para atualizar a morada, envie um comprovativo de residência "
        "recente, por favor.",
        "cliente: [anexo: fatura_eletricidade_marco.pdf] Aqui está a fatura da luz.",
        "banco: Obrigado. Para concluir a alteração, precisamos de um documento que comprove "
        "onde reside atualmente.",
        "cliente: Já enviei a fatura da luz, está em anexo acima.",
        "banco: Compreendo. Sem um justificativo da sua residência atual não conseguimos "
        "registar a nova morada.",
        "cliente: O ficheiro da fatura foi enviado há pouco. Não o recebeu?",
        "banco: Pode fazer o favor de nos remeter uma prova do endereço onde vive neste momento?",
        "cliente: Mandei duas vezes a fatura, o anexo está aí.",
        "banco: Lamentamos o incómodo. A mudança de morada só avança com um comprovativo do "
        "local onde vive hoje.",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "paraphrase"


def test_a_learner_asking_a_coach_each_time_is_no_restated_point() -> None:
    # Each restatement of the run asks: an interview, a learner's questions, a debate that
    # asks back, however alike their trigrams.
    history = chat(
        "coach: Let's plan your marathon training. How many weeks until the race?",
        "runner: Sixteen weeks. I run about 30 km a week now, mostly easy runs.",
        "coach: Good base. Build to 60 km over twelve weeks, long run up by 2 km each week, "
        "with a lighter week every fourth week, then taper for three weeks before the race.",
        "runner: Should I add any speed work at all in the first month?",
        "coach: A little: strides after two easy runs a week are enough early on. Intervals can "
        "wait until week six, once the long run passes 20 km.",
        "runner: For the long runs, what should I eat and drink during them?",
        "coach: Practise race fuelling: a gel every 40 minutes after the first hour, and sips of "
        "an electrolyte drink at each loop past the car.",
        "runner: For the taper, what should the last long run look like?",
        "coach: Three weeks out, 32 km at easy pace; then 24, then 14 in race week, keeping a few "
        "short bursts at marathon pace so the legs stay sharp.",
        "runner: And for race morning, what should I do in the hours before the start?",
    )
    assert first_loop(history) is None


def test_a_point_restated_to_short_messages_that_press_the_same_demand_is_a_loop() -> None:
    # Dutch: the customer's later messages bring almost nothing new to the window; they say
    # its demand again ("Gewoon geld terug."), which presses the point, not lets it pass.
    history = chat(
        "klant: Hallo, de stofzuiger die ik kreeg doet het niet. Bestelling 88120. Ik wil "
        "mijn geld terug.",
        "winkel: Vervelend om te horen! Meld eerst een retour aan via uw account; zodra het "
        "pakket bij ons magazijn binnen is, storten we het bedrag terug.",
        "klant: Opsturen is te veel gedoe. Gewoon mijn geld terug.",
        "winkel: Dat begrijp ik. Volgens onze voorwaarden moet u eerst een retour aanvragen in "
        "uw account, pas na ontvangst in het magazijn volgt de terugbetaling.",
        "klant: Hij is kapot, waarom moet ik hem opsturen? Mijn geld terug.",
        "winkel: Sorry voor het ongemak. Vraag alstublieft eerst de retour aan; wanneer het "
        "magazijn de zending heeft ontvangen, krijgt u uw geld.",
        "klant: Mijn geld terug.",
        "winkel: Eerst de retour aanmelden in uw account, daarna betalen we terug zodra het "
        "magazijn hem binnen heeft.",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "paraphrase"


def _trigrams_of_joined_words(content: str) -> frozenset[str]:
    """The reference: the padded plain words joined by a separator, every three characters
    of it but those across two words, then the words with a digit or of syllables."""
    words = _WORD.findall(content.lower())
    plain = [w for w in words if not _DIGIT.search(w) and not _SYLLABIC.match(w)]
    joined = "\x00".join(f" {w} " for w in plain)
    grams = {joined[i : i + 3] for i in range(len(joined) - 2)}
    grams = {g for g in grams if "\x00" not in g}
    fresh = trigrams.__wrapped__  # type: ignore[attr-defined]
    for word in words:
        if _DIGIT.search(word) or _SYLLABIC.match(word):
            grams |= fresh(word)  # (a word alone: its own rules, tested above)
    return frozenset(grams)


def test_a_texts_trigrams_are_its_words_trigrams_however_made() -> None:
    """Made word by word (each word once, a word's trigrams kept): the same as every three
    characters of the padded words joined, on every corpus message and at the edges."""
    texts = [
        m["content"]
        for name in ("detection_corpus.jsonl", "detection_heldout.jsonl")
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()
        for m in json.loads(line)["messages"]
    ]
    edges = ["", "a", "a a a", "٣ abc", "abc한 x", "签收后30天内 ok", "・", "A1 b2", "x\u3000y"]
    edges += ["order 58213 now", "x9y", "route 0", "abc²", "ab ① cd"]  # digits, ASCII or not
    for text in [*texts, *edges]:
        assert trigrams.__wrapped__(text) == _trigrams_of_joined_words(text), text  # type: ignore[attr-defined]


def test_a_long_pasted_word_is_not_kept_with_its_trigrams() -> None:
    """Each word's trigrams are kept (4,096 words) with the word: a blob of a megabyte pasted
    as one word, again and again, would have held gigabytes. Long words are made each time,
    the same trigrams, and keep nothing."""
    from aiconv.platform.loop_unmoved import _word_trigrams

    blob = "".join(chr(ord("a") + (i * 7919) % 26) for i in range(200_000))
    _word_trigrams.cache_clear()  # a full cache would hide what one text adds
    before = _word_trigrams.cache_info().currsize
    grams = trigrams(f"look at this {blob} please")
    assert _word_trigrams.cache_info().currsize <= before + 4  # look, at, this, please
    assert f" {blob[:2]}" in grams and f"{blob[-2:]} " in grams and blob[1000:1003] in grams
