"""Healthy conversations of blind round 20's class that say things again on purpose, written
anew in other words: each new instruction read back unframed (a call sign, or a reader who has
read back before), a refrain the conversation set up or sung between numbered verses, and a
list said back after each change whose opening names the change. Next to each, the loop it
must not hide: a statement echoed, questions parroted, a canned line to someone who presses,
a repeated answer to a new request, a list said back unchanged."""

from __future__ import annotations

import pytest

from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)


def test_each_new_instruction_read_back_to_the_caller_is_no_echo() -> None:
    history = chat(
        "train: Signal box, train 2R41 at platform 3, ready to depart north.",
        "signalbox: 2R41, you may pass signal N7 at danger, then stop at the level crossing.",
        "train: You may pass signal N7 at danger, then stop at the level crossing, 2R41.",
        "signalbox: 2R41, crossing barriers are down now, continue at caution to Hillbrook.",
        "train: Crossing barriers are down now, continue at caution to Hillbrook, 2R41.",
        "signalbox: 2R41, at Hillbrook stay behind the freight until its guard waves you on.",
        "train: At Hillbrook stay behind the freight until its guard waves you on, 2R41.",
    )
    assert first_loop(history) is None


def test_a_reader_who_read_back_before_reads_back_the_next_order_too() -> None:
    history = chat(
        "sous_chef: Table nine, two risottos without parmesan and one sea bass, sauce aside.",
        "line: Got it: two risottos without parmesan and one sea bass, sauce aside.",
        "sous_chef: Table four, lamb medium rare with extra greens, the chocolate tart after.",
        "line: Lamb medium rare with extra greens, the chocolate tart after.",
        "sous_chef: Table eleven, a children's pasta plain with butter and a green salad.",
        "line: Children's pasta plain with butter and a green salad.",
    )
    assert first_loop(history) is None


@pytest.mark.parametrize(
    "lines",
    [
        (  # a statement copied: the other gave no instruction and calls nobody
            "chair: The motion: every office goes paperless by June. Yara opens.",
            "yara: Paper forms cost us two weeks a quarter in re-keying alone.",
            "tom: Scanning everything first would eat the savings for at least a year.",
            "yara: Scanning everything first would eat the savings for at least a year.",
        ),
        (  # questions parroted back: they wanted answers
            "client: Which of the two plans covers physiotherapy after surgery?",
            "agent: Which of the two plans covers physiotherapy after surgery?",
            "client: Is the dental add-on included in the family plan as well?",
            "agent: Is the dental add-on included in the family plan as well?",
        ),
    ],
)
def test_echoes_that_are_no_read_back_stay_loops(lines: tuple[str, ...]) -> None:
    loop = first_loop(chat(*lines))
    assert loop is not None
    assert loop.kind == "echo"


def test_a_refrain_the_conversation_set_up_is_sung_again_between_new_lines() -> None:
    history = chat(
        "caller: A round of the harvest song: I call the lines, you sing the refrain back each "
        "time. The barley's in the barn tonight and every sheaf is dry.",
        "choir: Bring the lanterns, bring the fiddle, dance until the morning!",
        "caller: The miller's wife has baked the loaves and stacked them by the door.",
        "choir: Bring the lanterns, bring the fiddle, dance until the morning!",
        "caller: The children chase the geese across the stubble of the field.",
        "choir: Bring the lanterns, bring the fiddle, dance until the morning!",
    )
    assert first_loop(history) is None


def test_a_line_said_again_between_numbered_verses_is_a_refrain() -> None:
    history = chat(  # no refrain named in the window: the stanzas are counted
        "lead: Stanza 2: the cart wheel squeaks along the lane past Hollow Farm.",
        "crowd: Roll on, roll on, the road goes home!",
        "lead: Stanza 3: the mare is tired, the moon is up above the ridge.",
        "crowd: Roll on, roll on, the road goes home!",
        "lead: Stanza 4: we see the chimney smoke and smell the supper fire.",
        "crowd: Roll on, roll on, the road goes home!",
        "lead: Stanza 5: the gate swings wide, the dogs come out to bark.",
        "crowd: Roll on, roll on, the road goes home!",
    )
    assert first_loop(history) is None


