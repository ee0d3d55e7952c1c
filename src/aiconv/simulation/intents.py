"""Roles, intents and goals: what each simulated participant is there to do (values, no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiconv.errors import ScenarioError

CUSTOMER = "customer"
AGENT = "agent"
SUPERVISOR = "supervisor"

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Goal:
    """What success and failure look like for the one who holds an intent."""

    primary: str
    secondary: tuple[str, ...] = ()
    success_criteria: tuple[str, ...] = ()
    failure_conditions: tuple[str, ...] = ()
    max_turns: int | None = None

    def describe(self) -> str:
        """The goal as instructions."""
        lines = [f"Your goal: {self.primary}"]
        if self.secondary:
            lines.append(f"Also: {'; '.join(self.secondary)}.")
        if self.success_criteria:
            lines.append(f"You are satisfied when: {'; '.join(self.success_criteria)}.")
        if self.failure_conditions:
            lines.append(f"You give up when: {'; '.join(self.failure_conditions)}.")
        return " ".join(lines)


@dataclass(frozen=True, slots=True, kw_only=True)
class Intent:
    """Why a conversation happens: a slug, who holds it, a short description, a goal, an opener."""

    name: str
    description: str
    role: str = CUSTOMER
    goal: Goal | None = None
    opening: str | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ScenarioError(f"intent name {self.name!r} must be a lowercase slug")
        if not self.description.strip():
            raise ScenarioError(f"intent {self.name}: description must not be empty")

    def describe(self) -> str:
        """The intent and its goal as instructions for the holder."""
        text = f"You are here because: {self.description}"
        return f"{text}\n{self.goal.describe()}" if self.goal else text
