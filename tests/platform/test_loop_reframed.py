"""The other's whole message said back in a frame of the replier's own (``loop_reframed``): by
letter trigrams, in languages no corpus round was written in, with read-backs, dictations and
growing lists that look alike but move."""

from __future__ import annotations

import pytest

from aiconv.platform.loop_reframed import reframed
from aiconv.platform.loops import LoopConfig
from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)

_LOOPS = {
    "hungarian project assistant": (
        "vezető: A negyedéves jelentés vázlata kész, de a marketing fejezetből hiányoznak a "
        "kampányeredmények. Át tudnád nézni a táblázatot?",
        "asszisztens: Értem, tehát azt szeretnéd, hogy átnézzem a táblázatot, mert a marketing "
        "fejezetből hiányoznak a kampányeredmények.",
        "vezető: Igen. Írd be a hiányzó kampányeredményeket a marketing fejezetbe péntekig.",
        "asszisztens: Értem, tehát azt szeretnéd, hogy péntekig beírjam a hiányzó "
        "kampányeredményeket a marketing fejezetbe.",
        "vezető: Pontosan. Kérlek, kezdd el most, és küldd el a frissített táblázatot.",
        "asszisztens: Értem, tehát azt szeretnéd, hogy most kezdjem el, és elküldjem a "
        "frissített táblázatot.",
    ),
    "romanian insurance agent": (
        "client: Bună ziua, mașina mea a fost lovită în parcare aseară și vreau să deschid o "
        "daună pe polița CASCO.",
        "agent: Am înțeles că mașina dumneavoastră a fost lovită în parcare aseară și că doriți "
        "să deschideți o daună pe polița CASCO.",
        "client: Da. Ce documente trebuie să trimit și unde le trimit?",
        "agent: Am înțeles că doriți să știți ce documente trebuie să trimiteți și unde le "
        "trimiteți.",
        "client: Exact, asta v-am întrebat. Îmi spuneți lista de documente, vă rog?",
        "agent: Am înțeles că doriți să vă spun lista de documente și că asta m-ați întrebat.",
    ),
    "norwegian co-writer": (
        "forteller: Fyrvokteren finner en flaske i fjæra. Inni ligger et kart over øya, tegnet "
        "med blekk som fortsatt er vått.",
        "medforfatter: Så fyrvokteren finner en flaske i fjæra, og inni ligger et kart over "
        "øya, tegnet med vått blekk. Hva skjer videre?",
        "forteller: Han følger kartet til den gamle steinbua bak fyret. Døra står på gløtt, og "
        "noen har tent en lykt der inne.",
        "medforfatter: Så han følger kartet til den gamle steinbua bak fyret, døra står på "
        "gløtt og noen har tent en lykt der inne. Hva skjer videre?",
        "forteller: Nå er det din tur å skrive. Hvem er det som har tent lykta i steinbua?",
        "medforfatter: Så nå er det min tur å skrive, og spørsmålet er hvem som har tent lykta "
        "i steinbua. Hva skjer videre?",
    ),
}