@pytest.mark.parametrize(
    "lines",
    [
        (  # a canned line to a customer who presses
            "customer: My refund for order 7781 never arrived, it's been three weeks.",
            "agent: Thank you for your patience, a specialist will review your case shortly.",
            "customer: That's not an answer. The bank says nothing came in.",
            "agent: Thank you for your patience, a specialist will review your case shortly.",
        ),
        (  # the same answer to each new request
            "editor: Summarise this paragraph: the bridge closes for repairs from May to July.",
            "writer: The bridge will be closed for repairs for three months.",
            "editor: Next: summarise this one, the ferry runs every half hour instead.",
            "writer: The bridge will be closed for repairs for three months.",
        ),
        (  # the same line to each new numbered note: notes are no verses
            "ops: Note 1: the backup of the billing database finished at 02:10.",
            "bot: I think we should restart the cluster before anything else, honestly.",
            "ops: Note 2: disk usage on the replica dropped back under sixty percent.",
            "bot: I think we should restart the cluster before anything else, honestly.",
        ),
    ],
)
def test_the_same_line_to_new_requests_or_pressing_stays_a_loop(lines: tuple[str, ...]) -> None:
    loop = first_loop(chat(*lines))
    assert loop is not None
    assert loop.kind == "repetition"


def test_a_list_said_back_after_each_change_names_the_change() -> None:
    history = chat(
        "user: Pack the tent, the stove and the head torch for the weekend.",
        "assistant: Noted. Packing list: tent, stove, head torch.",
        "user: Add the first-aid kit, the water filter, the rain jackets and the map case.",
        "assistant: Noted. Packing list: tent, stove, head torch, first-aid kit, water filter, "
        "rain jackets, map case.",
        "user: Skip the stove.",
        "assistant: Dropped stove. Packing list: tent, head torch, first-aid kit, water filter, "
        "rain jackets, map case.",
    )
    assert first_loop(history) is None


def test_a_list_said_back_unchanged_stays_a_loop() -> None:
    history = chat(
        "user: Pack the tent, the stove and the head torch for the weekend.",
        "assistant: Noted. Packing list: tent, stove, head torch, first-aid kit, water filter.",
        "user: Leave the stove, the hut has a kitchen.",
        "assistant: Sure. Packing list: tent, stove, head torch, first-aid kit, water filter.",
        "user: I said leave the stove out!",
        "assistant: Of course. Packing list: tent, stove, head torch, first-aid kit, water filter.",
    )
    assert first_loop(history) is not None


def test_polling_a_job_whose_reports_give_their_own_eta_is_no_unanswered_question() -> None:
    history = chat(
        "scheduler: Migration job 77 launched on the replica. Progress?",
        "migrator: Progress: copying tables (2/9, accounts). ETA ~12 min.",
        "scheduler: Progress?",
        "migrator: Progress: copying tables (5/9, invoices, 3.1 GB of 7). ETA ~8 min.",
        "scheduler: Progress?",
        "migrator: Progress: rebuilding indexes (7/9). ETA ~5 min.",
        "scheduler: Progress?",
        "migrator: Progress: rebuilding indexes (8/9, orders_by_date). ETA ~2 min.",
        "scheduler: Progress?",
    )
    assert first_loop(history) is None


def test_a_time_asked_for_without_a_question_mark_and_never_given_stays_a_loop() -> None:
    history = chat(
        "customer: My replacement router still has not come. A delivery date, please.",
        "agent: Your replacement is being prepared and will be dispatched soon.",
        "customer: That is not a date. A delivery date, please.",
        "agent: It is in the queue and our warehouse team is working through it.",
        "customer: Again: a delivery date, please.",
        "agent: We appreciate your patience while the order is being processed.",
    )
    loop = first_loop(history)
    assert loop is not None


def test_a_drill_attempted_again_closer_to_its_model_each_time_is_no_repetition() -> None:
    history = chat(
        "profesora: Repite conmigo: «Quisiera dos billetes de ida y vuelta a Sevilla.»",
        "alumno: Quisiera dos billete de ida y vuelta a Sevilla.",
        "profesora: Casi. «Billetes» lleva s en plural. Otra vez.",
        "alumno: Quisiera dos billetes de ida y vuelta a Sevila.",
        "profesora: Mejor. Sevilla se escribe con dos eles. Una vez más.",
        "alumno: Quisiera dos billetes de ida y vuelta a Sevilla.",
        "profesora: ¡Perfecto! Ahora: «¿A qué hora sale el tren?»",
        "alumno: ¿A qué hora sale el tren?",
    )
    assert first_loop(history) is None


def test_the_same_wrong_attempt_word_for_word_stays_a_repetition() -> None:
    history = chat(
        "profesora: Repite conmigo: «Quisiera dos billetes de ida y vuelta a Sevilla.»",
        "alumno: Quisiera dos billete de ida y vuelta a Sevilla.",
        "profesora: Casi. «Billetes» lleva s en plural. Otra vez.",
        "alumno: Quisiera dos billete de ida y vuelta a Sevilla.",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "repetition"
