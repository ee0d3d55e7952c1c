"""The fictitious people of the synthetic support corpus (declarative lists, no logic): names,
cities, reserved example e-mail domains and test card number prefixes, so that no value a
synthetic conversation carries belongs to anyone real.
"""

from __future__ import annotations

FIRST_NAMES = (
    "Maria",
    "James",
    "Aisha",
    "Tomasz",
    "Chloe",
    "Daniel",
    "Priya",
    "Lukas",
    "Sofia",
    "Owen",
    "Hannah",
    "Mateo",
    "Yuki",
    "Grace",
    "Elias",
    "Nora",
    "Ravi",
    "Ingrid",
    "Samuel",
    "Leila",
)
LAST_NAMES = (
    "Lopez",
    "Whitfield",
    "Okafor",
    "Nowak",
    "Bennett",
    "Kowalski",
    "Sharma",
    "Becker",
    "Rossi",
    "Hughes",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Fletcher",
    "Haddad",
    "Brennan",
)
CITIES = ("Leeds", "Bristol", "Lyon", "Porto", "Dublin", "Ghent", "Malmo", "Bologna")
EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com")
#: Test card numbers' issuer prefixes (the rest is random, with a valid Luhn check digit).
CARD_PREFIXES = ("411111", "555555", "378282", "601111", "400000")
