"""Closing phrases and agreed endings; pure, no I/O.

``is_closing`` finds a closing phrase ("goodbye", "take care", …) on word boundaries, in a
sentence that is not a question, and not negated ("I'm not saying goodbye yet"), quoted
("he said 'bye'"), reported ("she waved goodbye") or used as a noun ("the goodbye email").
``closing_agreed`` decides whether the conversation should end: under the default ``"mutual"``
policy only when one side closes and the next message, from someone else, closes or confirms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from aiconv.platform.lexicon import UNSPACED
from aiconv.platform.loop_types import Utterance
from aiconv.platform.wording import features

_NICE = ("nice", "great", "good", "wonderful", "lovely")
_TRIP_WORDS = ("trip", "flight", "journey")
# Farewells of the languages agents are most often run in (a Spanish or Dutch conversation
# ends on its goodbyes as an English one does). Greetings that also mean goodbye ("ciao",
# "salut", "dag") are left out: they open conversations as often as they close them.
FOREIGN_FAREWELLS: tuple[str, ...] = (
    # Spanish
    "adiós", "adios", "hasta luego", "hasta pronto", "hasta mañana", "hasta la próxima",
    "nos vemos", "buen viaje", "que tenga un buen día", "que tenga buen día",
    # German
    "tschüss", "tschüs", "auf wiedersehen", "auf wiederhören", "bis bald", "bis später",
    "bis morgen", "schönen tag noch", "schönen abend noch", "gute reise",
    # French
    "au revoir", "à bientôt", "à plus tard", "à demain", "à la prochaine", "bonne journée",
    "bonne soirée", "bonne fin de journée", "bon voyage",
    # Italian
    "arrivederci", "arrivederla", "a presto", "a domani", "alla prossima", "buona giornata",
    "buona serata", "buon viaggio",
    # Portuguese
    "tchau", "até logo", "até mais", "até breve", "até amanhã", "até à próxima", "até a próxima",
    *(f"até {day}" for day in ("segunda", "terça", "quarta", "quinta", "sexta", "sábado",
    "domingo")), "adeus", "tenha um bom dia", "boa viagem",
    # Dutch
    "tot ziens", "tot later", "tot straks", "tot morgen", "tot volgende week", "doei",
    "fijne dag", "prettige dag", "fijne avond", "prettige avond", "fijn weekend", "goede reis",
    # Polish ("na razie" is also "for now": left out)
    "do widzenia", "do zobaczenia", "do usłyszenia", "żegnam", "dobranoc", "miłego dnia",
    "miłego wieczoru", "szerokiej drogi", "szczęśliwej podróży",
    # Turkish ("iyi günler" alone is also hello: only as a wish)
    "hoşça kalın", "hoşça kal", "güle güle", "görüşmek üzere", "görüşürüz", "iyi günler dilerim",
    "iyi günler dileriz", "iyi yolculuklar",
    # Czech ("ahoj" is also hello: left out)
    "na shledanou", "nashledanou", "mějte se", "hezký den", "hezký večer", "šťastnou cestu",
    # Swedish ("hej" alone is also hello: left out)
    "hej då", "hejdå", "adjö", "ha det bra", "ha det så bra", "vi ses", "vi hörs",
    *(f"ha en {adj} {when}" for adj in ("fin", "trevlig", "bra", "skön") for when in ("dag",
    "kväll", "helg")), "trevlig helg", "på återseende", "trevlig resa",
    # Arabic ("السلام عليكم" is also hello: left out)
    "مع السلامة", "في أمان الله", "في رعاية الله", "إلى اللقاء", "الى اللقاء", "وداعا", "وداعًا",
    "تصبح على خير", "تصبحون على خير", "يومك سعيد", "نهارك سعيد",
    # Indonesian and Malay
    "sampai jumpa", "sampai ketemu", "sampai bertemu", "sampai nanti", "sampai besok",
    "selamat tinggal", "selamat jalan", "dadah", "semoga harimu menyenangkan",
    # Hebrew ("שלום" and "ערב טוב" are also hello, "יום טוב" too: only as a wish)
    "להתראות", "ביי", "נתראה", "לילה טוב",
    *(f"שיהיה {to} {when} {adj}" for to in ("לך", "לכם", "לכן") for when in ("יום", "ערב")
      for adj in ("נעים", "טוב", "נפלא")), "נסיעה טובה", "סוף שבוע נעים",
    # Russian ("пока" is also "while", "счастливо" also "happily": left out)
    "до свидания", "до встречи", "до скорого", "до завтра", "всего доброго", "всего хорошего",
    "хорошего дня", "хорошего вечера", "прощайте", "счастливого пути",
    # Japanese ("失礼します" on leaving; "どうも" and "では" alone also open: left out)
    "さようなら", "失礼します", "失礼いたします", "失礼致します", "では、また", "またね",
    "また明日", "お元気で", "良い一日を", "よい一日を",
    # Chinese and Korean
    "再见", "再見", "拜拜", "回头见", "明天见", "一路平安", "안녕히 계세요", "안녕히 가세요",
    "다음에 봬요", "좋은 하루 보내세요",
    # Finnish ("hei" and "moi" are also hello: left out)
    "näkemiin", "kuulemiin", "hyvää päivänjatkoa", "hyvää illanjatkoa", "hyvää viikonloppua",
    "hei hei", "nähdään",
)  # fmt: skip
DEFAULT_CLOSING_PHRASES: tuple[str, ...] = (
    "goodbye",
    "good-bye",
    "bye",
    "bye-bye",
    "farewell",
    *(f"have a {adj} {when}" for adj in _NICE for when in ("day", "evening", "weekend")),
    "have a good one",
    "talk soon",
    "talk to you later",
    "take care",
    "see you",
    "see ya",
    "catch you later",
    "until next time",
    "good night",
    "goodnight",
    "signing off",
    "safe travels",
    *(f"have a {adj} {trip}" for adj in _NICE for trip in _TRIP_WORDS),
    *FOREIGN_FAREWELLS,
)
CLOSING_POLICIES = ("mutual", "single", "off")

_NEGATIONS = re.compile(
    r"\b(?:not|never|without|before|instead|rather|hardly|no (?:need|reason|point|time|way)|"
    r"(?:do|does|did|wo|ca|is|are|should|would|could)n['’]?t|nie|не)\b"
)
_REPORTING = re.compile(
    r"\b(?:said|says|told|tells|waved|waves|bade|kissed|whispered|shouted|yelled|replied|"
    r"wrote|texted|emailed|a|an|the|this|that|his|her|their|my|your|our)\W*$"
)
_NOUN_AFTER = re.compile(  # "goodbye to the old UI", "the goodbye email", "take care of it"
    r"^(?:['’]s\b|\s+(?:to\s+(?!you\b|u\b|all\b|everyone\b|both\b|y'?all\b)\w|"
    r"of\s+(?!your|you\b)|(?:message|email|mail|note|letter|screen|page|party|gift|card|"
    r"speech|button|flow|lunch|dinner|drinks)\b))",
    re.IGNORECASE,
)
#: "Until <when>" farewells close only when they open their sentence or clause ("Tot morgen!",
#: "Bonne soirée, à demain."): inside one they are a deadline ("reporté à demain", "Ich brauche
#: es bis morgen", "o prazo é até sexta").
_UNTIL = frozenset(
    {"à demain", "à plus tard", "a domani", "bis morgen", "bis später", "hasta mañana",
     "tot morgen", "tot volgende week", "tot later", "tot straks", "até amanhã",
     "sampai nanti", "sampai besok", "до завтра", "また明日", "明天见"}
    | {f"até {day}" for day in ("segunda", "terça", "quarta", "quinta", "sexta", "sábado",
                                 "domingo")}
)  # fmt: skip
_SIGN_OFF_OBJECT = re.compile(  # "signing off on the design", "signing off the invoice": approval
    r"^\s+(?:on|the|this|that|these|those|a|an|it|them|my|your|our|his|her|their)\b",
    re.IGNORECASE,
)
_TAKE_CARE_VERB = re.compile(  # "take care not to…", "take care when…": advice, not a goodbye
    r"^\s+(?:not|that|when|while|if|unless|because|before|until|how|what|which)\b", re.IGNORECASE
)
_SEE_YOU_NEXT = re.compile(
    r"^(?:\s*[.!,;:)\-—–~]|\s*$|\s+(?:later|soon|tomorrow|then|next|around|on|at|in|for|all|guys|"
    r"folks|everyone|there|both|again|monday|tuesday|wednesday|thursday|friday)\b)",
    re.IGNORECASE,
)
_TRIPS = frozenset(
    {"safe travels", *(f"have a {adj} {trip}" for adj in _NICE for trip in _TRIP_WORDS)}
)
"""Wishes for a journey: "to" after them names where it goes ("Have a good flight to Boston!"),
where after "goodbye" it names what is left behind ("goodbye to the old UI")."""
_TO_PLACE = re.compile(r"^\s+to\s+\w")
_QUOTED = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”|‘[^’\n]*’|(?<!\w)'[^'\n]*'(?!\w)|«[^»\n]*»|`[^`\n]*`")
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")  # Chinese and Japanese stops too
_CONFIRMATIONS = re.compile(
    r"\b(?:you too|same to you|same|likewise|and you|to you|you as well|thanks|thank you|thx|ty|"
    r"will do|cheers|ok|okay|sure|great|perfect|sounds good|my pleasure|anytime|no problem|np|"
    r"you're welcome|welcome|of course|all the best|the same|"
    r"gracias|igualmente|danke|gleichfalls|ihnen auch|dir auch|merci|vous aussi|de même|"
    r"grazie|altrettanto|anche a lei|obrigad[oa]|dank je|dank u|bedankt|jij ook|u ook|"
    r"dziękuję|dziękujemy|dzięki|wzajemnie|nawzajem|"
    r"teşekkürler|teşekkür ederim|sağ ?olun|size de|sana da|děkuji|díky|vám také|"
    r"tack|detsamma|i lika måtto|شكرا|شكرًا|العفو|وأنت كذلك|terima kasih|makasih|sama-sama|"
    r"תודה|גם לך|גם לכם|בשמחה|בבקשה|אין בעד מה|спасибо|благодарю|и вам|и тебе|взаимно|"
    r"ありがとうございます|ありがとうございました|ありがとう|こちらこそ|谢谢|謝謝|多谢|"
    r"감사합니다|고맙습니다)\b|👋",
    re.IGNORECASE,
)
_RESERVATIONS = re.compile(
    r"[?？]|\b(?:wait|actually|but|however|one more|before you go|hold on|also|another|"
    r"pero|aber|mais|però|maar|,\s*ale|,\s*men|tapi|tetapi|namun|لكن|todavía|noch eine|"
    r"encore une|ancora una|jeszcze jedno|en sak till|satu lagi|אבל|רגע|עוד דבר|но|однако|"
    r"подождите|ещё один|ещё одна|ещё одно)\b",
    re.IGNORECASE,
)


_BOUNDARY = r"(?<![\w'’-])"
"""No letter before a phrase: "bye" is no closing in "standby"."""
_BEFORE_PHRASE = r"[^\w'’-]"
"""A character ``_BOUNDARY`` admits before a phrase, as a class (``_any_phrase``)."""
_AFTER_PHRASE = r"(?![\w-])"


def _unspaced(phrase: str) -> bool:
    """Whether ``phrase`` begins with a letter of a script written without spaces (Japanese,
    Chinese, Thai): a word before it is written against it ("それでは失礼します", "那再见"),
    so no boundary can be asked for there."""
    return bool(UNSPACED.match(phrase.strip()))


@lru_cache(maxsize=64)
def _pattern(phrase: str) -> re.Pattern[str]:
    before = "" if _unspaced(phrase) else _BOUNDARY
    return re.compile(before + _phrase_body(phrase) + r"(?![\w-])", re.IGNORECASE)


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def _sentence_of(text: str, start: int) -> tuple[int, str]:
    for match in _SENTENCE.finditer(text):
        if match.start() <= start < match.end():
            return match.start(), match.group()
    return 0, text


def _counts(text: str, start: int, end: int, phrase: str) -> bool:
    """Whether the phrase found at ``text[start:end]`` really closes the conversation."""
    offset, sentence = _sentence_of(text, start)
    before = re.split(r"[,;:(—–]", sentence[: start - offset].lower())[-1]
    after = text[end:]
    if sentence.rstrip().endswith(("?", "？")) or re.match(r"^\W*(?:yet|[?？])", after):
        return False
    if _NEGATIONS.search(before) or _REPORTING.search(before):
        return False
    if _NOUN_AFTER.match(after) and not (phrase in _TRIPS and _TO_PLACE.match(after)):
        return False
    if phrase == "take care" and _TAKE_CARE_VERB.match(after):
        return False
    if phrase == "signing off" and _SIGN_OFF_OBJECT.match(after):
        return False
    if phrase in _UNTIL and re.search(r"\w", before):
        return False
    return not (phrase.startswith("see ") and not _SEE_YOU_NEXT.match(after))


def _folded(text: str) -> str:
    """``text`` lower-cased one letter for one, as ``re.IGNORECASE`` compares letters: Turkish
    "İ" lower-cases to "i" and a combining dot, so the quick search missed "İyi günler dilerim"
    (and a custom phrase holding "İ") that the full check, ignoring case, finds."""
    return text.replace("İ", "I").lower()


def _phrase_words(phrase: str) -> list[str]:
    """The words of a closing phrase, folded (spaces and hyphens between them alike)."""
    return [w for w in re.split(r"[\s\-]+", _folded(phrase.strip())) if w]


def _phrase_body(phrase: str) -> str:
    return r"[\s\-]+".join(re.escape(w) for w in _phrase_words(phrase))


#: The longest phrase merged into the tree: it nests a group a character, and both
#: ``_branches`` and ``re`` recurse once a level (~500 characters exceeded the recursion limit).
_LONGEST_IN_TREE = 100


_NOTHING = re.compile(r"(?!)")


@lru_cache(maxsize=16)
def _any_phrase(phrases: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Patterns for all ``phrases`` (on lower-cased text, boundaries factored out; most
    messages match none), their words merged into a tree ("have a (?:great|nice) (?:day|…)"):
    at each character ``re`` then tries a branch per first letter, not one per phrase (~6 µs a
    message instead of ~16 µs for the plain alternation, ~200 µs for one search per phrase).

    Three, one of which finds a phrase wherever one pattern with a look-behind in front
    (``(?<![\\w'’-])``) would: one matched at the text's start, one searched for after a
    character that may come before a phrase (it consumes that character, so ``re`` skips the
    letters inside words in its own loop instead of trying the look-behind at each, ~30 %
    less CPU a text) and one for the phrases of scripts written without spaces, which need
    no boundary (``re`` skips to their first letters)."""
    spelled = [" ".join(words) for p in phrases if (words := _phrase_words(p))]  # none: nothing
    spaced = [p for p in spelled if not _unspaced(p)]
    at_start = after = without = _NOTHING
    if spaced:
        tree = _alternatives(spaced, phrases, False)
        at_start = re.compile(f"(?:{tree}){_AFTER_PHRASE}")
        after = re.compile(f"{_BEFORE_PHRASE}(?:{tree}){_AFTER_PHRASE}")
    if unspaced := [p for p in spelled if _unspaced(p)]:  # a boundary before none of these
        without = re.compile(f"(?:{_alternatives(unspaced, phrases, True)}){_AFTER_PHRASE}")
    return at_start, after, without


