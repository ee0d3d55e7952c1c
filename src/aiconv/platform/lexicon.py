"""The English the loop and closing detectors read by: stop words, phatic and social words,
number words, negations, and the cues of what a message does (asks for a repeat, complains of
one, invites an echo, reads back, instructs, requests). Words and patterns only; ``wording``
applies them. Another language would bring its own lexicon.
"""

from __future__ import annotations

import re
import unicodedata


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS = word_set(
    """a an the and or but if then so of to in on at by for with from as is are was were be been
    being am do does did doing have has had having i me my we us our you your he she it its they
    them their this that these those there here what which who whom when where why how all any
    both each few more most other some such no nor not only own same than too very can will just
    should would could may might must shall now also about into over under again further once
    up down out off through during before after above below between because while until let lets
    im ive id ill youre youve youll youd were weve well its thats theres dont doesnt isnt arent
    wont cant theyre theyll theyve theyd hes shes whats itll thatll couldnt wouldnt shouldnt
    didnt wasnt werent hasnt havent hadnt
    yours mine ours theirs hers especially particularly
    one really quite still even much many get got make made go going think say said
    already mentioned mention previously stated earlier since though although whether yet unless
    whereas thus therefore hence however instead anyway besides otherwise either neither per via
    upon within without onto toward towards across along around means something"""
)
PHATIC_WORDS = word_set(
    """hi hello hey morning afternoon evening everyone everybody folks team welcome back thanks
    thank thx ty appreciate appreciated pleasure problem worries glad happy help helped helping
    great good nice awesome perfect cool ok okay sure noted understood agreed agree absolutely
    exactly indeed right yes yeah yep definitely totally again anytime day today meet meeting
    bye goodbye care soon later cheers sounds sound wonderful amazing fantastic lovely likewise
    kind kindly lot means mean tons truly sincerely welcome assist assistance question questions
    else anything point fair true point hear hope luck best excellent brilliant super job done
    congrats congratulations enjoy"""
)
# What agents say about the exchange itself rather than its subject: gratitude, praise, apology,
# enthusiasm, offers of more help ("I really appreciate your attention to detail", "Don't
# hesitate to reach out", "Sorry again for the mix-up"). A message made of these and courtesy,
# with at most a word or two of anything else, is a pleasantry however long its phrasing.
SOCIAL_WORDS = word_set(
    """appreciate appreciated appreciation grateful gratitude pleasure pleased delighted enjoy
    enjoyed fun collaborate collaborating collaboration collaborator partner partnership
    teamwork together work working worked partnering kind words feel feeling mutual
    excited exciting thrilled forward looking ahead started wait reach hesitate free
    anytime always need course support supportive reassuring apologize apologise apologies
    apology mistake confusion mix trouble worry understanding patience effort helpful
    incredibly impressive impressed creativity attention detail organisation organization
    effortless better asked everything aligned alignment board fully input insights
    contribution guidance honor honour privilege bouncing ideas process feedback teammate
    wonderful fantastic words honestly truly much sorry discussion conversation exchange
    dialogue debate debating talk arguments perspective openness consensus productive
    insightful thoughtful understand things happen"""
)
# Words that make a message a courtesy however little else it says.
POLITE_MARKERS = word_set(
    """appreciate appreciated grateful pleasure delighted apologize apologise apologies apology
    sorry likewise mutual excited thrilled"""
)
# Courtesy in German, French and Spanish: thanks, apologies, wishes and the small words around
# them ("Vielen Dank!", "Je vous en prie", "No hay de qué"). A message made of these is a
# pleasantry as it would be in English; ``FOREIGN_THANKS`` are the words that make it courtesy.
FOREIGN_THANKS = word_set(
    """danke dank dankeschön bitte gern gerne geschehen ursache gleichfalls entschuldigung
    entschuldigen verzeihung leid merci plaisir prie désolé désolée navré navrée excuses
    excusez pardon rien gracias nada placer gusto agradezco agradecido perdón disculpe
    disculpa siento lamento remercie remercier remerciements agradecida agradecidos
    schönen schöne gute bonne buen buena tenga"""
)
FOREIGN_COURTESY = FOREIGN_THANKS | word_set(
    """vielen vielmals herzlichen herzlich lieben sehr wirklich super toll nochmal noch mal
    keine kein problem das mache machen ich sie ihnen ihr du dir auch einen schönen schöne
    tag abend wochenende alles gute gut jederzeit für die der den dem hilfe war waren
    freundlich nett es mir uns immer wieder tschüss bis bald
    beaucoup encore très vraiment mille fois cest normal je vous en de du le la les un une
    mais ravi ravie davoir pu aider tout pour moi toi aussi aucun souci pas problème
    ne inquiétez qui mexcuse mes toutes suis bonne journée soirée à bientôt votre aide
    muchas muchísimas muchísimo mil por todo un una de verdad no hay qué para eso estamos se lo
    con mucho usted ti otra vez que tenga buen buena día tarde igualmente ayuda es siempre
    amable muy hasta luego ha sido atenderle atención worte mots palabras avec grand
    aufmerksamkeit attention elegirnos"""
)
# The same in the other languages agents are run in, as ``SOCIAL_WORDS`` is for English: praise
# of the work together, agreement that only agrees ("De acuerdo, quedamos así", "Ich schätze
# deine Zuverlässigkeit sehr", "Perfetto, d'accordo") and the small words around them, in
# German, French, Spanish, Italian, Portuguese, Dutch and Swedish. ``FOREIGN_AGREEMENT`` are the
# words that make such a message courtesy (as "thanks" or "great" do in English), with the thanks
# of Italian, Portuguese, Dutch and Swedish, which ``FOREIGN_THANKS`` lacks.
FOREIGN_AGREEMENT = word_set(
    """freut freue schätze meinerseits einverstanden perfekt prima parfait daccord entendu ravi
    perfecto acuerdo vale genial estupendo quedamos perfetto ottimo daccordo benissimo
    perfeito combinado ótimo akkoord afgesproken bedankt grazie prego piacere obrigado obrigada
    dankjewel dankuwel graag fijn insgelijks hartelijk
    tack tackar tacksam varsågod detsamma toppen orsak"""
)
FOREIGN_SOCIAL = FOREIGN_AGREEMENT | word_set(
    """ist sind bin habe hat von mit zu zum an ein eine einen dein deine deinen deiner dich
    mich dir man sich nur so viel kann kaum ganz gefreut schätzen weiß tolle toller tolles
    schön klasse zusammenarbeit team zuverlässigkeit sorgfalt unterstützung mühe geduld
    vorarbeit angenehm spaß macht bedeutet danken dankbar tausend besseres besser wünschen
    zustimmen nett lieb liebe einsatz passt genau
    est été avec vos ton ta te nous notre des par tellement bien collaboration équipe travail
    patience soutien agréable apprécie apprécié remercie reconnaissant infiniment même
    toujours génial super excellent top formidable
    fue sido el la los las del tu su sus te le nos muy tan también equipo colaboración trabajo
    paciencia apoyo agradecemos excelente fantástico bien claro así entonces listo
    è sono stato un il lo le di del della con per tuo tua lei ti ci mi molto davvero tanto
    grazie piacere felice contento squadra collaborazione lavoro aiuto pazienza gentile
    ringrazio certo esatto accordo va anche sempre altrettanto
    é foi o os do da seu sua você muito sempre também prazer equipa equipe colaboração
    trabalho ajuda paciência agradeço obrigado obrigada certo tudo bem
    het van met voor je jij jouw uw ons heel erg echt ook prettig fijn fijne leuk samenwerking
    hulp inzet dank graag gedaan goed
    arbeiten mein meine toll großartig ebenfalls glückwunsch travailler mon ma mes moi grand
    grande bravo félicitations mío mía contigo trabajar encantado encantada bueno buena gran
    lavorare mio mia una bella bello ancora figurati tutto te sei proprio noi voi brava
    bravissimo complimenti meu minha contigo bom boa parabéns werken mijn jou jullie geweldig
    knap gefeliciteerd
    ik een dat om zo wel bent hoor lief horen nogmaals hartelijk insgelijks samengewerkt collega
    topcollega waardeer waardeert deze dit
    så mycket stort för hjälpen igen verkligen ingen alls tusen själv det lite ha dag hej då
    jättebra trevligt kul glad till dig er ni att"""
)
# Courtesy says nothing new ("please", "sorry"), but it is no pleasantry either: it counts as
# content everywhere except when asking what a message adds.
COURTESY = word_set("pleas pls sorr apolog afraid unfort")
NUMBER_WORDS = {
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "hundred": "100",
}
_SPOKEN = {  # the digits as a figure is dictated, one by one, in the languages of most calls
    "en": "zero one two three four five six seven eight nine",
    "fr": "zéro un deux trois quatre cinq six sept huit neuf",
    "es": "cero uno dos tres cuatro cinco seis siete ocho nueve",
    "it": "zero uno due tre quattro cinque sei sette otto nove",
    "pt": "zero um dois três quatro cinco seis sete oito nove",
    "de": "- eins zwei drei vier fünf sechs sieben acht neun",
    "nl": "- één twee drie vier vijf zes zeven acht negen",
}
SPOKEN_DIGITS = {
    word: str(digit)
    for words in _SPOKEN.values()
    for digit, word in enumerate(words.split())
    if word != "-"
}
"""A digit said as a word; two or more in a row are a figure dictated ("zéro sept quatre deux"
is 0742, as a speech recogniser writes a customer number), one alone stays a word ("un
incident", "due to"). German and Dutch zero (null, nul) are left out: "null" is code's word."""
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}  # fmt: skip
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9}  # fmt: skip
COMPOUND_NUMBER = re.compile(rf"\b({'|'.join(_TENS)})[- ]({'|'.join(_UNITS)})\b")
"""A number written out in two words ("forty-five dollars" is $45, not 40 and 5)."""


