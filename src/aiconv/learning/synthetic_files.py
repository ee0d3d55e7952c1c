"""Write a synthetic corpus in every import format, with a mapping file and the planted truth.

* ``chats.jsonl``: one message a line, ``conversation_id``/``sender``/``text``/``timestamp``
  (ISO 8601): the default field names, no mapping needed;
* ``chats.csv``: the same rows under other names (``ticket``/``party``/``utterance``/
  ``logged_at`` in Unix seconds), read with ``chats.mapping.toml``;
* ``chats.json``: a list of conversations, each ``{"id", "messages": [{"role", "content",
  "created_at"}]}`` with ``user``/``assistant`` roles and millisecond times;
* ``chats.messages.jsonl``: one conversation a line, ``{"id", "messages": [{role, content}]}``
  without times (the common chat-completions shape);
* ``truth.json``: per conversation its planted intent, outcome, persona, needle and personal
  data, plus the planted personas' timing.
"""

from __future__ import annotations

import argparse
import csv
import errno
import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from aiconv.learning.synthetic import (
    AGENT_DELAY,
    FOLLOW_UP_DELAY,
    NEEDLES,
    PERSONAS,
    SyntheticConversation,
    generate,
)

MAPPING = """\
# Field mapping for chats.csv: `aic import chats.csv --mapping chats.mapping.toml`
conversation_id = "ticket"
sender = "party"
text = "utterance"
timestamp = "logged_at"
customer = ["visitor"]
agent = ["operator"]
"""

_CSV_ROLES = {"customer": "visitor", "agent": "operator"}
_CHAT_ROLES = {"customer": "user", "agent": "assistant"}


def _iso(at: float) -> str:
    millis = round(at * 1000)
    whole = datetime.fromtimestamp(millis // 1000, UTC)
    return f"{whole:%Y-%m-%dT%H:%M:%S}.{millis % 1000:03d}Z"


def write_corpus(conversations: list[SyntheticConversation], directory: Path) -> dict[str, Path]:
    """Write every format into ``directory``; the written files by name."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        name: directory / name
        for name in (
            "chats.jsonl",
            "chats.csv",
            "chats.mapping.toml",
            "chats.json",
            "chats.messages.jsonl",
            "truth.json",
        )
    }
    rows = [(c, line) for c in conversations for line in c.lines]
    with paths["chats.jsonl"].open("w", encoding="utf-8") as out:
        for c, line in rows:
            record = {
                "conversation_id": c.conversation_id,
                "sender": line.role,
                "text": line.text,
                "timestamp": _iso(line.at),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    with paths["chats.csv"].open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["ticket", "party", "utterance", "logged_at"])
        for c, line in rows:
            writer.writerow([c.conversation_id, _CSV_ROLES[line.role], line.text, f"{line.at:.3f}"])
    paths["chats.mapping.toml"].write_text(MAPPING, encoding="utf-8")
    documents = [_chat_document(c, timed=True) for c in conversations]
    paths["chats.json"].write_text(json.dumps(documents, indent=1, ensure_ascii=False), "utf-8")
    with paths["chats.messages.jsonl"].open("w", encoding="utf-8") as out:
        for c in conversations:
            out.write(json.dumps(_chat_document(c, timed=False), ensure_ascii=False) + "\n")
    paths["truth.json"].write_text(json.dumps(truth(conversations), indent=1), encoding="utf-8")
    return paths


def _chat_document(c: SyntheticConversation, *, timed: bool) -> dict[str, object]:
    messages: list[dict[str, object]] = []
    for line in c.lines:
        message: dict[str, object] = {"role": _CHAT_ROLES[line.role], "content": line.text}
        if timed:
            message["created_at"] = round(line.at * 1000)
        messages.append(message)
    return {"id": c.conversation_id, "messages": messages}


def truth(conversations: list[SyntheticConversation]) -> dict[str, object]:
    """What was planted: labels per conversation and the timing of each persona."""
    return {
        "conversations": {
            c.conversation_id: {
                "intent": c.intent,
                "outcome": c.outcome,
                "persona": c.persona,
                "needle": c.needle,
                "pii": [list(item) for item in c.pii],
            }
            for c in conversations
        },
        "personas": [asdict(p) for p in PERSONAS],
        "agent_delay": list(AGENT_DELAY),
        "follow_up_delay": list(FOLLOW_UP_DELAY),
        "needles": [list(n) for n in NEEDLES],
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m aiconv.learning OUTDIR [--conversations N] [--seed S]``."""
    parser = argparse.ArgumentParser(
        prog="python -m aiconv.learning",
        description="Write synthetic support transcripts (no real personal data) to OUTDIR.",
    )
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.conversations < 1:
        parser.error("--conversations must be at least 1")
    try:  # before generating: a file in the way, or a place nothing can be created
        if args.outdir.exists() and not args.outdir.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "it is a file, not a directory")
        args.outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        parser.error(f"cannot write {args.outdir}: {exc.strerror or exc}")
    paths = write_corpus(generate(args.conversations, seed=args.seed), args.outdir)
    for path in paths.values():
        print(path)
    return 0
