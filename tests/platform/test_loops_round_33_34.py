"""What blind rounds 33 and 34 taught (README, "Rounds 33 and 34, read and tuned on"). Examples
written anew, not the rounds' lines."""

from __future__ import annotations

import pytest

from aiconv.platform.closing import closing_agreed
from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)


def test_a_story_told_in_turns_that_each_open_with_its_spine_is_no_point_restated() -> None:
    # Both writers open every turn with the game's words; each turn adds events and names,
    # though the hero's name and the story's words come back in all of them.
    history = chat(
        "ana: Let's write a tale in turns, each turn opening with 'And so'. Once there was a "
        "lighthouse keeper called Teodor who kept a lamp that never needed oil.",
        "bo: And so, every evening Teodor climbed to the lamp of the lighthouse, polished its "
        "glass and wrote in his log the names of the ships that passed.",
        "ana: And so, one winter a ship sailed by with black sails and no flag, and the lamp of "
        "the lighthouse flickered as if it were afraid.",
        "bo: And so, Teodor rowed out at dawn and found a cat asleep on the deck beside a sealed "
        "letter addressed to the keeper of the lamp.",
        "ana: And so, the letter said that the lamp of the lighthouse burned on the years of its "
        "keeper, who would never grow older while it shone.",
        "bo: And so, Teodor counted the names in his log, and understood why the villagers had "
        "stopped visiting the keeper of the lamp.",
        "ana: And so, a storm rose over the harbour, and the fishermen's wives climbed the cliff "
        "path carrying torches and bread for the lighthouse.",
        "bo: And so, Teodor put out the lamp of the lighthouse himself, and the years he owed "
        "fell on him like snow while the cat watched.",
        "ana: And so, the fishing boats steered home by the wives' torches alone, and a bell "
        "rang in the chapel that nobody had touched.",
        "bo: And so, Teodor walked down to the village as an old keeper, his log under his arm "
        "and the cat at his heels, and the lamp of the lighthouse stayed dark.",
    )
    assert first_loop(history) is None


def test_a_clearance_read_back_each_time_the_tower_moves_the_drill_on_is_no_rewording() -> None:
    # The student's calls are alike (the call sign, the runway), each saying back the new
    # instruction the tower has just given.
    history = chat(
        "tower: Exercise 2: you are Piper N77PB at Hillcrest, parked at the west apron, VFR to "
        "the south. Call ground when ready.",
        "student: Hillcrest Ground, Piper seven seven papa bravo, west apron with information "
        "Delta, VFR southbound, ready to taxi.",
        "tower: Piper seven seven papa bravo, Hillcrest Ground, runway two two, taxi via Charlie "
        "and Echo, hold short of runway two two.",
        "student: Runway two two, taxi via Charlie and Echo, hold short runway two two, Piper "
        "seven seven papa bravo.",
        "tower: Well done, short call sign used correctly. Next step: your engine checks are "
        "complete at the end of the taxiway.",
        "student: Hillcrest Tower, Piper seven seven papa bravo, holding short runway two two, "
        "ready for departure.",
        "tower: Piper papa bravo, Hillcrest Tower, wind two one zero at six, runway two two, "
        "cleared for takeoff, right turn out approved.",
        "student: Cleared for takeoff runway two two, right turn out, Piper seven seven papa "
        "bravo.",
        "tower: Correct. Debrief: three read-backs out of three. Exercise 3 is an arrival.",
    )
    assert first_loop(history) is None


def test_a_finnish_goodbye_closes_as_any_other() -> None:
    # Finland's farewells were missing from the list: a support chat signed off with "have a
    # nice rest of the day" on both sides ran on.
    history = chat(
        "asiakas: Hei, pyöräni takuukorjaus: milloin se on valmis?",
        "tuki: Korjaus valmistuu torstaina, ja saat siitä tekstiviestin.",
        "asiakas: Selvä, kiitos! Hyvää illanjatkoa.",
        "tuki: Kiitos samoin, näkemiin!",
    )
    assert closing_agreed(history[:3]) is None
    assert closing_agreed(history) is not None


def test_a_number_dictated_again_on_a_bad_line_is_a_figure_not_a_point_reworded() -> None:
    # A speech recogniser writes figures in words: each message says more of the number, the
    # agent reads it back whole, and the call moves on.
    history = chat(
        "agente: buenas tardes le atiende lucía en qué puedo ayudarle",
        "cliente: hola mire no me funciona el teléfono fijo desde esta mañana",
        "agente: vale me dice su número de contrato por favor",
        "cliente: sí es el cuatro uno... ocho... cero...",
        "agente: perdone se ha cortado solo tengo cuatro uno ocho cero",
        "cliente: cuatro uno ocho cero dos dos siete cinco",
        "agente: disculpe se oye muy mal tengo cuatro uno ocho cero dos dos y luego",
        "cliente: siete. cinco. siete cinco. cuatro uno ocho cero dos dos siete cinco",
        "agente: perfecto cuatro uno ocho cero dos dos siete cinco señor ortega verdad",
        "cliente: sí eso es",
        "agente: gracias veo una avería en la central de su barrio desde las ocho de la mañana",
    )
    assert first_loop(history) is None


def test_a_status_sent_again_stamped_anew_beside_the_same_eta_is_a_repetition() -> None:
    # Each status names the time it was sent (which moves) and the time of the repair (which
    # does not): the stamp is no news, the status is the same message again.
    status = (
        "Service status ({}): a fault on the Riverside fibre cabinet is being repaired. "
        "Estimated fix: 18:30. Homes affected: 640."
    )
    history = chat(
        "client: my broadband dropped at about 15:00, postcode RV4 2JP",
        "bot: " + status.format("16:02"),
        "client: my neighbour is online though, could it be my router?",
        "bot: " + status.format("16:04"),
        "client: that's not what I asked. should I restart the router?",
        "bot: " + status.format("16:05"),
    )
    loop = first_loop(history)
    assert loop is not None and loop.kind == "repetition"


def test_the_same_code_sent_again_under_a_new_heading_is_a_repetition() -> None:
    # The heading changes ("Sure:", "Here's the fix:", "Got it! Try this:"), the code and its
    # explanation do not, and the question asked about something else.
    code = (
        "\n\nimport json\nwith open('data.json', encoding='utf-8') as f:\n    data = json.load(f)"
        "\n\nThis reads the file as UTF-8 and parses it into a dictionary."
    )
    history = chat(
        "ana: How do I read data.json in Python? It has accents in it.",
        "bo: Sure:" + code,
        "ana: Works. But the dates in it stay strings, and I need datetime objects.",
        "bo: Here's the fix:" + code,
        "ana: That's the same code as before. I asked about the dates.",
        "bo: Got it! Try this:" + code,
    )
    loop = first_loop(history)
    assert loop is not None and loop.kind == "repetition"
