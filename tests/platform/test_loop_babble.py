"""Both sides down to laughter and emoji (``loop_babble``): laughter is a syllable said again
in every script, so a volley of it is found with no language's "lol" listed; moves, words of a
game and emoji beside content are no babble."""

from __future__ import annotations

import pytest

from aiconv.platform.loop_babble import babble
from aiconv.platform.loops import LoopConfig
from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)

_BABBLE = {
    "thai 555 after a finished poem": (
        "กวี: บทกลอนเสร็จแล้ว สี่บท ครบตามที่ผู้ใช้ขอ ส่งได้เลย",
        "บรรณาธิการ: เยี่ยมมาก 555",
        "กวี: 5555 🙏",
        "บรรณาธิการ: 555555",
        "กวี: 😂😂",
        "บรรณาธิการ: 55 👍",
        "กวี: 🙏🙏",
        "บรรณาธิการ: 555 😆",
    ),
    "japanese www and emoji": (
        "A: 翻訳チェック完了です。修正は3か所でした。",
        "B: ありがとう！www",
        "A: wwww 😂",
        "B: 😂😂😂",
        "A: ww 👍",
        "B: wwwww",
        "A: 🙌",
        "B: www 🙌",
    ),
    "spanish jajaja": (
        "guionista: Listo, la escena final quedó cerrada.",
        "director: jajaja 😂",
        "guionista: jajajaja",
        "director: 😂😂 sí",
        "guionista: jaja 👏",
        "director: 👏👏",
        "guionista: jajaja ok",
    ),
}

_NOT_BABBLE = {
    "rock paper scissors": (
        "Ana: ¿Jugamos? Piedra, papel o tijera, al mejor de cinco.",
        "Luis: ¡Piedra! ✊",
        "Ana: ¡Papel! ✋ 1-0 para mí.",
        "Luis: ¡Tijera! ✌️",
        "Ana: ¡Piedra! ✊ 2-0.",
        "Luis: ¡Papel! ✋ 2-1, sigo vivo.",
        "Ana: ¡Tijera! ✌️ 3-1, gané.",
    ),
    "emoji beside content": (
        "dev: Tests pass on CI now 🎉",
        "reviewer: 👍 merging after lunch",
        "dev: 🙏 I'll rebase the docs branch next",
        "reviewer: 😂 good luck with the conflicts",
        "dev: haha, only two files this time",
        "reviewer: 👌 ping me when it's green",
    ),
}


@pytest.mark.parametrize("lines", list(_BABBLE.values()), ids=list(_BABBLE))
def test_a_volley_of_laughter_and_emoji_is_a_collapse(lines: tuple[str, ...]) -> None:
    loop = first_loop(chat(*lines))
    assert loop is not None
    assert loop.kind == "collapse"


@pytest.mark.parametrize("lines", list(_NOT_BABBLE.values()), ids=list(_NOT_BABBLE))
def test_moves_and_emoji_beside_content_are_no_babble(lines: tuple[str, ...]) -> None:
    history = chat(*lines)
    assert all(babble(history[:end], LoopConfig()) is None for end in range(1, len(history) + 1))
    assert first_loop(history) is None
