"""The ``heldout`` family's healthy conversations, written apart from ``train``.

Hotel booking with read-backs, trivia, vocabulary drills, account verification, rent
negotiation, code-review nits, phrasebook translation and behavioural interviews.
"""

from __future__ import annotations

import random

from aiconv.testing.corpus.draft import Draft, Template, draft, pick, some

GUESTS = ("Alma Reyes", "Jonas Berg", "Keiko Tanaka", "Omar Haddad", "Grace Mwangi", "Luca Conti")
MONTHS = ("March", "April", "May", "June", "September", "October")
ROOMS = ("a double room", "a twin room", "a junior suite", "a family room")


def hotel_booking(rng: random.Random) -> Draft:
    guest, month = pick(rng, GUESTS), pick(rng, MONTHS)
    day, nights, people = rng.randint(2, 26), rng.randint(2, 6), rng.randint(1, 4)
    room = pick(rng, ROOMS)
    price = nights * rng.randint(90, 210)
    return draft(
        "healthy",
        "hotel booking: every answer is read back before the next question",
        ("guest", f"Hello, I'd like to book a room in {month}."),
        ("reception", f"Of course. Which date in {month} would you arrive?"),
        ("guest", f"On the {day}th, for {nights} nights."),
        (
            "reception",
            f"Just to confirm, arriving {day} {month} for {nights} nights. How many guests?",
        ),
        ("guest", f"{people} of us." if people > 1 else "Just me."),
        (
            "reception",
            f"Just to confirm, {people} guest{'s' if people > 1 else ''}. "
            "Which room type would you like?",
        ),
        ("guest", f"{room.capitalize()}, please, ideally on a high floor."),
        (
            "reception",
            f"Just to confirm, {room} on a high floor, {nights} nights from {day} "
            f"{month}. That's {price} euros in total. Which name is the booking under?",
        ),
        ("guest", guest),
        ("reception", f"Booked under {guest}: confirmation code H{rng.randint(10000, 99999)}."),
    )


TRIVIA = (
    ("Which country hosted the 2016 Summer Olympics?", "Brazil hosted the 2016 Summer Olympics"),
    ("Who wrote the novel Pride and Prejudice?", "Pride and Prejudice was written by Jane Austen"),
    ("What is the smallest prime number?", "The smallest prime number is 2"),
    ("Which instrument has 88 keys?", "The instrument with 88 keys is the piano"),
    ("What is the largest desert in the world?", "The largest desert in the world is Antarctica"),
    ("In which city is the Colosseum?", "The Colosseum is in Rome"),
    ("Which planet is known as the Red Planet?", "The planet known as the Red Planet is Mars"),
    (
        "What language has the most native speakers?",
        "Mandarin Chinese has the most native speakers",
    ),
    ("How many sides does a hexagon have?", "A hexagon has 6 sides"),
    (
        "Which metal is liquid at room temperature?",
        "Mercury is the metal liquid at room temperature",
    ),
    (
        "Who developed the theory of general relativity?",
        "Albert Einstein developed general relativity",
    ),
    ("What is the tallest mountain in Africa?", "The tallest mountain in Africa is Kilimanjaro"),
)
_PRAISE = ("Correct!", "That's right.", "Yes, well done.", "Spot on.", "Exactly right.")


def trivia_restated(rng: random.Random) -> Draft:
    rounds = some(rng, TRIVIA, 4)
    messages = [("host", f"Welcome back to the quiz. First question: {rounds[0][0]}")]
    for index, (_, answer) in enumerate(rounds):
        messages.append(("contestant", f"{answer}."))
        praise = pick(rng, _PRAISE)
        if index + 1 < len(rounds):
            messages.append(("host", f"{praise} {answer}. Next question: {rounds[index + 1][0]}"))
        else:
            messages.append(("host", f"{praise} {answer}. That's four out of four!"))
    return draft(
        "healthy", "trivia: answers restate the questions, the host restates the answers", *messages
    )


