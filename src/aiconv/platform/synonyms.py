"""A small thesaurus of the words support and agent conversations restate a point with, so that
"reboot the modem" and "power-cycle the router", or "disclose personal details" and "reveal
private information", compare as the same point. Each group maps its words to one concept.
English only, curated by hand (no model); ``wording.concepts`` applies it to stemmed words.
"""

from __future__ import annotations

GROUPS = (
    "restart reboot relaunch power cycle reset unplug plug",
    "router modem box hub",
    "share disclose reveal pass provide release divulge",
    "information info details data records particulars",
    "personal private privacy confidential sensitive",
    "customer client user people someone holder individual member",
    "secure safe security protected protection protect safeguard safeguards safety",
    "verify confirm check validate authenticate ensure sure",
    "identity who identification",
    "order purchase bought buy",
    "number reference id identifier code",
    "return refund back exchange",
    "accept allow permit take",
    "fix resolve solve repair sort",
    "problem issue error fault trouble",
    "look investigate examine review dig",
    "predict forecast estimate expect know",
    "consistent consistency integrity atomic transactional transactions acid",
    "flexible flexibility evolving changing vary varies evolve",
    "schema columns tables relational rigid fixed structure",
    "payment payments money financial",
    "agreement contract paperwork dpa",
    "undefined defined exists exist null guard",
    "access retrieve browse lookup",
    "find locate track search",
    "live real-time current latest",
    "change alter modify move modification modifications",
    "ticket fare booking reservation",
    "deliver ship dispatch dispatched shipping shipped",
    "stock available availability",
    "worry worried concern concerned confident assured",
    "priority important importance seriously",
)
