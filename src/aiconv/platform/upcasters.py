"""Every schema change of an event, as a function from the old JSON body to the new one (pure).

``codec`` applies them in order when it reads an event stored under an older version, so old
streams stay readable forever. Add one entry per (kind, old version) whenever an event's meaning
or field names change (adding a defaulted field needs none).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def _started_v1(body: dict[str, Any]) -> dict[str, Any]:
    """ConversationStarted 1 -> 2: the judge and stamp names left ``metadata`` for typed fields.

    Version 1 named them as ``metadata["judge"]`` / ``metadata["stamp"]`` and their plugins read
    their settings from the other metadata keys, so those keys become the plugin's config.
    """
    metadata = dict(body.get("metadata") or {})
    judge, stamp = metadata.pop("judge", None), metadata.pop("stamp", None)
    upgraded = {**body, "metadata": metadata}
    for field, name in (("judge", judge), ("stamp", stamp)):
        if name is not None:
            upgraded[field] = {"name": str(name), "config": dict(metadata)}
    return upgraded


UPCASTERS: Mapping[tuple[str, int], Upcaster] = MappingProxyType(
    {("ConversationStarted", 1): _started_v1}
)
