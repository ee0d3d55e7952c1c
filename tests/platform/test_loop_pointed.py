"""The same place pointed to again (``loop_pointed``): a side that keeps sending the other to
one quoted menu or page, and a record sent again as the other corrects it, which quotes the
same value each time but moves."""

from __future__ import annotations

import pytest

from aiconv.platform.loop_pointed import pointed_again
from aiconv.platform.loops import LoopConfig
from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)


def test_one_quoted_menu_pointed_to_again_and_again_is_a_loop() -> None:
    history = chat(  # Hungarian: the customer cannot get there, the bot sends it there again
        "ügyfél: Hol tudom lemondani az előfizetésemet?",
        "bot: A „Fiókom” menüben, az előfizetések között mondhatja le.",
        "ügyfél: Nálam nincs ilyen menü, csak a kezdőlap látszik.",
        "bot: Az előfizetését a „Fiókom” menüben mondhatja le.",
        "ügyfél: Mondtam, hogy nincs ilyen menü. Van más mód?",
        "bot: A „Fiókom” menüben, az előfizetések között mondhatja le.",
    )
    assert pointed_again(history, LoopConfig()) is not None


def test_a_record_sent_again_as_the_other_corrects_it_is_no_loop() -> None:
    history = chat(  # Greek: an invoice extractor and its validator; the date stays the same
        'εξαγωγέας: Τιμολόγιο ΤΠΥ-7781: {"client": "Alfa SA", "amount": "1.250,00 €", '
        '"issued": "2023-11-05", "vat": "24%"}',
        "ελεγκτής: Γύρος 1: το ποσό πρέπει να είναι σκέτος αριθμός, 1250.00, και το νόμισμα σε "
        "δικό του πεδίο, EUR. Διόρθωσε και ξαναστείλε.",
        'εξαγωγέας: Διορθώθηκε: {"client": "Alfa SA", "amount": 1250.00, "currency": "EUR", '
        '"issued": "2023-11-05", "vat": "24%"}',
        "ελεγκτής: Γύρος 2: το ποσό είναι εντάξει. Λείπει το ποσό του φόρου, 300.00 (24 τοις "
        "εκατό του 1250.00). Πρόσθεσέ το.",
        'εξαγωγέας: Διορθώθηκε: {"client": "Alfa SA", "amount": 1250.00, "currency": "EUR", '
        '"issued": "2023-11-05", "vat": "24%", "vat_amount": 300.00}',
        "ελεγκτής: Γύρος 3: όλα σωστά, καταχωρήθηκε. Στείλε το επόμενο τιμολόγιο.",
    )
    assert pointed_again(history, LoopConfig()) is None
    assert first_loop(history) is None
