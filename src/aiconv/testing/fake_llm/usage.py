"""How the fake server counts a reply's tokens: input (tools, system, history), reasoning, and
what a vendor's prompt cache would have served.

The cache works like OpenAI's and Gemini's implicit caching (and Anthropic's with
``cache_control``): a request whose prompt starts with a prefix an earlier request had, of at
least ``CACHE_MINIMUM`` tokens, reads that prefix from the cache in steps of ``CACHE_STEP``;
Anthropic also reports the rest of a marked prompt as written to the cache.
"""

from __future__ import annotations

import hashlib

from aiconv.agents.messages import ChatRequest, message_tokens, to_json
from aiconv.testing.fake_llm.wire import CACHE_MINIMUM, CACHE_STEP, Turn, count_tokens


def input_tokens(chat: ChatRequest) -> int:
    """Tokens of the whole prompt: tools, system prompt and history."""
    return _prefixes(chat)[-1][1]


def reasoning_tokens(turn: Turn, text: str) -> int:
    """A reasoning model thinks about a quarter as much as it writes (within half the limit)."""
    if not turn.reasoning or not text:
        return 0
    thought = max(1, count_tokens(text) // 4)
    return min(thought, turn.max_tokens // 2) if turn.max_tokens else thought


class PromptCache:
    """Prefixes of the prompts seen so far (per server), by hash."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def serve(self, turn: Turn) -> tuple[int, int]:
        """(tokens read from the cache, tokens written to it) for ``turn``; remembers it."""
        if not turn.caches:
            return 0, 0
        prefixes = _prefixes(turn.chat)
        read = max((t for key, t in prefixes if key in self._seen), default=0)
        self._seen.update(key for key, _ in prefixes)
        read = read // CACHE_STEP * CACHE_STEP if read >= CACHE_MINIMUM else 0
        total = prefixes[-1][1]
        written = total - read if turn.api == "anthropic" and total >= CACHE_MINIMUM else 0
        return read, written


def _prefixes(chat: ChatRequest) -> list[tuple[str, int]]:
    """(hash, tokens) of the prompt up to and including each message."""
    head = to_json([[t.name, t.description, t.parameters] for t in chat.tools]) + chat.system
    digest = hashlib.sha256(head.encode())
    tokens = count_tokens(chat.system) + sum(
        count_tokens(t.name + t.description + to_json(t.parameters)) for t in chat.tools
    )
    out = [(digest.hexdigest(), tokens)]
    for message in chat.messages:
        digest.update(repr(message).encode())
        tokens += message_tokens(message)
        out.append((digest.hexdigest(), tokens))
    return out
