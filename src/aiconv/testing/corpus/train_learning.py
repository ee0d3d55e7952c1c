"""``train`` hard negatives, learning and making: quizzes, interviews, tutoring, recipes,
translation, dictation and code review, where answers restate questions and steps share a frame.
"""

from __future__ import annotations

import random

from aiconv.testing.corpus.draft import Draft, Template, draft, pick, some

FACTS = (
    ("What is the chemical symbol for gold?", "The chemical symbol for gold is Au", "Au"),
    ("Which river flows through Cairo?", "The river that flows through Cairo is the Nile", "Nile"),
    ("How many bones are in the adult human body?", "The adult human body has 206 bones", "206"),
    ("Who painted The Starry Night?", "The Starry Night was painted by Vincent van Gogh", "Gogh"),
    (
        "What is the freezing point of water in Fahrenheit?",
        "Water freezes at 32 degrees Fahrenheit",
        "32",
    ),
    (
        "Which country has the most islands?",
        "The country with the most islands is Sweden",
        "Sweden",
    ),
    ("What is the capital city of Kenya?", "The capital city of Kenya is Nairobi", "Nairobi"),
    (
        "Which gas makes up most of Earth's atmosphere?",
        "Most of Earth's atmosphere is nitrogen",
        "nitrogen",
    ),
    (
        "In what year did the first person walk on the Moon?",
        "The first person walked on the Moon in 1969",
        "1969",
    ),
    (
        "Who composed the Four Seasons?",
        "The Four Seasons was composed by Antonio Vivaldi",
        "Vivaldi",
    ),
    (
        "What is the largest organ of the human body?",
        "The largest organ of the human body is the skin",
        "skin",
    ),
    (
        "Which bird is the fastest in a dive?",
        "The fastest bird in a dive is the peregrine falcon",
        "falcon",
    ),
    ("What is the square root of 144?", "The square root of 144 is 12", "12"),
    ("Which continent is Mongolia in?", "Mongolia is in Asia", "Asia"),
)
_NEXT = ("Next one:", "Moving on:", "Question {n}:", "Here's number {n}:", "Now:")
_RIGHT = ("Correct,", "Yes,", "Right,", "That's it,", "Exactly,")


def quiz_restates(rng: random.Random) -> Draft:
    facts = some(rng, FACTS, 5)
    messages = [("quizmaster", f"Let's play. Question 1: {facts[0][0]}")]
    for index, (_, answer, key) in enumerate(facts):
        messages.append(("player", f"{answer}."))
        confirm = f"{pick(rng, _RIGHT)} {key}."
        if index + 1 == len(facts):
            messages.append(("quizmaster", f"{confirm} You got all five!"))
            break
        lead = pick(rng, _NEXT).format(n=index + 2)
        messages.append(("quizmaster", f"{confirm} {lead} {facts[index + 1][0]}"))
    return draft("healthy", "quiz: each answer restates its question", *messages)


_ROLES = (
    "data engineer",
    "product designer",
    "nurse manager",
    "sales lead",
    "site reliability engineer",
    "teacher",
    "accountant",
)
_QUESTIONS = (
    (
        "Why do you want to work here as a {role}?",
        "I want to work here as a {role} because",
        ("the team ships small changes every day", "the mentoring programme is well known"),
    ),
    (
        "What's your biggest strength as a {role}?",
        "My biggest strength as a {role} is",
        ("turning messy data into clear decisions", "staying calm when plans change"),
    ),
    (
        "How do you handle pressure in a {role} job?",
        "In a {role} job I handle pressure by",
        ("splitting problems into small steps", "planning the week every Monday"),
    ),
    (
        "Where do you see yourself in five years?",
        "In five years I see myself",
        ("leading a small team", "running a project end to end"),
    ),
    (
        "What do you know about our company?",
        "What I know about your company is that",
        ("you grew from 20 to 200 people", "you publish your salary bands"),
    ),
    (
        "Why are you leaving your current job?",
        "I am leaving my current job because",
        ("there's no room to grow into a senior role", "the company is moving abroad"),
    ),
)


def interview_restates(rng: random.Random) -> Draft:
    role = pick(rng, _ROLES)
    messages = []
    for question, frame, reasons in some(rng, _QUESTIONS, 4):
        messages.append(("interviewer", question.format(role=role)))
        messages.append(("candidate", f"{frame.format(role=role)} {pick(rng, reasons)}."))
    return draft("healthy", "job interview: answers restate the question", *messages)


def tutor_socratic(rng: random.Random) -> Draft:
    a, b = rng.randint(12, 48), rng.randint(3, 9)
    tens, ones = a - a % 10, a % 10
    return draft(
        "healthy",
        "maths tutor restating each step the student takes",
        ("tutor", f"Let's work out {a} × {b} without a calculator. How could we split {a}?"),
        ("student", f"Into {tens} and {ones}?"),
        ("tutor", f"Good, {tens} and {ones}. What is {tens} × {b}?"),
        ("student", f"{tens} × {b} is {tens * b}."),
        ("tutor", f"Right, {tens * b}. And {ones} × {b}?"),
        ("student", f"{ones} × {b} is {ones * b}."),
        ("tutor", f"Yes, {ones * b}. So what is {tens * b} + {ones * b}?"),
        ("student", f"{tens * b} + {ones * b} is {a * b}, so {a} × {b} = {a * b}."),
        ("tutor", f"Exactly, {a} × {b} = {a * b}. Try {a + 11} × {b} the same way."),
    )