def _mentions(folded: str, phrases: tuple[str, ...]) -> bool:
    """Whether a phrase of ``phrases`` occurs in ``folded`` with a boundary before it (unless
    its script is written without spaces) and none after it."""
    at_start, after, without = _any_phrase(phrases)
    if at_start.match(folded) or after.search(folded):
        return True
    # each phrase of ``without`` begins with a letter of an unspaced script, never ASCII
    return not folded.isascii() and without.search(folded) is not None


def _alternatives(spelled: list[str], phrases: tuple[str, ...], unspaced: bool) -> str:
    """The pattern of ``spelled`` (the folded words of those of ``phrases`` that begin in an
    ``unspaced`` script or not), merged into a tree."""
    if max(map(len, spelled)) > _LONGEST_IN_TREE:  # then one branch per phrase
        mine = [p for p in phrases if _phrase_words(p) and _unspaced(p) == unspaced]
        bodies = {_phrase_body(p) for p in mine} - {""}
        return "|".join(sorted(bodies, key=len, reverse=True))
    tree: dict[str, Any] = {}
    for phrase in spelled:
        node = tree
        for character in phrase:
            node = node.setdefault(character, {})
        node[""] = {}  # a phrase ends here (a longer one may go on)
    return _branches(tree)


def _branches(node: dict[str, Any]) -> str:
    """The pattern of a tree of phrases: a space stands for ``_phrase_body``'s separator."""
    branches = [
        (r"[\s\-]+" if character == " " else re.escape(character)) + _branches(rest)
        for character, rest in sorted(node.items())
        if character
    ]
    if not branches:
        return ""
    pattern = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{pattern})?" if "" in node else pattern  # greedy: the longer phrase first


