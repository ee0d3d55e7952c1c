"""Both sides hold their positions (``loop_held``): each says its own point again past the
other's, found by letter trigrams in languages no corpus round was written in; a growing
list, a counter-offer and a helper that moves on are no such loop."""

from __future__ import annotations

import pytest

from aiconv.platform.loop_held import held_positions
from aiconv.platform.loops import LoopConfig
from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)

_HELD = {
    "hungarian invoice deadlock": (
        "vevő: Megrendeljük a 40 széket, kérjük a díjbekérőt.",
        "szállító: Rendben, a díjbekérőt a szerződés aláírása után küldjük.",
        "vevő: A szerződést csak a díjbekérő után tudjuk aláírni, a pénzügy így kéri.",
        "szállító: A díjbekérőt csak az aláírt szerződés után tudjuk kiállítani, ez a szabályunk.",
        "vevő: Nálunk a pénzügy a díjbekérő nélkül nem engedi aláírni a szerződést.",
        "szállító: Sajnos a díjbekérőt csak az aláírt szerződés után tudjuk kiállítani.",
        "vevő: Ismétlem, a pénzügy a díjbekérő nélkül nem engedi aláírni a szerződést.",
        "szállító: A szabályunk szerint a díjbekérőt csak aláírt szerződés után állítjuk ki.",
    ),
    "latvian who goes first": (
        "Anna: Spēlēsim vārdu spēli par pilsētām. Tu sāc!",
        "Jānis: Nē, tu izdomāji spēli, tāpēc tu sāc pirmā.",
        "Anna: Es izdomāju spēli, tāpēc pirmais sāc tu, tā ir godīgi.",
        "Jānis: Godīgi būtu, ja sāktu tā, kas spēli izdomāja, tātad tu.",
        "Anna: Nē nē, spēli izdomāju es, tāpēc sāc tu, lūdzu.",
        "Jānis: Tieši tāpēc, ka tu izdomāji spēli, tev jāsāk pirmajai.",
        "Anna: Nē, tu sāc, es izdomāju spēli, tas ir godīgi.",
        "Jānis: Tu izdomāji spēli, tāpēc tev jāsāk, tā būtu godīgi.",
    ),
}

_MOVES = {
    "norwegian packing game": (
        "Ada: Jeg skal på tur og pakker en sovepose.",
        "Bo: Jeg skal på tur og pakker en sovepose og en kompass.",
        "Ada: Jeg skal på tur og pakker en sovepose, en kompass og en termos.",
        "Bo: Jeg skal på tur og pakker en sovepose, en kompass, en termos og en lommelykt.",
        "Ada: Jeg skal på tur og pakker en sovepose, en kompass, en termos, en lommelykt og "
        "ullsokker.",
        "Bo: Jeg skal på tur og pakker en sovepose, en kompass, en termos, en lommelykt, "
        "ullsokker og en regnjakke.",
    ),
    "romanian counter-offers": (
        "cumpărător: Oferim 12.000 de lei pentru mașină, plata imediat.",
        "vânzător: Prețul meu este 15.000 de lei, mașina are revizia făcută.",
        "cumpărător: Putem urca la 13.000 de lei, plata imediat.",
        "vânzător: Pot coborî la 14.500 de lei, cu revizia făcută.",
        "cumpărător: Ultima ofertă: 13.500 de lei, plata imediat.",
        "vânzător: Bine, 14.000 de lei și vă las și cauciucurile de iarnă.",
    ),
    "hungarian support that moves on": (
        "ügyfél: A nyomtató nem nyomtat, a jelzőfény villog.",
        "support: Kapcsolja ki a nyomtatót, várjon fél percet, majd kapcsolja vissza.",
        "ügyfél: Kikapcsoltam és visszakapcsoltam, a jelzőfény továbbra is villog.",
        "support: Nyissa ki az elülső fedelet, és nézze meg, nem akadt-e be papír a görgők közé.",
        "ügyfél: Kinyitottam a fedelet, nincs beakadt papír, a jelzőfény még mindig villog.",
        "support: Akkor a festékkazetta lehet a hiba: vegye ki, rázza meg óvatosan, tegye vissza.",
    ),
}


@pytest.mark.parametrize("lines", list(_HELD.values()), ids=list(_HELD))
def test_both_sides_saying_their_point_again_past_each_other_is_ping_pong(
    lines: tuple[str, ...],
) -> None:
    assert held_positions(chat(*lines), LoopConfig()) is not None
    loop = first_loop(chat(*lines))
    assert loop is not None
    assert loop.kind in ("ping_pong", "paraphrase")


@pytest.mark.parametrize("lines", list(_MOVES.values()), ids=list(_MOVES))
def test_growing_lists_counter_offers_and_new_steps_hold_no_position(
    lines: tuple[str, ...],
) -> None:
    history = chat(*lines)
    assert all(held_positions(history[:end], LoopConfig()) is None for end in range(1, 7))