_RECIPES = {
    "pancakes": (
        "whisk 200 g flour with 2 eggs",
        "add 300 ml milk a little at a time",
        "rest the batter for 20 minutes",
        "heat a pan with a little butter",
        "pour a ladle of batter and cook 1 minute a side",
    ),
    "dal": (
        "rinse 250 g red lentils until the water runs clear",
        "simmer them in 800 ml water with turmeric for 20 minutes",
        "fry cumin seeds and sliced garlic in ghee",
        "add chopped tomato and chilli",
        "stir the spiced oil into the lentils and season",
    ),
    "focaccia": (
        "mix 500 g flour, 7 g yeast and 400 ml warm water",
        "leave the dough to rise for 2 hours",
        "stretch it into an oiled tray",
        "dimple the top and add rosemary and sea salt",
        "bake at 220°C for 25 minutes",
    ),
    "omelette": (
        "beat 3 eggs with a pinch of salt",
        "melt a knob of butter in a small pan",
        "pour in the eggs and stir for 20 seconds",
        "add grated cheese and chives",
        "fold it in half and slide it onto a plate",
    ),
}
_DONE = (
    "Done. Next?",
    "OK, done that.",
    "Finished, what's next?",
    "Right, next step?",
    "Done!",
    "Got it, next.",
)


def recipe_steps(rng: random.Random) -> Draft:
    dish = pick(rng, sorted(_RECIPES))
    steps = _RECIPES[dish]
    messages: list[tuple[str, str]] = []
    again = rng.randrange(1, len(steps))
    for number, step in enumerate(steps, start=1):
        line = f"Step {number} of {len(steps)} for the {dish}: {step}."
        messages.append(("assistant", line))
        if number == again:
            messages.append(
                (
                    "cook",
                    pick(rng, ("Sorry, can you repeat that?", "Could you say that step again?")),
                )
            )
            messages.append(("assistant", line))
        messages.append(("cook", pick(rng, _DONE)))
    return draft(
        "healthy", "recipe read step by step, one step repeated on request", *messages[:12]
    )


SENTENCES = (
    (
        "The printer on the second floor is out of toner.",
        "L'imprimante du deuxième étage n'a plus d'encre.",
        "L'imprimante du deuxième étage n'a malheureusement plus d'encre.",
    ),
    (
        "Please lock the door when you leave.",
        "Fermez la porte à clé en partant.",
        "Merci de bien vouloir fermer la porte à clé en partant.",
    ),
    (
        "Lunch will be served at half past twelve.",
        "Le déjeuner sera servi à midi et demi.",
        "Nous aurons le plaisir de servir le déjeuner à midi et demi.",
    ),
    (
        "The lift is being repaired this week.",
        "L'ascenseur est en réparation cette semaine.",
        "Veuillez noter que l'ascenseur est en réparation cette semaine.",
    ),
    (
        "Visitors must sign in at reception.",
        "Les visiteurs doivent s'enregistrer à l'accueil.",
        "Nous prions les visiteurs de bien vouloir s'enregistrer à l'accueil.",
    ),
    (
        "The car park closes at ten in the evening.",
        "Le parking ferme à vingt-deux heures.",
        "Veuillez noter que le parking ferme à vingt-deux heures.",
    ),
    (
        "Meeting rooms can be booked online.",
        "Les salles de réunion se réservent en ligne.",
        "Vous pouvez réserver les salles de réunion en ligne.",
    ),
)


def translation_batch(rng: random.Random) -> Draft:
    chosen = some(rng, SENTENCES, 3)
    messages: list[tuple[str, str]] = []
    for english, french, _ in chosen:
        messages.append(("manager", f"French, please: {english}"))
        messages.append(("translator", french))
    messages.append(("manager", "Can the last one sound a bit more polite?"))
    messages.append(("translator", chosen[-1][2]))
    return draft(
        "healthy", "notices translated one by one, the last one made more polite", *messages
    )


_NOTES = (
    "The fire drill is on Tuesday at 11 and everyone must leave by the east stairs",
    "Expense reports for March are due by the 5th and late ones go to next month",
    "The new coffee machine takes cards only, the coin slot is sealed",
    "Anna takes over the Berlin account from Monday and Piet moves to Vienna",
    "The VPN certificate expires on Friday so please install the new one today",
    "Parking spaces 14 to 20 are reserved for visitors during the audit",
)


def dictation_readback(rng: random.Random) -> Draft:
    messages: list[tuple[str, str]] = []
    for note in some(rng, _NOTES, 3):
        messages.append(("manager", f"Add to the bulletin: {note}."))
        frame = pick(rng, ("Added: {}.", "Noted: {}.", "I've added: {}."))
        ask = pick(rng, (" Anything else?", " What's next?", ""))
        messages.append(("assistant", frame.format(note) + ask))
    return draft("healthy", "dictation: each line read back with a short frame", *messages)


FUNCTIONS = (
    "parse_date",
    "save_order",
    "send_email",
    "load_config",
    "merge_accounts",
    "resize_image",
    "charge_card",
    "sync_inventory",
)
_FINDINGS = (
    "has no test for the empty case",
    "logs the customer's email in clear",
    "catches every exception and hides real errors",
    "opens a connection per call",
    "mutates its argument",
    "uses the local time zone instead of UTC",
)


def review_rounds(rng: random.Random) -> Draft:
    messages: list[tuple[str, str]] = []
    for function, finding in zip(some(rng, FUNCTIONS, 3), some(rng, _FINDINGS, 3), strict=True):
        messages.append(("reviewer", f"{function} {finding}. Can you fix that?"))
        sha = f"{rng.getrandbits(28):07x}"
        messages.append(("author", f"Good catch, {function} is fixed in {sha}, with a test."))
    messages.append(("reviewer", "Thanks, approving."))
    return draft("healthy", "code review: a different finding each round", *messages)


TEMPLATES: tuple[Template, ...] = (
    quiz_restates,
    interview_restates,
    tutor_socratic,
    recipe_steps,
    translation_batch,
    dictation_readback,
    review_rounds,
)
