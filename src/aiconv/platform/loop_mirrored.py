"""Each message said back to its sender: one side's last three replies each turn the other's
message just before it back to them in the second person ("Sie möchten wissen, was Sie als
Nächstes tun sollen.", "Вы просите разблокировать карту.", "You'd like a refund."), made of
its words (at least 40 % of the reply's facts), with no number, no question and at most three
words new to the window, and the other asked at least once. A mirror in any language whose
second person is listed: the words of the frame ("möchten wissen", "просите") change, the
address to the other and the other's words do not. A read-back of each new order says no
"you" ("Two burgers, one without onions."); an answer brings what was asked for.
Pure; run by ``loops.detect_loop``.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiconv.platform.lexicon import word_set
from aiconv.platform.loop_acts import seen, seen_numbers
from aiconv.platform.loop_types import (
    Loop,
    LoopConfig,
    Utterance,
    answering_run,
    make_loop,
)
from aiconv.platform.wording import features

MIRRORED_RUN = 3
"""How many replies in a row that only say the other's message back make a loop."""
_SHARE = 0.4
"""Least share of a reply's facts that come from the message it replies to."""
_NEW_WORDS = 3
"""At most this many facts new to the window in each reply (the frame: "you'd like")."""
_SECOND_PERSON = word_set(
    """you your yours yourself youd youre
    sie ihnen ihr ihre ihren ihrem ihrer du dich dir dein deine deinen
    vous votre vos tu toi ton ta tes usted ustedes tú tus você vocês seu sua seus suas
    voi vostro vostra tuo tua u uw jij jou jouw jullie
    вы вам вас ваш ваша ваше ваши вами ты тебе тебя твой твоя
    pan pani panu panią państwo ciebie tobie twój twoja dig din ditt dina
    आप आपने आपका आपकी आपके आपको तुम aap aapne aapka aapki aapke aapko tum tumhe
    أنت أنتِ لك عليك siz size sizin anda kamu"""
)
"""The second person of the languages the detectors read (words that are also another
language's first or third person, "je", "er", "ni", "su", left out)."""


def _says_back_to(history: Sequence[Utterance], index: int) -> bool:
    """Whether ``history[index]`` turns the message before it back to its sender (above)."""
    reply = history[index].content
    said = features(reply)
    if "?" in reply or len(said.facts) < 2 or _SECOND_PERSON.isdisjoint(said.text.split()):
        return False
    if said.numbers - seen_numbers(history[:index]):
        return False
    if len(said.facts - seen(history[:index])) > _NEW_WORDS:
        return False
    taken = said.facts & features(history[index - 1].content).facts
    if len(taken) >= _SHARE * len(said.facts):
        return True
    # Its frame said again ("Entendi que você quer …" each time) is no word of its own: the
    # rest of the reply must then be the other's words.
    rest = said.facts - seen([u for u in history[:index] if u.sender == history[index].sender])
    return len(taken & rest) >= max(2, _SHARE * len(rest))


def mirrored(history: Sequence[Utterance], config: LoopConfig) -> Loop | None:
    """The newest sender's last ``MIRRORED_RUN`` replies each say the other's message back."""
    replies = answering_run(history, MIRRORED_RUN, _says_back_to)
    if len(replies) < MIRRORED_RUN or not any("?" in history[i - 1].content for i in replies):
        return None
    other = history[replies[0] - 1].sender
    detail = f"{history[-1].sender} says each message back to {other} instead of answering"
    return make_loop("echo", 1.0, tuple(history[i] for i in reversed(replies)), detail)