_MOVES = {
    "hungarian dictation, each sentence copied": (
        "tanár: Diktálok, te leírod. Első mondat: A folyó partján öreg fűzfák állnak.",
        "diák: A folyó partján öreg fűzfák állnak.",
        "tanár: Jó. Második mondat: Esténként a halászok hálóikat foltozzák.",
        "diák: Esténként a halászok hálóikat foltozzák.",
        "tanár: Helyes. Harmadik mondat: Télen a jég vastagon befagyasztja a vizet.",
        "diák: Télen a jég vastagon befagyasztja a vizet.",
    ),
    "romanian order read back, an item new each time": (
        "client: Aș vrea două pizza margherita mari și o salată grecească, vă rog.",
        "ospătar: Am notat două pizza margherita mari și o salată grecească. Altceva?",
        "client: Da, și trei limonade cu mentă, fără zahăr.",
        "ospătar: Am notat trei limonade cu mentă, fără zahăr. Altceva?",
        "client: Și un tiramisu de împărțit la desert, mulțumesc.",
        "ospătar: Am notat un tiramisu de împărțit la desert. Altceva?",
    ),
    "norwegian packing game, a list that grows": (
        "Ada: Jeg skal på tur og pakker en sovepose.",
        "Bo: Jeg skal på tur og pakker en sovepose og en kompass.",
        "Ada: Jeg skal på tur og pakker en sovepose, en kompass og en termos.",
        "Bo: Jeg skal på tur og pakker en sovepose, en kompass, en termos og en lommelykt.",
        "Ada: Jeg skal på tur og pakker en sovepose, en kompass, en termos, en lommelykt og "
        "ullsokker.",
        "Bo: Jeg skal på tur og pakker en sovepose, en kompass, en termos, en lommelykt, "
        "ullsokker og en regnjakke.",
    ),
    "hungarian identity check, each detail confirmed": (  # once cut by ``parrot``
        "ügyintéző: Az azonosításhoz: az Ön neve Kovács Péter, és a Fő utca 12. alatt lakik?",
        "ügyfél: Igen, a nevem Kovács Péter, és a Fő utca 12. alatt lakom.",
        "ügyintéző: Köszönöm. A születési dátuma 1984. március 3., és a telefonszáma "
        "0630-555-1234?",
        "ügyfél: Igen, a születési dátumom 1984. március 3., és a telefonszámom 0630-555-1234.",
        "ügyintéző: Rendben. Az utolsó befizetése 45 000 forint volt, február 28-án?",
        "ügyfél: Igen, az utolsó befizetésem 45 000 forint volt, február 28-án.",
    ),
    "latvian counselling, the client's words reflected as it goes on": (
        "klients: Pēdējā laikā darbā jūtos pārslogots, jo vadītājs katru dienu dod jaunus "
        "uzdevumus.",
        "konsultants: Jūs jūtaties pārslogots, jo vadītājs katru dienu dod jaunus uzdevumus.",
        "klients: Jā, un vakaros vairs nav spēka ne sportam, ne draugiem, tikai guļu uz dīvāna.",
        "konsultants: Jūs jūtaties, ka vakaros vairs nav spēka ne sportam, ne draugiem.",
        "klients: Tieši tā. Agrāk es katru sestdienu spēlēju basketbolu, tagad to esmu atmetis.",
        "konsultants: Jūs jūtaties, ka agrāk katru sestdienu spēlējāt basketbolu, bet tagad "
        "esat to atmetis.",
    ),
    "tagalog quiz, each answer restating its question": (
        "guro: Unang tanong: ano ang pinakamataas na bundok sa Pilipinas?",
        "estudyante: Ang pinakamataas na bundok sa Pilipinas ay ang Bundok Apo.",
        "guro: Tama. Ikalawang tanong: ano ang pinakamahabang ilog sa Pilipinas?",
        "estudyante: Ang pinakamahabang ilog sa Pilipinas ay ang Ilog Cagayan.",
        "guro: Tama ulit. Ikatlong tanong: ano ang pinakamalaking lawa sa Pilipinas?",
        "estudyante: Ang pinakamalaking lawa sa Pilipinas ay ang Laguna de Bay.",
    ),
}


@pytest.mark.parametrize("lines", list(_LOOPS.values()), ids=list(_LOOPS))
def test_each_message_said_back_whole_in_the_same_frame_is_an_echo(
    lines: tuple[str, ...],
) -> None:
    assert reframed(chat(*lines), LoopConfig()) is not None
    loop = first_loop(chat(*lines))
    assert loop is not None
    assert loop.kind == "echo"


@pytest.mark.parametrize("lines", list(_MOVES.values()), ids=list(_MOVES))
def test_read_backs_dictations_growing_lists_and_answers_are_no_echo(
    lines: tuple[str, ...],
) -> None:
    assert reframed(chat(*lines), LoopConfig()) is None
    assert first_loop(chat(*lines)) is None


def test_a_reply_that_brings_its_own_answer_breaks_the_run() -> None:
    lines = list(_LOOPS["romanian insurance agent"])
    lines[-1] = (
        "agent: Trimiteți constatarea amiabilă, fotografii cu avariile și talonul la "
        "daune@asigurare.ro; vă sunăm în 48 de ore."
    )
    assert reframed(chat(*lines), LoopConfig()) is None