def compound_number(match: re.Match[str]) -> str:
    """The digits of a ``COMPOUND_NUMBER`` match."""
    return str(_TENS[match[1]] + _UNITS[match[2]])


NOT_CONTENT = STOP_WORDS | PHATIC_WORDS
_SOCIAL_STEMS: frozenset[str] = frozenset()  # filled below, once _stem is defined
NEGATIONS = word_set(
    """not no never nor none nothing nobody neither cannot isnt arent wasnt werent dont doesnt
    didnt cant couldnt wont wouldnt shouldnt hasnt havent hadnt aint"""
)
GREETINGS = word_set("hi hello hey morning good welcome greetings")
_MARKED_SCRIPTS = ((0x0300, 0x036F), (0x0483, 0x0489), (0x0591, 0x06FF), (0x0900, 0x0DFF),
                   (0x0E00, 0x0EFF), (0x1000, 0x109F))  # fmt: skip
_MARKS = "".join(
    chr(c)
    for start, end in _MARKED_SCRIPTS
    for c in range(start, end + 1)
    if unicodedata.category(chr(c)).startswith("M")
)
"""The combining marks of the scripts that write vowels and points with them (Devanagari and the
other Indic scripts, Arabic, Hebrew, Thai, Myanmar): part of their words, though not ``\\w``."""
# Letters of any script with their marks ("सात चौके अट्ठाईस" is three words, not eleven), or a
# number with its inner separators ("4.2.0", "3/4", "10:30").
WORD = re.compile(r"\d+(?:[.,/:]\d+)*|[^\W\d_]+(?:[" + _MARKS + r"]+[^\W\d_]*)*")
_HAN = "\u3005-\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # with 々 〆 〇
_HIRAGANA = "\u3040-\u309f"
_KATAKANA = "\u30a0-\u30ff"
_CLUSTERED = "\u0e00-\u0eff\u1000-\u109f"  # Thai, Lao, Myanmar (their marks are in _MARKS)
_UNSPACED = _HAN + _HIRAGANA + _KATAKANA + _CLUSTERED
UNSPACED = re.compile(f"[{_UNSPACED}]")
"""A letter of a script written without spaces between words (Chinese, Japanese, Thai, Lao,
Myanmar): ``WORD`` finds a whole clause there, which ``UNSPACED_PART`` splits."""
UNSPACED_PART = re.compile(
    f"([{_HAN}]+)|[{_HIRAGANA}]+|[{_KATAKANA}]+|([{_CLUSTERED}]+)|[^{_UNSPACED}]+"
)
"""The runs of one script in such a clause: Han (group 1: Chinese, or Japanese kanji), hiragana
(Japanese endings and particles: "を", "してください"), katakana (loanwords: "メニュー"), the
scripts that write their vowels as marks round a consonant (group 2), any other ("API")."""
_BEFORE = "\u0e40-\u0e44\u0ec0-\u0ec4"  # the vowels Thai and Lao write before a letter
_AFTER = "\u0e30\u0e32\u0e33\u0eb0\u0eb2\u0eb3"  # and ะ า ำ after it
CLUSTER = re.compile(f"[{_BEFORE}]?[^{_MARKS}][{_MARKS}{_AFTER}]*")
"""A letter with what is written round it (Thai "ลี่", "เป", "นา": the marks on it, a vowel
written before it, "ะ", "า", "ำ" after it): one unit of a clustered script."""
HIRAGANA = re.compile(f"[{_HIRAGANA}]+")
FUNCTION_CHARACTERS = frozenset(
    "的了是在和与及或也都就还又再才很太更最不没有吗呢吧啊哦呀嘛么这那哪我你您他她它们个之其把被给"
    "让对从到为以而但并着过得地所如会能可要想该应先已经需请"
)
"""Chinese characters that mostly make grammar (particles, pronouns, auxiliaries, negations):
a pair of them is a function word ("我们", "可以", "已经", "没有"), no content."""
THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+$")
# A digit, a comma, a digit ("6,500"); written to begin with the comma, so that ``re`` skips
# straight to the commas instead of trying a digit at every character.
GROUPED = re.compile(r",(?<=\d,)(?=\d)")
QUOTED = re.compile(
    r"^[ \t]*>.*$|\"[^\"\n]{8,}\"|“[^”\n]{8,}”|‘[^’\n]{8,}’|"
    r"(?<!\w)'(?:[^'\n]|(?<=\w)'(?=\w)){8,}'(?!\w)|`[^`\n]+`",  # an apostrophe in I'm is no quote
    re.MULTILINE,
)
# Where QUOTED can match at all: one of these marks, or an apostrophe after no letter or digit
# (not the one of "I'm"). Written to begin with the marks, so that ``re`` skips straight to them.
QUOTE_MARK = re.compile(r"[\"“‘`>'](?<!\w')")
_OPENING_APOSTROPHE = re.compile(r"'(?<!\w')")