_WORDS = (
    ("cat", "gato"),
    ("house", "casa"),
    ("library", "biblioteca"),
    ("bread", "pan"),
    ("window", "ventana"),
    ("tomorrow", "mañana"),
    ("bicycle", "bicicleta"),
    ("key", "llave"),
    ("cheese", "queso"),
    ("beach", "playa"),
    ("train station", "estación de tren"),
    ("spoon", "cuchara"),
    ("umbrella", "paraguas"),
    ("orange", "naranja"),
)


def vocabulary_drill(rng: random.Random) -> Draft:
    words = some(rng, _WORDS, 5)
    messages = []
    for index, (english, spanish) in enumerate(words):
        ask = "First" if index == 0 else pick(rng, ("Next", "Now", "And"))
        messages.append(("teacher", f"{ask}: how do you say {english} in Spanish?"))
        messages.append(("learner", f"{english.capitalize()} in Spanish is {spanish}."))
    messages.append(("teacher", "Five for five. We'll add these to your review deck."))
    return draft("healthy", "vocabulary drill: each answer repeats the question's frame", *messages)


_ACCOUNT_ASKS = (
    "Can I take your account number, please?",
    "Before we start, what's your account number?",
    "Could you read me the account number from your statement?",
    "To find your account, I'll need the account number.",
)
_MATCHED = (
    "Thank you, that matches our records. How can I help you today?",
    "That's right, you're through security. What can I do for you?",
    "Perfect, you're verified. What would you like to do today?",
    "Thanks, all verified. What's the reason for your call?",
)


def account_verification(rng: random.Random) -> Draft:
    account = f"{rng.randint(10, 99)}-{rng.randint(1000, 9999)}-{rng.randint(100, 999)}"
    pin_hint = pick(rng, ("first pet", "mother's maiden name", "first school", "birth town"))
    answer = pick(rng, ("Biscuit", "Okonkwo", "St Mary's", "Tromsø", "Pepper", "Lindqvist"))
    return draft(
        "healthy",
        "account verification: the account number is read back digit-group by group",
        ("agent", pick(rng, _ACCOUNT_ASKS)),
        ("caller", f"It's {account}."),
        ("agent", f"I have {account}. Can you confirm that's correct?"),
        ("caller", "Yes, that's correct."),
        ("agent", f"Thanks. Your security question is your {pin_hint}. What's the answer?"),
        ("caller", f"{answer}."),
        ("agent", pick(rng, _MATCHED)),
        (
            "caller",
            f"I want to change the direct debit date on {account} to the {rng.randint(1, 28)}th.",
        ),
    )


def rent_negotiation(rng: random.Random) -> Draft:
    asking = rng.randrange(1400, 2400, 50)
    offer = asking - rng.randrange(150, 300, 50)
    step_t, step_l = rng.randrange(40, 80, 10), rng.randrange(30, 70, 10)
    months = pick(rng, (12, 18, 24))
    return draft(
        "healthy",
        "rent negotiation: counter-offers move each round",
        ("tenant", f"I love the flat. Would you accept {offer} a month instead of {asking}?"),
        ("landlord", f"{offer} is too low for this area. I could do {asking - step_l}."),
        ("tenant", f"If I sign for {months} months, could you do {offer + step_t}?"),
        ("landlord", f"For {months} months I can meet you at {asking - 2 * step_l}."),
        ("tenant", f"{asking - 2 * step_l} works if the deposit is five weeks, not six."),
        (
            "landlord",
            f"Five weeks is fine. {asking - 2 * step_l} a month, {months} months, five "
            "weeks' deposit. I'll draw up the contract.",
        ),
    )


_NITS = (
    ("parse_config", "the default for timeout should be a float, not the string '30'"),
    ("load_users", "the file handle is never closed; use a with block"),
    ("build_index", "sorting inside the loop makes this quadratic"),
    ("send_invoice", "the currency symbol is hard-coded to the dollar"),
    ("retry_call", "the backoff never caps, so the wait grows without limit"),
    ("render_page", "the title is not escaped before it goes into the HTML"),
    ("export_csv", "rows with commas in a field are not quoted"),
    ("check_quota", "the comparison should be >= so the last unit is allowed"),
)


