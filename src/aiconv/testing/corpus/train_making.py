"""``train`` hard negatives, making: recipes, translation, dictation and code review, where
steps share a frame and answers repeat what was asked.
"""

from __future__ import annotations

import random

from aiconv.testing.corpus.draft import Draft, Template, draft, pick, some

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
    recipe_steps,
    translation_batch,
    dictation_readback,
    review_rounds,
)