def is_closing(content: str, phrases: Sequence[str] = DEFAULT_CLOSING_PHRASES) -> bool:
    """Whether ``content`` says goodbye (not negated, quoted, reported or asked about)."""
    key = phrases if type(phrases) is tuple else tuple(phrases)
    return bool(key) and _closes(content, key)


@lru_cache(maxsize=4096)
def _closes(content: str, phrases: tuple[str, ...]) -> bool:
    """Cached: each message is judged as the newest and, a turn later, as the previous one (of
    thousands of conversations at once: a pattern search over the message saved per turn)."""
    if not _mentions(_folded(content), phrases):
        return False
    return _is_closing(content, phrases)


@lru_cache(maxsize=1024)
def _is_closing(content: str, phrases: tuple[str, ...]) -> bool:
    """The full check, cached: each message is judged as the newest and again as the previous."""
    quoted = _spans(_QUOTED, content)
    quoted += [m.span() for m in re.finditer(r"^[ \t]*>.*$", content, re.MULTILINE)]
    for phrase in phrases:
        for start, end in _spans(_pattern(phrase), content):
            if start == end:  # a phrase with no word ("", "-") says nothing
                continue
            if any(q0 <= start < q1 for q0, q1 in quoted):
                continue
            if _counts(content, start, end, phrase.lower()):
                return True
    return False