def review_nits(rng: random.Random) -> Draft:
    nits = some(rng, _NITS, 3)
    messages = []
    for name, issue in nits:
        line = rng.randint(12, 240)
        messages.append(("reviewer", f"Nit in {name} (line {line}): {issue}."))
        commit = f"{rng.getrandbits(28):07x}"
        messages.append(("author", f"Fixed in {name} and pushed {commit}."))
    messages.append(("reviewer", "All three addressed. Approved."))
    return draft("healthy", "code review: one nit per round, each fixed", *messages)


_PHRASES = (
    ("Where is the nearest pharmacy?", "Où est la pharmacie la plus proche ?"),
    ("Could I see the menu, please?", "Pourrais-je voir la carte, s'il vous plaît ?"),
    ("What time does the museum open?", "À quelle heure ouvre le musée ?"),
    ("I'm allergic to peanuts.", "Je suis allergique aux cacahuètes."),
    ("Is breakfast included?", "Le petit-déjeuner est-il compris ?"),
    ("How much is a ticket to Lyon?", "Combien coûte un billet pour Lyon ?"),
    ("My luggage has not arrived.", "Mes bagages ne sont pas arrivés."),
    ("Can you call a taxi for me?", "Pouvez-vous m'appeler un taxi ?"),
    ("Where can I buy a phone charger?", "Où puis-je acheter un chargeur de téléphone ?"),
    ("We have a reservation for two.", "Nous avons une réservation pour deux."),
    ("Is there a lift in the building?", "Y a-t-il un ascenseur dans l'immeuble ?"),
    ("The heating in my room is broken.", "Le chauffage de ma chambre est en panne."),
    ("Which platform does the train leave from?", "De quel quai part le train ?"),
    ("Can I pay by card?", "Puis-je payer par carte ?"),
    ("I would like a window seat.", "Je voudrais une place côté fenêtre."),
    ("How far is it to the old town?", "À quelle distance se trouve la vieille ville ?"),
)


def phrasebook(rng: random.Random) -> Draft:
    phrases = some(rng, _PHRASES, 3)
    messages = []
    for english, french in phrases:
        messages.append(("traveller", f"How do I say this in French: {english}"))
        messages.append(("phrasebook", f"In French: {french}"))
    return draft("healthy", "phrasebook: one sentence translated per turn", *messages)


_TOPICS = (
    ("missed a deadline", "the quarterly report", "I told my manager two days early", "warn early"),
    ("changed someone's mind", "the vendor choice", "I built a one-page comparison", "show data"),
    ("handled an angry customer", "a delayed shipment", "I called them back hourly", "over-inform"),
    ("learned a skill quickly", "SQL for a data audit", "I practised on real queries", "practise"),
    ("disagreed with your team", "the release date", "I asked for a risk review", "ask for data"),
    ("mentored someone", "a new support hire", "I paired with her every morning", "pair often"),
    ("made a costly mistake", "a pricing typo", "I fixed the invoices myself", "own mistakes"),
    ("worked with little direction", "the data migration", "I wrote my own plan", "write plans"),
    ("improved a process", "expense approvals", "I cut the steps from six to two", "cut steps"),
    ("led without authority", "the office move", "I ran a weekly stand-up", "meet weekly"),
)


def star_interview(rng: random.Random) -> Draft:
    topics = some(rng, _TOPICS, 2)
    messages = []
    for index, (prompt, subject, action, lesson) in enumerate(topics):
        lead = "Let's begin." if index == 0 else pick(rng, ("Thanks.", "Good.", "Understood."))
        mine = prompt.replace("your", "my").replace("you", "I")
        messages.append(("interviewer", f"{lead} Tell me about a time you {prompt}."))
        messages.append(
            ("candidate", f"The time I {mine} was {subject}. {action}, and it worked out.")
        )
        messages.append(("interviewer", f"What did you learn from {subject}?"))
        messages.append(("candidate", f"From {subject} I learned to {lesson}."))
    return draft(
        "healthy", "behavioural interview: answers open by restating the prompt", *messages
    )


TEMPLATES: tuple[Template, ...] = (
    hotel_booking,
    trivia_restated,
    vocabulary_drill,
    account_verification,
    rent_negotiation,
    review_nits,
    phrasebook,
    star_interview,
)
