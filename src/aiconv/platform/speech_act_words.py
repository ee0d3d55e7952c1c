"""The wordings of the speech acts ``speech_acts.acts`` finds: English first, then German,
French, Dutch, Portuguese and Spanish (lower-cased text, apostrophes straight). Data only.

A wording must begin at a word listed in ``speech_acts._FIRST_WORDS`` (a test derives the
list from these patterns and fails when one starts elsewhere). New acts beyond the English
stalls: ``agrees`` (agreement that adds nothing: "great point", "absolutely, I agree"),
``apologises``, ``escalates`` (a ticket logged or a case passed on, which is no result when it
comes again) and, in ``waits``, the other side of a deferral ("ok, let me know").
"""

ENGLISH = {
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
        r"as soon as (?:we|i) (?:can|know)|engineers are on it|"
        # a status that has not moved: "still pending review", "remains in the queue"
        r"still (?:pending|sitting|waiting|awaiting|under review|in review)|"
        r"remains? (?:in|pending|under|with)|(?:awaiting|pending) (?:\w+ ){0,2}review|"
        r"(?<=review )queue)\b"
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
# Wordings added to the English acts, and the acts that have no English entry above. Each
# starts at an uncommon word where it can (a wording tried at "my" or "our" would cost a
# match attempt at most words of every message).
ADDED = {
    "refuses": (
        r"\b(?:polic(?:y|ies)|política|politique|as per|according to (?:our|the)|"
        r"terms and conditions|"
        # German, French, Dutch, Portuguese, Spanish
        r"laut (?:unseren|den|der)|richtlinien?|bedauerlicherweise|nicht vorgesehen|"
        r"(?:erlauben|gestatten) (?:keine|es nicht)|conformément (?:à|aux)|"
        r"nos conditions|ne permet|règlement|helaas|niet mogelijk|beleid|voorwaarden|"
        r"kunnen (?:we|wij|ik) (?:niet|helaas)|infelizmente|não (?:é possível|podemos|"
        r"permit\w*)|nossas? (?:regras|condições))\b"
    ),
    "puts_off": (
        r"\b(?:as soon as (?:possible|we can)|asap|in kürze|demnächst|so (?:schnell|bald) wie "
        r"möglich|nicht mehr lange|geduld|bientôt|sous peu|prochainement|(?:brefs|meilleurs) "
        r"délais|dès que possible|binnenkort|zo (?:snel|spoedig) mogelijk|em breve|brevemente|"
        r"assim que (?:possível|pudermos)|mais (?:rápido|breve) possível|mais um pouco|"
        r"cuanto antes|"
        # someone else will be in touch: "a technician will contact you"
        r"will (?:contact|call|reach out to) you|will be in touch|reach(?:es)? out to you|"
        r"give you a call|(?<!\bi )will get back to you)\b"
    ),
    "promises_look": (
        r"\b(?:back to you|circle back|report back|let you know|update you|(?:i'?ll|i will|"
        r"let me) (?:find out|follow up|verify|confirm|reach out|look into)|i'?m (?:checking|"
        r"looking into|following up)|"
        r"je (?:vais |vous )?(?:vérifie|vérifier|regarde|me renseigne|reviens|recontacte|"
        r"tiens informé)|ich (?:prüfe|kläre|schaue|melde mich|kümmere mich)|"
        r"ik (?:ga |zal )?(?:kijk|zoek|controleer)|op terug|vou (?:verificar|confirmar|ver)|"
        r"verificarei)\b"
    ),
    "sympathises": r"\b(?:ich verstehe|je comprends|ik begrijp|compreendo|entiendo)\b",
    "waits": (
        r"\b(?:let me know|keep me (?:posted|updated|informed|in the loop)|i'?ll wait|"
        r"forward to (?:hearing|your)|tenez-moi|j'attends|bescheid|laufenden|ich warte|"
        r"laat (?:het )?(?:me|mij) (?:even )?weten|hoogte|aguard[eo]|avise-me|mantenha-me|"
        r"avísame|quedo a la espera|"
        r"as soon as (?:you|your)|ready when you are)\b"  # waiting on the other's move
    ),
    "asks_clarity": (  # a confirmation asked for, in the languages of the acts below
        r"\b(?:please confirm|kindly confirm|confirm receipt|more about (?:which|what)|"
        r"(?:which|what) \w+ (?:are you|you're|you are) referring to|"
        r"(?:which|what) \w+ do you mean|to make sure i pick|"
        r"bitte bestätigen|veuillez confirmer|merci de confirmer|por favor,? confirme|"
        r"graag bevestigen|bevestig (?:alstublieft|a\.u\.b)|si prega di confermare)\b"
    ),
    "defers": (  # the choice handed back to the other
        r"\b(?:up to you|your call|you (?:decide|choose|pick)\b(?! (?:to|whether|if|which|what))|"
        r"à (?:toi|vous) de (?:choisir|décider)|c'est (?:toi|vous) qui (?:choisis|choisissez|"
        r"décides|décidez)|du (?:entscheidest|wählst)|tú (?:decides|eliges|escoges)|"
        r"jij (?:kiest|beslist))\b"
    ),
    "agrees": (
        r"\b(?:agree[ds]?|agreement|absolutely|exactly|spot on|aligned|same page|"
        r"(?:(?<=great )|(?<=good )|(?<=excellent )|(?<=fair ))point|(?<=well )(?:said|put)|"
        r"stimme|genau|d'accord|tout à fait|mee eens|concordo|acuerdo)\b"
    ),
    "apologises": (
        r"\b(?:sorry|apolog(?:y|ies|i[sz]\w*)|forgive|tut (?:es )?(?:mir|uns) (?:\w+ )?leid|"
        r"entschuldig\w*|"
        r"désolée?s?|excusez|excuses|desculp\w+|lamentamos|siento|disculp\w+)\b"
    ),
    "escalates": (
        r"\b(?:escalat\w+|forwarded (?:it|this|your)|passed (?:it|this|your \w+) (?:on|to)|"
        r"raised (?:it|this|your \w+) with|(?:opened|created|logged|raised|filed|submitted) "
        r"(?:a |an |another |a new |a fresh )?(?:\w+ )?(?:ticket|case|request|report|incident))\b"
    ),
}


# The same acts in the other languages agents are run in (round 17, blind, missed German and
# French deferrals answered with waiting, and French apologies): German, French, Dutch,
# Portuguese, Spanish and Italian, each wording at a verb or noun of its own. A pattern of
# their own (``speech_acts._OTHER_AT``), tried only at their first words: English text,
# which has none of them, pays nothing for them.
OTHER_LANGUAGES = {
    "refuses": (
        r"\b(?:purtroppo|(?<=non )(?:è possibile|possiamo|posso|rientra)|politica|"
        # a rule recited: "come previsto dalle condizioni", "comporta una penale"
        r"come previsto|è previsto|comporta|(?<=si )applica(?:no)?|prevede)\b"
    ),
    "puts_off": (
        r"\b(?:(?<=a )breve|(?<=al )più presto|quanto prima|zeitnah|umgehend|(?<=au plus )vite|"
        r"antes posible|(?<=så )snart som möjligt|"
        # someone else will be in touch, in the third person (the first is promises_look)
        r"recontactera|prendra contact|(?<=vous )serez (?:appelée?|contactée?|rappelée?)|"
        r"reviendra vers vous|wird sich (?:\w+ ){0,5}melden|pondrá en contacto|"
        r"(?<=le )(?:contactará|llamará|llamarán)|entrará em conta[ck]to|"
        r"(?<=la )contatterà|neemt (?:\w+ ){0,3}contact)\b"
    ),
    "promises_look": (
        r"\b(?:melde mich|(?:komme|kommen) (?:\w+ ){0,3}auf (?:sie|dich|euch) zurück|"
        r"zurückmelden|(?:frage|hake|höre) (?:\w+ ){0,3}nach|"
        r"je (?:vous )?(?:confirme|recontacte|redis|reviendrai|rappelle)|je consulte|"
        r"je m'en occupe|tiens? (?:au courant|informée?)|reviens vers vous|"
        r"ik (?:kom|laat|neem|zoek) (?:\w+ ){0,3}?(?:terug|weten|contact|uit)|"
        r"kom (?:erop|er op) terug|retorno|volto a (?:falar|contactar)|"
        r"entro em conta[ck]to|dou notícias|(?<=te |le |lo )(?:aviso|confirmo|reviso)|"
        r"vuelvo a contactar|(?:faccio|farò) sapere|verifico|controllo|ricontatto)\b"
    ),
    "waits": (
        r"\b(?:warte (?:auf|noch)|(?:höre|hören) (?:\w+ ){0,2}von (?:ihnen|dir)|"
        r"melden sie sich|melde dich|sobald sie (?:etwas|mehr)|attente|courant|"
        r"vos nouvelles|(?<=votre )retour|ik wacht|hoor (?:het )?graag|laat maar weten|"
        r"fico (?:a aguardar|à espera)|aguardo|quedo (?:atento|pendiente)|avisas|"
        r"fammi sapere|faccia sapere|resto in attesa|attendo|aspetto (?:sue|tue|vostre) "
        r"notizie)\b"
    ),
    "apologises": (
        r"\b(?:excuser|regrett\w+|navr\w*|bedau\w*|verzeih\w*|spijt (?:me|ons)|lamento|"
        r"perdón|perdone|scus\w+|dispiace|ber om ursäkt|beklagar)\b"
    ),
    "sympathises": r"\b(?:verstehe|comprends|begrijp|entendo|capisco|comprendo)\b",
    "agrees": r"\b(?:einverstanden|akkoord|precies|esatto|assolutamente)\b",
    "defers": (  # the choice handed back: "decide você", "elige tú", "scegli tu"
        r"\b(?:(?:escolh(?:e|a|er)|decid(?:e|a|ir)) você|você (?:escolh|decid)\w*|"
        r"decisão é sua|(?:decide|elige|escoge) tú|(?:entscheide|wähle) du|"
        r"(?:decidi|scegli) tu|(?:decida|scelga) lei|(?:kies|beslis) jij|"
        # German courtesy handing the move back: "nach Ihnen", "Sie zuerst", "den Vortritt"
        r"nach ihnen|(?<=, )sie zuerst|vortritt|(?:lieber|sinnvoller),? wenn sie|"
        # and Swedish: "du först", "börja du", "efter dig", "bättre att du börjar"
        r"du först|(?:börja|ta|kör) du|(?:efter|före) dig|(?:bättre|hellre) (?:att|om) du|"
        r"du (?:ska|borde|får) (?:börja|ta|köra))\b"
    ),
    "no_news": (  # Swedish: "vi arbetar med att åtgärda det", "arbetet pågår", "felet är känt"
        r"\b(?:arbetar (?:med|på|för) att|jobbar (?:med|på) att|arbetet pågår|"
        r"håller på (?:att|med)|(?<=är )medvetna om|känner till|(?<=är )känd|(?<=är )känt)\b"
    ),
    "mirrors": (  # each message said back as what the other wants ("Entendi que você quer …")
        r"\b(?:entendi que (?:você|o senhor|a senhora)|entiendo que (?:usted|quiere|quieres)|"
        r"si je comprends bien|wenn ich sie richtig verstehe|als ik (?:het|u) goed begrijp|"
        r"se ho capito bene)\b"
    ),
}


def act_wordings() -> dict[str, str]:
    """Every act's wordings in one pattern each (English first)."""
    merged = dict(ENGLISH)
    for act, pattern in ADDED.items():
        merged[act] = f"{merged[act]}|{pattern}" if act in merged else pattern
    return merged