def is_confirmation(content: str) -> bool:
    """Whether ``content`` is a short sign-off reply ("you too", "thanks!", "will do")."""
    words = re.findall(r"\w+", content)
    if len(words) > 14 or _RESERVATIONS.search(content):
        return False
    return _CONFIRMATIONS.search(content) is not None


def closing_agreed(
    history: Sequence[Utterance],
    phrases: Sequence[str] = DEFAULT_CLOSING_PHRASES,
    *,
    policy: str = "mutual",
    first: int | None = None,
) -> tuple[int, ...] | None:
    """The sequences of the closing exchange the newest message completes, or None.

    ``"mutual"`` (default): the previous message, from someone else, closes and the newest
    closes too or confirms; or the previous one ends on thanks and the newest closes (in a
    conversation that has not turned into a volley of short courtesies: the collapse
    detector judges those). ``"single"``: any closing ends. ``"off"``: closing never ends.
    ``first``: which message of the conversation ``history[0]`` is (1 for the first; a log's
    sequences count every event, not messages); None: its ``sequence`` (a transcript numbered
    by message).
    """
    if policy not in CLOSING_POLICIES:
        raise ValueError(f"unknown closing policy {policy!r}; use one of {CLOSING_POLICIES}")
    if policy == "off" or not history:
        return None
    new = history[-1]
    newest = (history[0].sequence if first is None else first) + len(history) - 1
    closes = is_closing(new.content, phrases) or _ends_greeting(history, -1, newest)
    if policy == "single":
        return (new.sequence,) if closes else None
    if len(history) < 2:
        return None
    previous = history[-2]
    if previous.sender == new.sender:
        return None
    if not (is_closing(previous.content, phrases) or _ends_greeting(history, -2, newest - 1)):
        if closes and _returns_wish(previous.content, new.content):
            return (previous.sequence, new.sequence)  # "you too, bye" to a wish of its own
        asked = len(history) > 2 and any(m in history[-3].content for m in "?？")
        leaves = _takes_leave(previous.content, new.content, asked, opening=newest <= _GREETED)
        if closes and leaves and not _volley(history):
            return (previous.sequence, new.sequence)  # "No, that's all, thanks!" - "Goodbye!"
        return None
    if closes or is_confirmation(new.content):
        return (previous.sequence, new.sequence)
    return None


