"""The seam through which a layer around the transcript adds events inside a claimed turn."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import Event, MessagePosted


class TurnHook(Protocol):
    """A layer around the transcript (voice) adding events inside a claimed turn.

    ``before_call``'s events are appended after the claim, before the provider is asked (e.g.
    what the speaker heard, which the prompt then uses); ``after_reply``'s are appended in the
    same atomic append as the message (e.g. the message spoken aloud). Both run only while this
    instance holds the turn, so a takeover sees either all of a step or none of it.
    """

    async def before_call(self, state: ConversationState, name: str) -> Sequence[Event]: ...

    async def after_reply(
        self, state: ConversationState, message: MessagePosted
    ) -> Sequence[Event]: ...
