"""Loops of blind round 18 that two sides make together, written anew in other words and
languages: each waits for the other's move, hands the choice back, asks the other to confirm
its confirmation; a clarification asked again after "I told you"; and a Japanese assistant
that only says "はい" to questions asked with a full-width "？"."""

from __future__ import annotations

import pytest

from aiconv.platform.speech_acts import acts
from aiconv.platform.wording import features
from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)


def test_two_agents_each_waiting_for_the_other_are_a_ping_pong() -> None:
    history = chat(
        "designer: I can mock up the settings page. Could you share the data model first?",
        "backend: I'll define the data model as soon as your mock-up shows the fields.",
        "designer: I'd rather start once I have the model; the mock-up follows from it.",
        "backend: Fair, but I'll wait for the mock-up, so that they match.",
        "designer: OK. I'll start the mock-up as soon as your data model is in.",
        "backend: Sounds good, the model comes as soon as your mock-up is ready.",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "ping_pong"


@pytest.mark.parametrize(
    "lines",
    [
        (
            "marta: Hay que elegir el hotel para el congreso de marzo. ¿Tienes preferencia?",
            "jorge: Me da igual, elige tú.",
            "marta: Yo tampoco tengo preferencia, decide tú.",
            "jorge: No, de verdad, tú decides.",
            "marta: Insisto, elige tú, cualquiera me parece bien.",
            "jorge: Qué va, decide tú, yo me adapto.",
        ),
        (
            "agent_a: We need to pick the venue for the offsite in May. Any preference?",
            "agent_b: Honestly, it's up to you.",
            "agent_a: I don't mind either way, your call.",
            "agent_b: No really, you decide.",
            "agent_a: I'm fine with anything, it's up to you.",
            "agent_b: Your call, whatever you pick works for me.",
        ),
    ],
    ids=["spanish", "english"],
)
def test_handing_the_choice_back_and_forth_is_a_ping_pong(lines: tuple[str, ...]) -> None:
    loop = first_loop(chat(*lines))
    assert loop is not None
    assert loop.kind == "ping_pong"


def test_a_choice_handed_over_once_and_then_made_is_not_a_loop() -> None:
    history = chat(
        "planner: Lunch for the workshop: the Thai place or the pizzeria?",
        "host: Up to you, both are fine for me.",
        "planner: Then the Thai place. Fourteen people at 12:30, I'll book it now.",
        "host: Great. Can they do two vegan dishes?",
        "planner: Yes, green curry and the tofu noodles are vegan. Booked for 12:30.",
        "host: Perfect, thanks.",
    )
    assert first_loop(history) is None


def test_asking_each_other_to_confirm_the_confirmation_is_a_ping_pong() -> None:
    history = chat(
        "depot_lille: Le lot 8841 est prêt à l'enlèvement. Veuillez confirmer la réception.",
        "depot_gent: Ontvangen. Graag bevestigen dat u onze bevestiging heeft ontvangen.",
        "depot_lille: Bien reçu votre confirmation. Veuillez confirmer la réception de ce message.",
        "depot_gent: Ontvangen. Graag bevestigen dat dit bericht is aangekomen.",
        "depot_lille: Reçu. Veuillez confirmer à nouveau la réception.",
        "depot_gent: Ontvangen. Graag bevestigen.",
        "depot_lille: Reçu. Veuillez confirmer.",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "ping_pong"


def test_a_clarification_asked_again_after_i_told_you_is_a_loop() -> None:
    history = chat(
        "user: Please book the small meeting room for Friday at 3 pm.",
        "assistant: Sure! Could you clarify which room you mean?",
        "user: The small one on the second floor, called Kestrel.",
        "assistant: Thanks! Can you tell me a bit more about which room you'd like?",
        "user: Kestrel. Second floor. Friday, 3 pm.",
        "assistant: Got it. Could you specify the room you're referring to?",
        "user: I told you twice already.",
        "assistant: Sorry! Could you clarify which room?",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "paraphrase"


@pytest.mark.parametrize(
    ("text", "act"),
    [
        ("Kindly confirm receipt of the files.", "asks_clarity"),
        ("Bitte bestätigen Sie den Termin.", "asks_clarity"),
        ("Prefiro que você decida.", "defers"),
        ("Scegli tu, per me va bene tutto.", "defers"),
        ("À vous de choisir, les deux me conviennent.", "defers"),
        ("I'll send the figures as soon as your template is ready.", "waits"),
    ],
)
def test_confirmations_asked_and_choices_handed_back_are_named(text: str, act: str) -> None:
    assert act in acts(text)


def test_only_hai_to_japanese_questions_is_a_collapse() -> None:
    history = chat(
        "user: SQLで重複した行を削除する方法を教えてください。",
        "assistant: `ROW_NUMBER()` で番号を付けて、2以上の行を削除するのが一般的です。",
        "user: MySQL 5.7でも使えますか？",
        "assistant: はい。",
        "user: 5.7にはウィンドウ関数がないはずですが、どうすればいいですか？",
        "assistant: はい",
        "user: 具体的な方法は？",
        "assistant: はい。",
        "user: 「はい」じゃなくて説明してください。",
        "assistant: はい",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "collapse"


def test_a_figure_written_out_is_the_same_figure() -> None:
    assert features("the lowest is sixty-five euros a night").numbers == {"65"}
    assert features("Forty five, then ninety-nine.").numbers == {"45", "99"}


def test_positions_held_with_a_figure_once_written_out_are_a_ping_pong() -> None:
    history = chat(
        "planner: We'd like 20 rooms for 3 nights at $55 a night.",
        "hotel: For 20 rooms over 3 nights our group rate is $65 a night.",
        "planner: $65 is over our budget. Could you do $55?",
        "hotel: I see. For twenty rooms and three nights, the best we can do is sixty-five "
        "dollars a night.",
        "planner: $55 is really our limit.",
        "hotel: Our group rate remains $65 per room and night.",
        "planner: Then we're still at $55.",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "ping_pong"


def test_a_side_holding_its_figure_while_the_other_moves_is_not_a_loop() -> None:
    history = chat(
        "buyer: We can pay $38 a seat for 2,000 seats.",
        "vendor: Our list price is $45 a seat.",
        "buyer: We stay at $38 a seat.",
        "vendor: For 2,000 seats I can do $43.",
        "buyer: Still $38 from our side.",
        "vendor: $41 if you sign for three years.",
        "buyer: $38 is where we are.",
        "vendor: Final offer: $40 with a three-year term.",
    )
    assert first_loop(history) is None


@pytest.mark.parametrize(
    "lines",
    [
        (
            "cliente: Ho perso la mia carta di credito ieri sera a Torino. Come la blocco?",
            "assistente: Ha perso la sua carta di credito ieri sera a Torino. Come la blocca?",
            "cliente: Sì, è quello che chiedo. Ho già fatto denuncia ai carabinieri.",
            "assistente: Ha già fatto denuncia ai carabinieri.",
            "cliente: Esatto. Quale numero devo chiamare?",
            "assistente: Quale numero deve chiamare?",
        ),
        (
            "customer: My parcel was left at the wrong address yesterday. What do I do now?",
            "bot: Your parcel was left at the wrong address yesterday. What do you do now?",
            "customer: Yes, that is my question. I have already asked the neighbours.",
            "bot: You have already asked the neighbours.",
            "customer: Right. Who should I contact?",
            "bot: Who should you contact?",
        ),
    ],
    ids=["italian", "english"],
)
def test_each_message_said_back_from_the_other_side_is_an_echo(lines: tuple[str, ...]) -> None:
    loop = first_loop(chat(*lines))
    assert loop is not None
    assert loop.kind == "echo"


@pytest.mark.parametrize(
    "lines",
    [
        (
            "customer: My fridge stopped cooling on Monday. When will the repair happen?",
            "agent: Sorry about that. A technician will contact you to arrange a visit.",
            "customer: OK, but when? I need a day.",
            "agent: I understand. Our service team will be in touch to schedule it.",
            "customer: You keep saying that. Which day?",
            "agent: Apologies. The repair partner will reach out to you with a slot.",
        ),
        (
            "kunde: Meine Waschmaschine sollte gestern kommen. Wann wird sie geliefert?",
            "agent: Das tut uns leid. Die Spedition wird sich in Kürze bei Ihnen melden.",
            "kunde: Das hilft mir nicht. Ich brauche einen Tag.",
            "agent: Verstanden. Der Fahrer wird sich vor der Zustellung bei Ihnen melden.",
            "kunde: Sie sagen immer dasselbe. Welcher Tag?",
            "agent: Entschuldigung. Unser Partner wird sich schnellstmöglich melden.",
        ),
    ],
    ids=["english", "german"],
)
def test_someone_else_will_be_in_touch_said_again_is_a_loop(lines: tuple[str, ...]) -> None:
    loop = first_loop(chat(*lines))
    assert loop is not None
    assert loop.kind == "paraphrase"


def test_someone_will_be_in_touch_with_a_time_each_time_is_not_a_loop() -> None:
    history = chat(
        "customer: My fridge stopped cooling on Monday. When will the repair happen?",
        "agent: A technician will contact you today to arrange a visit.",
        "customer: Nobody called yet.",
        "agent: I've booked the visit myself: Thursday between 8 and 10, technician Ravi.",
        "customer: Can it be after 14:00?",
        "agent: Moved to Thursday 14:00-16:00; Ravi will call you 30 minutes before.",
    )
    assert first_loop(history) is None


def test_japanese_thanks_answered_with_thanks_is_a_collapse() -> None:
    history = chat(
        "sato: 議事録の作成、ありがとうございました。",
        "tanaka: いえいえ、こちらこそありがとうございます。",
        "sato: 本当に助かりました。ありがとうございます。",
        "tanaka: とんでもないです、こちらこそ。",
        "sato: いえ、本当にありがとうございました。",
        "tanaka: こちらこそ、ありがとうございました！",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "collapse"


def test_japanese_thanks_for_each_new_step_are_not_a_collapse() -> None:
    history = chat(
        "sato: 議事録の作成、ありがとうございました。次は予算表の確認をお願いできますか？",
        "tanaka: はい、予算表は今日の17時までに確認します。",
        "sato: ありがとうございます。交通費の欄も見てもらえますか？",
        "tanaka: 交通費は3件、合計12,400円で問題ありませんでした。",
        "sato: ありがとうございます。では来週の会議で共有します。",
        "tanaka: 了解です。資料は共有フォルダに置いておきます。",
    )
    assert first_loop(history) is None


def test_replies_that_only_take_back_a_word_of_the_question_are_a_collapse() -> None:
    history = chat(
        "user: How do I move my photos from the old phone to the new one?",
        "assistant: Open Settings on the new phone, choose Transfer, and scan the code shown on "
        "the old phone; keep both on the same Wi-Fi.",
        "user: Done. And how do I check that everything was copied?",
        "assistant: Check.",
        "user: Check where? In which app?",
        "assistant: Sure.",
        "user: Hello? Which app?",
        "assistant: …",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "collapse"


def test_one_word_answers_to_choices_and_drills_are_not_a_collapse() -> None:
    choices = chat(
        "waiter: Still or sparkling water?",
        "guest: Sparkling.",
        "waiter: Sorry, was that still or sparkling?",
        "guest: Sparkling.",
        "waiter: Ice or lemon with it?",
        "guest: Lemon.",
        "waiter: Pardon? Ice or lemon?",
        "guest: Lemon.",
    )
    drill = chat(
        "teacher: Say it after me: perro.",
        "learner: Perro.",
        "teacher: No, roll the r: perro.",
        "learner: Perro.",
        "teacher: Not yet. Once more: perro.",
        "learner: Perro.",
        "teacher: Better! Now: carro.",
        "learner: Carro.",
    )
    assert first_loop(choices) is None
    assert first_loop(drill) is None