_RETURNED = re.compile(
    r"\b(?:you too|same to you|you as well|and you|likewise|igualmente|gleichfalls|ihnen auch|"
    r"dir auch|vous aussi|de même|altrettanto|anche a lei|jij ook|u ook|wzajemnie|nawzajem|"
    r"size de|sana da|vám také|detsamma|i lika måtto|وأنت كذلك|גם לך|גם לכם|и вам|и тебе|"
    r"взаимно)\b",
    re.IGNORECASE,
)


def _returns_wish(previous: str, new: str) -> bool:
    """Whether ``new``, a goodbye, returns a wish ``previous`` made ("No problem! Have a good
    rest of your day, Tom." - "you too, bye"): the wish was a goodbye in words of its own, the
    other side says so, and both have closed. Not after a question (nothing was wished)."""
    return "?" not in previous and "？" not in previous and _RETURNED.search(new) is not None


_FAREWELL = re.compile(
    r"\b(?:thanks?|thank you|thx|cheers|appreciate|grateful|danke|merci|gracias|obrigad[oa]|"
    r"bedankt|dank je|dank u|grazie|dziękuję|dziękujemy|dzięki)\b"
)


def takes_leave(history: Sequence[Utterance]) -> bool:
    """Whether one of the last two messages thanks or says goodbye: a conversation taking its
    leave restates its warmth, and closing detection (or a collapse into pleasantries) judges
    it, never a guess that a point is being restated (``loop_learned``)."""
    return any(_FAREWELL.search(u.content.lower()) or is_closing(u.content) for u in history[-2:])