def has_quote_mark(text: str) -> bool:
    """``QUOTE_MARK.search(text)``, cheaper in ASCII text (most): "“" and "‘" are not ASCII,
    so a mark there is one of three characters or an apostrophe after no letter or digit, each
    found by a scan ``re`` and ``str`` make for a literal (a search of the class tried each
    character against its six marks: ~18k instructions a mock message, ~2k so)."""
    if not text.isascii():
        return QUOTE_MARK.search(text) is not None
    return '"' in text or "`" in text or ">" in text or bool(_OPENING_APOSTROPHE.search(text))


HAS_WORD = re.compile(r"[^\W_]")
# Mathematics says most of what it says in symbols the word views drop ("k(k+1)/2 + (k+1)"):
# a message with several of these signs is compared as written, like a code block.
FORMULA_SIGNS = re.compile(r"[=+^<>≤≥×·]")
LIST_ITEM = re.compile(r"^[ \t]*(?:[-*•]|\d+[.)]|\[[ xX✓]\])[ \t]+", re.MULTILINE)
SUFFIXES = tuple(  # longest first, so "ations" wins over "s"
    sorted(
        word_set(
            "ational ations ivity ation ities ments ment ness ings ists ures ing ist ure ity ive"
            " ers ies er ed ly al es s"
        ),
        key=len,
        reverse=True,
    )
)
NEGATED = re.compile(r"\b(?:not|never|stop|no need to|don'?t|do not|won'?t)\W+(?:\w+\W+)?$")
ASKS_REPEAT = re.compile(
    r"\b(?:can|could|would|will) you (?:please |kindly )?(?:repeat|read (?:that|it|this|them) "
    r"(?:back|again)|go (?:over|through) (?:that|it|this|them) again)\b|\bplease repeat\b|"
    r"\brepeat (?:that|this|it|step \d+|the (?:last|question|step|code|number|address|"
    r"instructions?))\b|\bsay (?:that|it|this)(?: \w+)? again\b|\b(?:come again|pardon)\s*\?|"
    r"\b(?:didn'?t|did not|couldn'?t|could not) (?:quite )?(?:catch|hear)\b|"
    r"\bone more time\s*\?|\bwhat (?:was|were|is|are)\b[^.?!]{0,40}\bagain\s*\?|"
    # asked for the same details again ("give them to me again", "one last time: what are …?")
    r"\b(?:give|tell|send) (?:them|it|that|those|these)(?: to (?:me|us))? again\b|"
    r"\bone (?:more|last) time\b[^.!?]{0,80}\?|"
    # the same request in German, French, Spanish, Italian, Portuguese and Dutch ("Può
    # ripetere?", "Pouvez-vous répéter ?", "Können Sie das wiederholen?", "nog een keer?")
    r"\b(?:ripet\w*|répét\w*|repet(?:ir|ime|irlo|e|ez|er|a|i)|wiederhol\w*|herhal\w*|"
    r"noch ?(?:ein)?mal|encore une fois|otra vez|de novo|nog (?:een )?(?:keer|eens))\b"
    r"[^.!?]{0,40}\?"
)
# A participant pointing out that it is being asked or told the same thing again. Each
# wording begins with a letter, so a word boundary before it is the text's start or a character
# that is no letter: matched at the start (COMPLAINS_REPEAT_OPENING), and searched for after
# such a character (consumed, so that ``re`` skips the letters inside words in its own loop; a
# leading "\b" made it try every position of the text).
COMPLAINS_REPEAT_WORDINGS = (
    r"(?:(?:i|we) (?:just|already) (?:did|said|told|answered|gave|sent|mentioned|explained|"
    r"confirmed)\b|i(?:'ve| have) already (?:said|told|answered|given|sent|mentioned|"
    r"explained|confirmed)\b|as i (?:said|mentioned|told you|explained|wrote)\b|"
    r"i (?:just )?told you\b|you(?:'ve| have)? (?:already|just) asked\b|"
    r"you asked (?:me )?(?:that|this) (?:already|before)\b|you keep (?:asking|saying|"
    r"repeating|telling)\b|you(?:'re| are) repeating\b|did (?:that|this|it) already\b|"
    r"the (?:second|third|fourth|fifth|\d+(?:nd|rd|th)) time\b|how many times\b|"
    r"already said\b|said (?:so|that) already\b|same question\b|"
    r"you(?:'ve| have)? already (?:asked|guessed|tried|said|sent|suggested)\b|"
    r"(?:said|specified|explained|answered|told you|described|asked)(?: (?:it|this|that|"
    r"the \w+))? (?:twice|(?:two|three|four|five|several|\d+) times)\b)"
)
COMPLAINS_REPEAT_OPENING = re.compile(COMPLAINS_REPEAT_WORDINGS)
COMPLAINS_REPEAT = re.compile(r"\W" + COMPLAINS_REPEAT_WORDINGS)
COMPLAINS_REPEAT_WORDS: tuple[str, ...] = ("i just", "we just", "already", "as i ", "told you")
COMPLAINS_REPEAT_WORDS += ("asked", "you keep", "repeating", "time", "same question", "twice")
"""Every wording of COMPLAINS_REPEAT contains one of these, so a text with none of them is not
searched (``tests/platform/test_lexicon.py`` checks it on the parsed pattern). "i just" and
"you keep", not "just" and "keep": every wording with those words has them so, and the bare
words are in ~30 % of ordinary messages ("just", "keep in mind"), which were all searched."""
CUES = (
    "repeat",
    "again",
    "catch",
    "hear",
    "pardon",
    "back",
    "after me",
    "one more time",
    "one last time",
    # the other languages' ("Può ripetere?", "noch mal?", "nog een keer?")
    "ripet",
    "répét",
    "repet",
    "wiederhol",
    "herhal",
    "noch",
    "nog ",
    "encore une fois",
    "otra vez",
    "de novo",
)
"""Substrings of (lower-cased) text, one of which every request to repeat holds, so a text with
none of them is not searched (tested with ``in``: faster than a pattern of them;
``tests/platform/test_lexicon.py`` checks every wording of the patterns holds one)."""
INVITES_ECHO = re.compile(
    r"\b(?:repeat|say) (?:it |this |that )?after me\b|\b(?:now |please )?repeat\s*:|"
    r"\b(?:say|read) (?:it|that|this|them) back(?: to me)?\b|\brepeat (?:it|this|that) back\b"
)
READ_BACK_OPENING = re.compile(
    r"\W*(?:so|ok(?:ay)?|right|alright|got it|noted|understood|(?:just )?to confirm|"
    r"confirming|let me (?:read|repeat) (?:that|it|this) back|reading (?:that|it) back|"
    r"i(?: have|'ve (?:got|noted|added|written))|added|you said)\b"
)
READ_BACK_CHECK = re.compile(  # searched in the last characters only
    r"\b(?:correct|right|is that (?:right|correct|ok|okay)|have i got that right|"
    r"did i get that right)\s*\?$"
)
_IMPERATIVE = (  # an imperative, opening a sentence or following a call sign
    r"(?:please\s+|now\s+|then\s+)?(?:turn|descend|climb|maintain|reduce|"
    r"increase|contact|hold|taxi|cross|proceed|squawk|send|open|tap|toggle|press|click|select|"
    r"enter|type|restart|unplug|plug|take|call|add|remove|deliver|ship|book|cancel|charge|"
    r"transfer|pay|bring|put|set|switch|install|update|use|dial|fill|sign|return|keep|wait|"
    r"leave|meet|buy|order|note|write|record|renew|check|pick|get|print|schedule|email|text|"
    r"ask|remind|finish|prepare|clean|pack|fix|replace|move|save|delete|copy|submit|make|"
    r"bake|cook|stir|pour|chop|feed|water|collect|drop|post|file|print|lock|empty)\b"
)
INSTRUCTION_OPENING = re.compile(_IMPERATIVE)
"""An imperative at the very start (matched, not searched)."""
INSTRUCTION_AFTER = re.compile(r"[.!?:;,]\s*" + _IMPERATIVE)
"""An imperative after a sentence or a call sign: searched, ``re`` skipping straight to the
punctuation (one pattern for the start and after punctuation was tried at every character)."""
CLEARANCE = word_set(
    """steigen sinken drehen kontaktieren halten reduzieren rollen montez descendez tournez
    virez contactez maintenez réduisez affichez suba ascienda descienda baje gire vire contacte
    contate mantenga mantenha reduzca reduza desça salite sali scendete scendi virate
    contattate mantenete riducete stijg daal draai handhaaf verminder"""
)
"""The clearances of the other languages' air traffic control and their imperatives (climb,
descend, turn, contact, maintain, reduce, hold, squawk): an instruction when among the first
words of a sentence ("Lufthansa 4TK, rechts drehen Kurs 090"; German puts "rechts" first)."""
_ASKING = r"(?:please\s+)?(?:tell|describe|explain|name|list|give|try|write|show|share|walk)\b"
REQUEST_OPENING = re.compile(_ASKING)
REQUEST_AFTER = re.compile(r"[.!?:]\s+" + _ASKING)
"""A request for something new, at the start or opening a sentence (as ``INSTRUCTION_*``)."""
KANA = re.compile(r"[\u3040-\u30ff]")
"""Hiragana or katakana: Japanese text, whose words no spaces separate."""
JAPANESE_COURTESY = re.compile(
    "ありがとうございました|ありがとうございます|ありがとう|こちらこそ|とんでもないです|"
    "とんでもない|どういたしまして|いえいえ|いえ|本当に|助かりました|恐縮です|恐れ入ります|"
    "よろしくお願いいたします|よろしくお願いします|お疲れ様です|です|[\\s、。，．！!？?～ー…]"
)
"""Thanks and courtesy in Japanese ("いえいえ、こちらこそありがとうございます"): a message that
is nothing else is a pleasantry, as "Thanks again!" is."""
JAPANESE_REQUEST = ("ください", "下さい", "お願いします", "お願いいたします")
"""The endings of a Japanese request ("…をお願いします", "教えてください"): it asks, as "?" does
(with the full-width "？" of Japanese and Chinese text)."""
