"""Vendors' conversation exports -> one conversation of plain messages each.

Three shapes are recognised by their own fields, without flags:

* **ChatGPT's data export** (``conversations.json``): ``mapping`` ``{node id: {message, parent,
  children}}`` and ``current_node``. A conversation is a tree (every edited or regenerated
  message starts a branch); the thread read is the branch the user kept, from the root to
  ``current_node``. Empty nodes, hidden and empty system messages and the model's own reasoning
  are not part of the chat; tool calls (``recipient`` other than ``all``) and ``tool`` messages
  are tool traffic; a message with no text part (an image alone) is left out and counted;
  voice mode's messages are what it transcribed.
* **Zendesk tickets** with their comments: ``comments`` and the ticket's ``requester_id``; a
  comment by the requester is the customer's, any other author's the agent side's, a private
  one (``public: false``, an internal note) is left out and counted, and so is one that only
  attaches files. ``plain_body`` is read before ``body``.
* **Intercom conversations**: ``source`` (the opening message) and ``conversation_parts``;
  ``author.type`` says who wrote each part, bodies are HTML; notes, and files or images sent
  without words, are left out and counted; parts with neither a body nor attachments
  (assignments, open, close) are events, not messages.

Each message keeps where it came from (a path in the record) so that a problem with it is
reported at its own line. Nothing here decides roles of other shapes: ``parse`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiconv.learning import markup
from aiconv.learning.transcripts import LeftOut

Path = tuple[str | int, ...]
#: The fields that tell the shapes apart: an object without any of them is none of them.
KEYS = frozenset({"mapping", "comments", "conversation_parts"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Shaped:
    """A conversation's own fields, and its messages (a plain dict, or why it is left out),
    each with its path in the record."""

    data: dict[str, Any]
    messages: list[tuple[Path, Any]]


def reshape(value: dict[str, Any]) -> Shaped | None:
    """``value`` as one conversation when it is a vendor's export of one; None otherwise."""
    if not value.keys() & KEYS:
        return None
    for shape in _SHAPES:
        found = shape(value)
        if found is not None:
            return found
    return None


def _chatgpt(value: dict[str, Any]) -> Shaped | None:
    nodes, current = value.get("mapping"), value.get("current_node")
    if not isinstance(nodes, dict) or not isinstance(current, str) or current not in nodes:
        return None
    messages: list[tuple[Path, Any]] = []
    for node_id in _branch(nodes, current):
        message = nodes[node_id].get("message")
        if isinstance(message, dict):
            kept = _chatgpt_message(message)
            if kept is not None:
                messages.append((("mapping", node_id, "message"), kept))
    data = {k: v for k, v in value.items() if k not in ("mapping", "current_node")}
    return Shaped(data=data, messages=messages)


def _branch(nodes: dict[str, Any], current: str) -> list[str]:
    """The node ids from the root down to ``current`` (parent links; a cycle ends the walk)."""
    path: dict[str, None] = {}  # ordered, and a cycle is found in constant time
    node_id: Any = current
    while isinstance(node_id, str) and isinstance(nodes.get(node_id), dict):
        if node_id in path:
            break
        path[node_id] = None
        node_id = nodes[node_id].get("parent")
    return list(path)[::-1]


#: ChatGPT content types that are the model's own workings, never shown as said.
_UNSAID = frozenset(
    {"thoughts", "reasoning_recap", "user_editable_context", "model_editable_context"}
)
_TEXT_TYPES = frozenset({"text", "multimodal_text"})


def _chatgpt_message(message: dict[str, Any]) -> Any:
    """A plain message; ``LeftOut``; or None for what was never part of the chat."""
    author = message.get("author")
    role = author.get("role") if isinstance(author, dict) else None
    content = _object(message.get("content"))
    kind = content.get("content_type")
    metadata = _object(message.get("metadata"))
    if metadata.get("is_visually_hidden_from_conversation") or kind in _UNSAID:
        return None
    parts = content.get("parts") if kind in _TEXT_TYPES else None
    text = "\n".join(filter(None, map(_part_text, parts or ())))
    if role == "tool" or message.get("recipient", "all") != "all":
        return LeftOut.TOOL
    if text:
        return {"author": author, "content": text, "create_time": message.get("create_time")}
    if role == "system" or (kind == "text" and not any(map(_object, parts or ()))):
        return None  # empty: nothing was said (an image or a file is a part of its own)
    return LeftOut.NO_TEXT


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _part_text(part: Any) -> str:
    """A part's words: a string, or what voice mode heard (``audio_transcription``)."""
    if isinstance(part, dict) and part.get("content_type") == "audio_transcription":
        part = part.get("text")
    return part.strip() if isinstance(part, str) else ""


def _zendesk(value: dict[str, Any]) -> Shaped | None:
    comments, requester = value.get("comments"), value.get("requester_id")
    if not isinstance(comments, list) or not isinstance(requester, str | int):
        return None
    messages: list[tuple[Path, Any]] = []
    for index, comment in enumerate(comments):
        messages.append((("comments", index), _zendesk_comment(comment, requester)))
    return Shaped(data={k: v for k, v in value.items() if k != "comments"}, messages=messages)


def _zendesk_comment(comment: Any, requester: str | int) -> Any:
    if not isinstance(comment, dict):
        return comment  # parse reports it
    if comment.get("public") is False:
        return LeftOut.PRIVATE_NOTE
    author = comment.get("author_id")
    sender = None if author is None else "customer" if str(author) == str(requester) else "agent"
    text = comment.get("plain_body") or comment.get("body")
    if not (isinstance(text, str) and text.strip()) and comment.get("attachments"):
        return LeftOut.NO_TEXT  # a file or an image sent alone
    return {"sender": sender, "text": text, "created_at": comment.get("created_at")}


def _intercom(value: dict[str, Any]) -> Shaped | None:
    parts = value.get("conversation_parts")
    where: Path = ("conversation_parts",)
    if isinstance(parts, dict):  # the API's {"type": "conversation_part.list", …}
        parts, where = parts.get("conversation_parts"), (*where, "conversation_parts")
    if not isinstance(parts, list):
        return None
    messages: list[tuple[Path, Any]] = []
    source = value.get("source")
    if isinstance(source, dict) and _is_said(source):
        opened = source.get("created_at", value.get("created_at"))
        messages.append((("source",), _intercom_part(source, opened)))
    for index, part in enumerate(parts):
        if not isinstance(part, dict):
            messages.append(((*where, index), part))
        elif str(part.get("part_type", "")).startswith("note"):
            messages.append(((*where, index), LeftOut.PRIVATE_NOTE))
        elif _is_said(part):
            messages.append(((*where, index), _intercom_part(part, part.get("created_at"))))
    data = {k: v for k, v in value.items() if k not in ("conversation_parts", "source")}
    return Shaped(data=data, messages=messages)


def _is_said(part: dict[str, Any]) -> bool:
    """A message (words or files), not an event such as an assignment or a close."""
    return bool(part.get("body") or part.get("attachments"))


def _intercom_part(part: dict[str, Any], at: Any) -> Any:
    """The part as a message; ``NO_TEXT`` when it holds no words (a file, an image alone)."""
    body = part.get("body")
    words = markup.to_text(body) if isinstance(body, str) and markup.is_markup(body) else body
    if not isinstance(words, str) or not words.strip():
        return LeftOut.NO_TEXT
    return {"author": part.get("author"), "body": body, "created_at": at}


_SHAPES: tuple[Callable[[dict[str, Any]], Shaped | None], ...] = (_chatgpt, _zendesk, _intercom)