_VOLLEY_WORDS = 8
"""Most words of a message in a volley of courtesies (besides a pleasantry of any length)."""


def _volley(history: Sequence[Utterance]) -> bool:
    """Whether the three messages before the newest are all short or pleasantries: thanks
    traded back and forth ("Grazie ancora!" - "Di niente!" - "Grazie, grazie!"), where a
    goodbye after a thanks is one more courtesy of a collapse, not an ending agreed."""
    before = history[-4:-1]
    return len(before) == 3 and all(
        features(u.content).words <= _VOLLEY_WORDS or features(u.content).pleasantry for u in before
    )


def _takes_leave(content: str, goodbye: str, answers: bool, *, opening: bool) -> bool:
    """Whether ``content`` is a leave-taking that ``goodbye`` answers: it ends on thanks; or,
    past the conversation's opening (``opening``: "hi" - "yo" - "bye" is one side leaving, not
    both), both are short, and ``content`` answers no question (``answers``: "Sim, até às
    22h." is business), asks nothing and reserves nothing ("Bonne nuit, à jeudi !" - "À
    jeudi ! 👋", "不客气，周六见！" - "好，再见。")."""
    if _ends_thanking(content):
        return True
    return (
        not opening
        and not answers
        and features(content).words <= _VOLLEY_WORDS
        and features(goodbye).words <= _VOLLEY_WORDS
        and not any(mark in content for mark in "?？")
        and not _RESERVATIONS.search(content)
    )


def _ends_thanking(content: str) -> bool:
    """Whether ``content`` thanks as it ends and asks nothing ("Export confirmed, job closed.
    Thanks — closing this session.", "That's me done for today, thanks for the games!"):
    its last sentence, or the whole of a short message, a confirmation."""
    if "?" in content or "？" in content:
        return False
    if is_confirmation(content):
        return True
    sentences = [m.group() for m in _SENTENCE.finditer(content) if m.group().strip()]
    return bool(sentences) and is_confirmation(sentences[-1])


AT_BOTH_ENDS: tuple[str, ...] = (
    "buenas noches", "buenas tardes", "boa noite", "boa tarde", "ciao", "salut", "dag",
    "hej", "hei", "moi", "ahoj", "iyi günler", "iyi akşamlar", "ערב טוב", "שלום", "aloha", "👋",
)  # fmt: skip
"""Words of greeting that are also goodbyes ("¡Buenas noches!" opens a call and ends one):
left out of the closing phrases, they close only where a goodbye stands, at the end of a
message past the conversation's opening (``_ends_greeting``)."""
_OPENING = 4
"""Messages of a conversation (counted from its first) in which a greeting still opens it."""
_GREETED = 3
"""Messages in which a short goodbye to a short message is one side leaving: a greeting, its
answer, and a goodbye to it ("hi" - "yo" - "bye")."""
_TAIL = 40
"""Characters at the end of a message in which a goodbye of ``AT_BOTH_ENDS`` is looked for."""
_AT_END = re.compile(
    r"(?:^|[,.;:!¡—–-])\s*(?:" + "|".join(map(re.escape, AT_BOTH_ENDS)) + r")[\s.!…🙂😊👋]*$",
    re.IGNORECASE,
)


def _ends_greeting(history: Sequence[Utterance], index: int, position: int) -> bool:
    """Whether ``history[index]``, the conversation's message number ``position``, past the
    first ``_OPENING``, ends on a greeting that is also a goodbye, opening its sentence or
    clause ("Gracias a usted. ¡Buenas noches!", "Insgelijks, dag!"; not "Morgen ben ik er de
    hele dag."), in a sentence that asks nothing."""
    if position <= _OPENING:
        return False
    content = history[index].content.rstrip()
    if not _AT_END.search(content[-_TAIL:]):  # (its tail only: most messages are long)
        return False
    _, sentence = _sentence_of(content, len(content) - 1)
    return not sentence.rstrip().endswith(("?", "？"))
