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
from functools import lru_cache

from aiconv.platform.lexicon import word_set

_ACTS = {
    "refuses": (
        r"\b(?:can'?t|cannot|unable to|not able to|"
        r"(?:isn|aren)'?t (?:something|possible|an option)|"
        r"not (?:possible|permitted|allowed|authori[sz]ed)|aren'?t (?:permitted|allowed)|"
        r"(?:don'?t|doesn'?t|won'?t) (?:allow|support|permit)|prevents?|can only|"
        r"(?:don'?t|doesn'?t) (?:have|include|cover) (?:access|any|the|that|this|up)|"
        r"only (?:be )?(?:accepted|allowed|possible|available)|falls? outside|"
        r"no (?:exceptions?|way to)|non-?(?:changeable|refundable|transferable)|"
        r"lamentablemente|desafortunadamente|no (?:tenemos|hay|podemos|es posible|está "
        r"disponible|nos queda)|leider|nicht möglich|(?:können|dürfen) (?:wir|ich) nicht|"
        r"malheureusement|pas possible|ne (?:pouvons|peux|pouvez) pas)\b"
    ),
    "puts_off": (
        r"\b(?:soon|shortly|in a (?:little|short) while|(?:shouldn'?t|won'?t) be long|"
        r"any (?:moment|minute|day) now|before long|in due course|roadmap|"
        r"(?:plans?|intends?|planned) (?:to|for)|in the (?:near )?future|upcoming (?:release|"
        r"version)|(?:later|future) (?:version|release))\b"
    ),
    "no_news": (
        r"\b(?:still (?:investigating|looking|working|checking|digging)|looking into|"
        r"(?:working|digging) (?:on|into)|investigation is ongoing|ongoing|in progress|"
        r"in the queue|(?:will|to) (?:update|share more|follow up|keep you posted)|"
        r"as soon as (?:we|i) (?:can|know)|engineers are on it)\b"
    ),
    "promises_look": (
        r"\b(?:i'?ll|i will|i'?m going to) (?:review|look|check|go through|read|have a look|"
        r"take a look|get (?:back|to it))\b|\bon my list\b|\b(?:under|for) review\b"
    ),
    "sympathises": (
        r"\b(?:i (?:completely |totally |fully |really |can )?(?:understand|hear you|imagine)|"
        r"(?:must|can) be (?:so )?(?:frustrating|annoying|upsetting|stressful)|frustrat\w*|"
        r"upsetting|is (?:totally |completely )?valid|appreciate your patience)\b"
    ),
    "refers": (
        r"\b(?:consult|(?:talk|speak) (?:to|with)|seek(?:ing)? (?:advice|help|guidance)|"
        r"(?:your|a) (?:doctor|physician|pharmacist|gp|lawyer|attorney|accountant|specialist)|"
        r"(?:healthcare|medical|qualified) (?:professional|provider|advice))\b"
    ),
    "hedges": (
        r"\b(?:(?:hard|difficult|impossible) to (?:say|predict|know|tell)|(?:no ?one|nobody) "
        r"(?:can|knows)|for (?:sure|certain)|uncertain(?:ty)?|(?:it )?depends on)\b"
    ),
    "asks_clarity": (
        r"\b(?:clarify|clarification|what (?:do|did) you mean|what you mean|(?:could|can) you "
        r"(?:specify|explain which|elaborate)|which \w+ (?:do|did|would|should) (?:you|i)|"
        r"which \w+ (?:are|is) (?:meant|available)|not sure (?:which|what)|what'?s unclear|"
        r"what information|let me know which|tell me (?:which|what)|so i can choose|"
        r"to make sure i understand|just (?:to )?confirm(?:ing)?|are you sure|can you confirm|"
        r"double-check|you (?:definitely |really )?(?:want|wish|would like) (?:me )?to)\b"
    ),
    "recaps": (
        r"\b(?:in summary|to (?:recap|sum up|summari[sz]e)|summing up|key takeaways?|"
        r"overall|in short|all in all|the (?:group|team) (?:decided|agreed))\b"
    ),
    "offers_more": (
        r"\b(?:anything (?:else|further|more)|something (?:more|else) i can|any other way|"
        r"further assistance|else (?:i can|you need))\b"
    ),
    "verifies": (
        r"\b(?:(?:verify|confirm|check) (?:your |the )?(?:identity|who you are|that you'?re)|"
        r"for (?:security|verification) (?:reasons|purposes)|account holder|"
        r"(?:speaking|talking) (?:with|to) the (?:right|correct) person)\b"
    ),
    "mirrors": (
        r"^\W*so,? you(?:'re| are) (?:saying|asking|telling)|^\W*so,? you(?:'d like| want| need|"
        r" mean)\b"
    ),
    "defers": (
        r"\b(?:after you|you first|go ahead|take the lead|you (?:should )?(?:go first|"
        r"begin|start|kick)|better if you|(?:rather|prefer)(?: that)? you|happy to wait)\b"
    ),
    "waits": (
        r"\b(?:waiting (?:on|for)|once (?:i|you)|as soon as i (?:have|get)|until (?:you|i) "
        r"(?:tell|send|know|have)|(?:first|before i) (?:to know|begin|start)|"
        r"(?:send|tell|give) me (?:the |your )?(?:\w+ ){0,3}and i'?ll)\b"
    ),
}
# One pass over the text for all acts (an act found where another already matched is missed;
# the acts that matter repeat, so one of their wordings is enough).
_ANY_ACT = re.compile("|".join(f"(?P<{act}>{pattern})" for act, pattern in _ACTS.items()))
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
    verify waiting what whats which will won wont working you your"""
)
"""The words (runs of ``\\w``) at which an act's wording can start (besides the text's very
start, for ``mirrors``): ``acts`` tries ``_ANY_ACT`` only there, with the same result as a scan
of every position at a third to a half of the cost. ``tests/platform/test_speech_acts.py``
derives the list from ``_ACTS`` and fails when a new wording starts elsewhere."""
_FIRST_PREFIXES = ("frustrat",)
"""Beginnings of such words, where a wording starts a word it does not end (``frustrat\\w*``)."""
_WORD = re.compile(r"\w+")

# Progress anywhere: "i've/i have …ed", "here's", an address or a link. Each wording begins
# with its first letter ("\bi" as "i(?<=\bi)"), so that ``re`` skips straight to an i, h or @.
_PROGRESS = re.compile(
    r"i(?<=\bi)(?:'ve| have) (?:just |now |already )?(?!been\b|noted\b|received\b)\w+ed\b|"
    r"h(?<=\bh)ere(?:'s| is| are)\b|@|https?://"
)
_PROGRESS_OPENING = re.compile(  # matched at the start only: "Done:", "Sent!", "Refunded."
    r"\W*(?:done|sent)\b|\W*(?!(?:understood|noted|received|acknowledged|agreed)\b)[a-z]+ed\b"
)


_PUSHBACK = re.compile(
    r"\b(?:still|already|again|same|keep|not an answer|actual(?:ly)?|third time|"
    r"i (?:just |already )(?:did|said|told|wrote|gave|tried)|i did\b(?! not)|"
    r"as i (?:said|wrote|told you)|that'?s not|i (?:know|got|understand|heard) (?:that|this)|"
    r"answer (?:the|my) question|"
    r"(?:doesn'?t|didn'?t|don'?t|isn'?t) (?:tell|answer|help|work))\b"
)


@lru_cache(maxsize=4096)
def pushes_back(content: str) -> bool:
    """Whether ``content`` says the point has not been met ("it still drops", "I already
    did", "that's not an answer"), not merely asks for the next thing."""
    return bool(_PUSHBACK.search(content.lower().replace("’", "'")))


@lru_cache(maxsize=4096)
def acts(content: str) -> frozenset[str]:
    """The speech acts of ``content`` (names of ``_ACTS``), empty for most messages."""
    lowered = content.lower().replace("’", "'")
    found: set[str] = set()
    end = 0
    opening = _ANY_ACT.match(lowered)  # "^" wordings, or one at the first word
    if opening:
        found.add(str(opening.lastgroup))
        end = opening.end()
    for word in _WORD.finditer(lowered):  # as _ANY_ACT.finditer would, past the last match
        if word.start() >= end and (
            word.group() in _FIRST_WORDS or word.group().startswith(_FIRST_PREFIXES)
        ):
            match = _ANY_ACT.match(lowered, word.start())
            if match:
                found.add(str(match.lastgroup))
                end = match.end()
    return frozenset(found)


@lru_cache(maxsize=4096)
def makes_progress(content: str) -> bool:
    """Whether ``content`` reports something done or hands something over ("I've refunded
    the charge", "Here's the file", "Done:"): then it is no empty restatement."""
    lowered = content.lower().replace("’", "'")
    return bool(_PROGRESS_OPENING.match(lowered) or _PROGRESS.search(lowered))
