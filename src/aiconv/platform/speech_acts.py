"""What a message does, whatever its words: the speech acts a stuck participant repeats.

An agent that cannot move says the same *kind* of thing in ever new words: it refuses ("I'm
not able to share…", "our rules prevent me from disclosing…"), puts off ("soon", "shortly",
"it's on our roadmap"), reports no news ("still investigating"), promises to look, sympathises,
refers elsewhere ("consult your doctor"), hedges ("hard to say"), asks for clarification,
recaps, offers more help, defers to the other ("after you") or waits for the other. Word
overlap misses these restatements; the act they perform stays the same. ``acts`` names the acts
of a message; ``makes_progress`` tells when a message does something after all (a completed
action, a result handed over). Pure and memoised; the detector is ``loop_stalls.repeated_act``.
Mostly English, with the refusals of German, French and Spanish.
"""

from __future__ import annotations

import re

from aiconv.platform.act_dispatch import Dispatch, candidates
from aiconv.platform.lexicon import word_set
from aiconv.platform.speech_act_words import OTHER_LANGUAGES, act_wordings
from aiconv.platform.text_memo import windowed

_ACTS = act_wordings()
# One pass over the text for all acts, as the one alternation of every wording (``_ACTS``, then
# ``OTHER_LANGUAGES``: ``act_dispatch.whole``) would find them, tried at the words where a
# wording can start (an act found where another already matched is missed; the acts that
# matter repeat, so one of their wordings is enough).
_FIRST_WORDS = word_set(
    """a account after all any anything appreciate are aren arent as before better can cannot
    cant check clarification clarify confirm consult could depends desafortunadamente difficult
    digging doesn doesnt don dont double dürfen else engineers fall falls first for further
    future give go happy hard healthcare i ill im impossible in intend intends investigation is
    isn isnt it just key können lamentablemente later leider let looking malheureusement medical
    must ne nicht no nobody non nonchangeable nonrefundable nontransferable noone not on once
    ongoing only overall pas plan planned plans prefer prevent prevents qualified rather roadmap
    seek seeking send shortly shouldn shouldnt so something soon speak speaking still summing
    take talk talking tell the to unable uncertain uncertainty under until upcoming upsetting
    verify waiting what whats which will won wont working you your remain remains pending
    awaiting queue reach reaches"""
) | word_set(  # where the wordings of ``speech_act_words.ADDED`` start
    """
    absolutely according acuerdo agree agreement aligned asap assim avise avísame back
    bedauerlicherweise beleid bescheid bientôt binnenkort brefs brevemente circle
    compreendo concordo conformément created cuanto d demnächst dès désolé désolée désolées
    désolés em entiendo erlauben exactly excuses excusez filed forgive forward forwarded
    geduld genau gestatten helaas hoogte ich ik infelizmente j je keep kunnen laat
    lamentamos laufenden laut logged mais mantenha mee meilleurs niet nos nossa nossas
    não op opened passed point policies policy política politique prochainement put quedo raised
    report richtlinie richtlinien règlement said same siento sorry sous spot stimme
    submitted tenez terms tout tut update verificarei voorwaarden vou zo apologies apology
    kindly ready up veuillez merci por graag bevestig si du tú jij c à please more bitte"""
)
"""The words (runs of ``\\w``) at which an act's wording can start (besides the text's very
start, for ``mirrors``): ``acts`` tries the wordings only there, with the same result as a scan
of every position at a third to a half of the cost. ``tests/platform/test_speech_acts.py``
derives the list from ``_ACTS`` and fails when a new wording starts elsewhere."""
_FIRST_PREFIXES = (
    "frustrat",
    "agree",
    "aguard",
    "apologi",
    "desculp",
    "disculp",
    "entschuldig",
    "escalat",
)
"""Beginnings of such words, where a wording starts a word it does not end (``frustrat\\w*``)."""
_OTHER_FIRST_WORDS = word_set(
    """aguardo akkoord antes aspetto assolutamente attendo attente avisas aviso begrijp breve
    capisco comprendo comprends confirmo controllo courant dispiace dou einverstanden entendo
    entro esatto excuser faccia faccio fammi farò fico frage hake hoor höre hören ik je kom
    komme kommen laat lamento melde melden perdone perdón più politica possiamo posso precies
    purtroppo quanto quedo resto retorno retour reviens reviso ricontatto rientra sobald spijt
    tien tiens umgehend verifico verstehe vite volto vos vuelvo warte zeitnah zurückmelden è
    escolhe escolha escolher decide decida decidir você decisão elige escoge entscheide wähle
    decidi scegli scelga kies beslis recontactera prendra serez reviendra wird pondrá
    contactará llamará llamarán entrará contatterà neemt nach sie vortritt lieber sinnvoller
    entendi entiendo si wenn als se arbetar jobbar arbetet håller medvetna känner känd känt
    ber beklagar snart come comporta applica applicano prevede du börja ta kör efter före bättre
    hellre"""
)
_OTHER_PREFIXES = ("bedau", "navr", "regrett", "scus", "verzeih")
_ENGLISH, _OTHER = 1, 2
_STARTS = {word: _ENGLISH for word in _FIRST_WORDS}
for _word in _OTHER_FIRST_WORDS:
    _STARTS[_word] = _STARTS.get(_word, 0) | _OTHER
