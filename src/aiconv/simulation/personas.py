"""Personas: who the simulated customer is and how they write (values, no I/O).

A persona's traits and style go into its system prompt; its tendency to interrupt is the chance
of double-texting; its typing speed and thinking time drive simulated timestamps. The built-in
personas are ``typical``, ``frustrated``, ``elderly`` and ``hurried``; custom ones come from
TOML or YAML files through ``scenario.load_personas``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiconv.errors import ScenarioError

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Persona:
    """A simulated person: scales are 1–10, tendencies 0–1, delays in seconds."""

    name: str
    traits: tuple[str, ...] = ()
    style: str = ""
    patience: int = 5
    tech_comfort: int = 5
    interrupts: float = 0.1
    clarity: float = 0.7
    typing_cps: float = 5.0
    thinking_s: float = 4.0
    #: Measured reply delays (evenly spaced quantiles, seconds), e.g. learned by `aic discover`;
    #: when given, simulated time draws from them instead of thinking and typing speed.
    reply_delays_s: tuple[float, ...] = ()
    #: Measured delays of a double text after one's own message (quantiles, seconds).
    follow_up_delays_s: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ScenarioError(f"persona name {self.name!r} must be a lowercase slug")
        for field, value in (("patience", self.patience), ("tech_comfort", self.tech_comfort)):
            if not 1 <= value <= 10:
                raise ScenarioError(f"persona {self.name}: {field} must be 1..10, not {value}")
        for field, share in (("interrupts", self.interrupts), ("clarity", self.clarity)):
            if not 0.0 <= share <= 1.0:
                raise ScenarioError(f"persona {self.name}: {field} must be 0..1, not {share}")
        if self.typing_cps <= 0 or self.thinking_s < 0:
            raise ScenarioError(f"persona {self.name}: typing_cps > 0 and thinking_s >= 0")
        for field, delays in (
            ("reply_delays_s", self.reply_delays_s),
            ("follow_up_delays_s", self.follow_up_delays_s),
        ):
            if list(delays) != sorted(delays) or any(not 0 <= d < float("inf") for d in delays):
                raise ScenarioError(
                    f"persona {self.name}: {field} must be quantiles: ascending, finite, >= 0"
                )

    def describe(self) -> str:
        """The persona as instructions for the model that plays it (nothing for ``neutral``)."""
        if self.name == "neutral" and not (self.traits or self.style):
            return ""
        lines = [f"You are a {self.name} customer."]
        if self.traits:
            lines.append(f"Traits: {', '.join(self.traits)}.")
        if self.style:
            lines.append(f"Communication style: {self.style}")
        lines.append(
            f"Patience {self.patience}/10 (low means you give up or ask for a manager quickly); "
            f"comfort with technology {self.tech_comfort}/10."
        )
        if self.clarity < 0.5:
            lines.append("You often leave out details until you are asked for them.")
        else:
            lines.append("You usually give the details needed when asked.")
        return " ".join(lines)


TYPICAL = Persona(
    name="typical",
    traits=("polite", "reasonable"),
    style="Plain, friendly sentences; answers questions directly.",
    patience=6,
    tech_comfort=6,
    interrupts=0.1,
    clarity=0.8,
    typing_cps=5.0,
    thinking_s=4.0,
)
FRUSTRATED = Persona(
    name="frustrated",
    traits=("impatient", "annoyed", "has contacted support before"),
    style="Short, blunt messages; repeats the complaint; may threaten to leave.",
    patience=2,
    tech_comfort=5,
    interrupts=0.35,
    clarity=0.5,
    typing_cps=7.0,
    thinking_s=2.0,
)
ELDERLY = Persona(
    name="elderly",
    traits=("courteous", "unsure with technology", "careful"),
    style="Long, polite messages; asks for steps to be explained simply.",
    patience=8,
    tech_comfort=2,
    interrupts=0.05,
    clarity=0.4,
    typing_cps=2.0,
    thinking_s=10.0,
)
HURRIED = Persona(
    name="hurried",
    traits=("busy", "direct"),
    style="Very short messages, no greetings; wants the fastest fix.",
    patience=3,
    tech_comfort=8,
    interrupts=0.25,
    clarity=0.7,
    typing_cps=9.0,
    thinking_s=1.0,
)

#: No persona at all: a task's user follows its brief and nothing else.
NEUTRAL = Persona(name="neutral", interrupts=0.0)

BUILTIN: dict[str, Persona] = {p.name: p for p in (TYPICAL, FRUSTRATED, ELDERLY, HURRIED, NEUTRAL)}
