"""Field names as files write them: a field is found among its common names (``CANDIDATES``)
whatever the case and the separators between the words ('Conversation ID' = 'conversation_id'
= 'conversationId')."""

from __future__ import annotations

import re
from typing import Any

from aiconv.learning.transcripts import CANDIDATES

_SEPARATORS = re.compile(r"[\s_.-]+")


def folded(name: str) -> str:
    """A field name without case or separators."""
    return _SEPARATORS.sub("", name.casefold())


#: Each field's common names, folded, in the order they are looked for.
FOLDED = {name: tuple(folded(c) for c in names) for name, names in CANDIDATES.items()}


def find_key(data: dict[str, Any], given: str | None, name: str) -> str | None:
    """``given``, else the key of ``data`` that is a common name of ``name``, in any case."""
    keys = {folded(str(key)): key for key in reversed(list(data))}
    return given or next((keys[c] for c in FOLDED[name] if c in keys), None)