_ALL_PREFIXES = _FIRST_PREFIXES + _OTHER_PREFIXES
"""Which of the two patterns may start at a word ("ik", "je": both), in one look-up."""
"""Where the wordings of ``speech_act_words.OTHER_LANGUAGES`` (``_OTHER_AT``) start: tried
only where the English ones found nothing, so English text pays for them at no word at all."""
_WORD = re.compile(r"\w+")
#: The wordings of ``_ACTS`` and ``OTHER_LANGUAGES``, cut down to those that can start at a
#: given word: the same match there, at about a third of the cost (see ``act_dispatch``).
_ENGLISH_AT = Dispatch(_ACTS)
_OTHER_AT = Dispatch(OTHER_LANGUAGES)
#: The text's start and the word starts where an opening of a wording of either begins (see
#: ``_starts``).
_CANDIDATES = candidates(_ENGLISH_AT, _OTHER_AT)

# Progress anywhere: "i've/i have …ed", "here's", an address or a link. Each wording begins
# with its first letter ("\bi" as "i(?<=\bi)"), so that ``re`` skips straight to an i, h or @.
_PROGRESS = re.compile(
    r"i(?<=\bi)(?:'ve| have) (?:just |now |already )?(?!been\b|noted\b|received\b)\w+ed\b|"
    r"h(?<=\bh)ere(?:'s| is| are)\b|@|https?://"
)
_PROGRESS_OPENING = re.compile(  # matched at the start only: "Done:", "Sent!", "Refunded."
    r"\W*(?:done|sent)\b|\W*(?!(?:understood|noted|received|acknowledged|agreed|goed)\b)[a-z]+ed\b"
    # what was done, not an adjective: "Refunded the fee", not "Shared spaces foster …"
    r"(?=\W*$|\s*[^\w\s]|\s+(?:the|your|it|them|that|this|to|and|via|on|for|in|with|as|all|"
    r"both|a|an)\b)"
)


_PUSHBACK_WORDS = (
    r"(?:still|already|again|same|keep|not an answer|actual(?:ly)?|third time|"
    r"i (?:just |already )(?:did|said|told|wrote|gave|tried)|i did\b(?! not)|"
    r"as i (?:said|wrote|told you)|that'?s not|i (?:know|got|understand|heard) (?:that|this)|"
    r"answer (?:the|my) question|"
    r"(?:doesn'?t|didn'?t|don'?t|isn'?t) (?:tell|answer|help|work))\b"
)
# Each wording begins with a letter, so a word boundary before it is the text's start or a
# character that is no letter: matched at the start, and searched for after such a character
# (consumed, so that ``re`` skips the letters inside words in its own loop; "\b" first made it
# try every position of the text).
_PUSHBACK_OPENING = re.compile(_PUSHBACK_WORDS)
_PUSHBACK = re.compile(r"\W" + _PUSHBACK_WORDS)


@windowed()
def pushes_back(content: str) -> bool:
    """Whether ``content`` says the point has not been met ("it still drops", "I already
    did", "that's not an answer"), not merely asks for the next thing."""
    lowered = content.lower().replace("’", "'")
    return bool(_PUSHBACK_OPENING.match(lowered) or _PUSHBACK.search(lowered))


@windowed()
def acts(content: str) -> frozenset[str]:
    """The speech acts of ``content`` (names of ``_ACTS``), empty for most messages."""
    lowered = content.lower().replace("’", "'")
    found: set[str] = set()
    end = 0
    first = _WORD.match(lowered)
    # "^" wordings, and those of the first word when one can start there (never look up the
    # branches of a first word no wording starts with: real first words are many)
    starts = first is not None and (
        _STARTS.get(first.group(), 0) & _ENGLISH or first.group().startswith(_FIRST_PREFIXES)
    )
    opening = _ENGLISH_AT.match(lowered, 0, first.group() if starts and first else "")
    if opening:
        found.add(opening[0])
        end = opening[1]
    for at in _starts(lowered):  # as finditer of the whole would, past the last match
        if at < end:
            continue
        word = _WORD.match(lowered, at)
        if word is None:
            continue  # the start of a text that opens with no word
        text = word.group()
        if text in _STARTS:
            kind = _STARTS[text]
        elif text.startswith(_ALL_PREFIXES):
            kind = _ENGLISH if text.startswith(_FIRST_PREFIXES) else _OTHER
        else:
            continue  # most words: one look-up and one prefix test, as before
        match = _ENGLISH_AT.match(lowered, word.start(), text) if kind & _ENGLISH else None
        if match is None and kind & _OTHER:
            match = _OTHER_AT.match(lowered, word.start(), text)
        if match:
            found.add(match[0])
            end = match[1]
    return frozenset(found)


def _starts(lowered: str) -> list[int]:
    """The starts of the words of ``lowered`` where a wording can match, in order: the text's
    start, and each word start where one of the wordings' literal openings begins
    (``act_dispatch.openings``: "the group agreed", "the team decided" … for "the"). ``acts``
    tried every word of the text (~50, one by one in Python, and a pattern at the ~14 that
    can start some wording, for a text that in most cases has none): one scan finds these."""
    if _CANDIDATES is None:
        return [word.start() for word in _WORD.finditer(lowered)]  # (no such wording today)
    return [0, *(at.end() for at in _CANDIDATES.finditer(lowered))]


@windowed()
def makes_progress(content: str) -> bool:
    """Whether ``content`` reports something done or hands something over ("I've refunded
    the charge", "Here's the file", "Done:"): then it is no empty restatement."""
    lowered = content.lower().replace("’", "'")
    return bool(_PROGRESS_OPENING.match(lowered) or _PROGRESS.search(lowered))
