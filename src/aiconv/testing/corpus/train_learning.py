"""``train`` hard negatives, learning: quizzes, interviews and tutoring, where answers restate
questions (the making ones are in ``train_making``).
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


TEMPLATES: tuple[Template, ...] = (
    quiz_restates,
    interview_restates,
    tutor_socratic,
)
