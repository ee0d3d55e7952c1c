"""The exports support teams and chat users have read without flags: senders given as objects
(``author: {"role"}``, Intercom's ``author: {"type"}``), HTML bodies, ChatGPT's data export,
Zendesk tickets with their comments, Intercom conversations; what is not said in the chat
(private notes, tool traffic, images alone) is left out and counted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aiconv.learning.parse import parse_file
from aiconv.testing.processes import cli_env, run_aic


def _said(path: Path) -> list[list[tuple[str, str]]]:
    parsed = parse_file(path)
    assert parsed.problems == ()
    return [[(m.role, m.text) for m in t.messages] for t in parsed.transcripts]


@pytest.mark.parametrize(
    ("customer", "agent"),
    [
        ({"author": {"role": "user"}}, {"author": {"role": "assistant"}}),
        ({"sender": {"type": "customer", "id": 7}}, {"sender": {"type": "operator", "id": 2}}),
        ({"from": {"role": "end-user"}}, {"from": {"role": "bot", "name": "Fin"}}),
        ({"author": {"type": "lead", "id": "6f"}}, {"author": {"type": "admin", "name": "Sam"}}),
    ],
    ids=["author.role", "sender.type", "from.role", "intercom"],
)
def test_a_sender_given_as_an_object_is_read_by_its_role_or_type(
    tmp_path: Path, customer: dict[str, Any], agent: dict[str, Any]
) -> None:
    """Such files were all malformed rows: 'no sender (field 'author')'."""
    rows = [
        {"conversation_id": "c1", **customer, "text": "Where is my parcel?"},
        {"conversation_id": "c1", **agent, "text": "It arrives today."},
    ]
    path = tmp_path / "chats.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), "utf-8")
    assert _said(path) == [[("customer", "Where is my parcel?"), ("agent", "It arrives today.")]]


def test_a_sender_object_without_a_role_or_type_is_a_malformed_row(tmp_path: Path) -> None:
    path = tmp_path / "chats.jsonl"
    path.write_text(
        '{"conversation_id": "c1", "author": {"name": "Jo"}, "text": "hi"}\n'
        '{"conversation_id": "c1", "author": {"role": "user"}, "text": "hello"}\n',
        "utf-8",
    )
    parsed = parse_file(path)
    assert [str(p) for p in parsed.problems] == [
        "line 1: the sender (field 'author') is an object with no role or type"
    ]


INTERCOM = {
    "type": "conversation.list",
    "conversations": [
        {
            "type": "conversation",
            "id": "215469912345",
            "created_at": 1733130000,
            "source": {
                "type": "conversation",
                "delivered_as": "customer_initiated",
                "body": "<p>Hi, I was charged twice &amp; want a refund</p>",
                "author": {"type": "user", "id": "5f1", "name": "Jane Roe"},
            },
            "conversation_parts": {
                "type": "conversation_part.list",
                "conversation_parts": [
                    {
                        "part_type": "assignment",
                        "body": None,
                        "created_at": 1733130030,
                        "author": {"type": "bot", "id": "1"},
                    },
                    {
                        "part_type": "note",
                        "body": "<p>VIP, refund without asking</p>",
                        "created_at": 1733130040,
                        "author": {"type": "admin", "id": "81"},
                    },
                    {
                        "part_type": "comment",
                        "body": "<p>Sorry about that!</p><p>I&#39;ve refunded it.<br>"
                        "Anything else?</p><script>alert(1)</script>",
                        "created_at": 1733130060,
                        "author": {"type": "admin", "id": "81", "name": "Sam"},
                    },
                    {
                        "part_type": "comment",
                        "body": '<p><img src="https://example.com/receipt.png"></p>',
                        "attachments": [],
                        "created_at": 1733130070,
                        "author": {"type": "user", "id": "5f1"},
                    },
                    {
                        "part_type": "comment",
                        "body": None,
                        "attachments": [{"type": "upload", "name": "receipt.pdf"}],
                        "created_at": 1733130080,
                        "author": {"type": "user", "id": "5f1"},
                    },
                    {
                        "part_type": "comment",
                        "body": "<p>No, that&rsquo;s all &lt;3</p>",
                        "created_at": 1733130090,
                        "author": {"type": "user", "id": "5f1"},
                    },
                ],
            },
        }
    ],
}


def test_an_intercom_export_reads_its_html_as_text_and_leaves_its_notes_out(
    tmp_path: Path,
) -> None:
    """Intercom's API form (``source`` opens, ``conversation_parts`` follow, bodies HTML): was
    'cannot find the field for sender, text'. Tags go, entities are unescaped, paragraphs and
    ``<br>`` are line breaks, a script's text is dropped; an internal note and an image or file
    sent alone are counted."""
    path = tmp_path / "intercom.json"
    path.write_text(json.dumps(INTERCOM, indent=2), "utf-8")
    parsed = parse_file(path)
    assert parsed.problems == ()
    assert dict(parsed.left_out) == {"private_note": 1, "no_text": 2}
    [chat] = parsed.transcripts
    assert chat.source_id == "215469912345"
    assert [(m.role, m.text, m.at) for m in chat.messages] == [
        ("customer", "Hi, I was charged twice & want a refund", 1733130000.0),
        ("agent", "Sorry about that!\nI've refunded it.\nAnything else?", 1733130060.0),
        ("customer", "No, that\u2019s all <3", 1733130090.0),
    ]


def test_markup_in_a_text_field_is_what_was_written(tmp_path: Path) -> None:
    """Only a ``body`` is read as HTML: a chat about HTML keeps its tags."""
    path = tmp_path / "chats.jsonl"
    text = "How do I center a <div>? <p>this</p> &amp; that"
    path.write_text(
        json.dumps({"conversation_id": "c", "role": "user", "text": text}) + "\n", "utf-8"
    )
    assert _said(path) == [[("customer", text)]]


def _node(
    node_id: str, parent: str | None, role: str, content: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    message = {
        "id": node_id,
        "author": {"role": role, "name": None, "metadata": {}},
        "create_time": 1733130000.0 + len(node_id),
        "content": content,
        "recipient": "all",
        "metadata": {},
        **extra,
    }
    return {"id": node_id, "message": message, "parent": parent, "children": []}


def _text(*parts: Any) -> dict[str, Any]:
    return {"content_type": "text", "parts": list(parts)}


def _code(text: str) -> dict[str, Any]:
    return {"content_type": "code", "language": "python", "text": text}


def _multimodal(*parts: Any) -> dict[str, Any]:
    return {"content_type": "multimodal_text", "parts": list(parts)}


def _heard(text: str) -> dict[str, Any]:
    return {"content_type": "audio_transcription", "text": text, "direction": "in"}


def _chatgpt_conversation() -> dict[str, Any]:
    hidden = {"metadata": {"is_visually_hidden_from_conversation": True}}
    image = {"content_type": "image_asset_pointer", "asset_pointer": "file-service://f1"}
    nodes = [
        {"id": "r", "message": None, "parent": None, "children": ["s"]},
        _node("s", "r", "system", _text(""), **hidden),
        _node("u1", "s", "user", _text("My CSV import fails, why?")),
        _node("a-old", "u1", "assistant", _text("An answer the user regenerated.")),
        _node("a-th", "u1", "assistant", {"content_type": "thoughts", "thoughts": []}),
        _node("a-py", "a-th", "assistant", _code("df.head()"), recipient="python"),
        _node("t-out", "a-py", "tool", {"content_type": "execution_output", "text": "ok"}),
        _node("a-empty", "t-out", "assistant", _text("")),
        _node("a1", "a-empty", "assistant", _text("Line 3 has an extra comma.")),
        _node("u2", "a1", "user", _multimodal(image)),
        _node("u3", "u2", "user", _multimodal(image, "Like this one?")),
        _node("a2", "u3", "assistant", _text("Yes: remove it.")),
        _node(
            "u4",
            "a2",
            "user",
            _multimodal(_heard("Thanks, bye"), {"content_type": "audio_asset_pointer"}),
        ),
    ]
    return {
        "title": "CSV import",
        "create_time": 1733130000.5,
        "update_time": 1733130100.0,
        "mapping": {node["id"]: node for node in nodes},
        "current_node": "u4",
        "conversation_id": "6750aaaa-0000",
        "id": "6750aaaa-0000",
    }


def test_a_chatgpt_export_reads_the_branch_the_user_kept(tmp_path: Path) -> None:
    """``conversations.json`` (a tree of messages a conversation) was 'cannot find the field
    for sender, text'. The thread is the root to ``current_node``: the regenerated answer is
    not on it; the hidden system message and the model's thoughts are not the chat; the code
    run and its output are tool traffic; an image alone is counted, an image's words kept, and
    what voice mode heard is what was said."""
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps([_chatgpt_conversation()]), "utf-8")
    parsed = parse_file(path)
    assert parsed.problems == ()
    assert (parsed.tool_rows, dict(parsed.left_out)) == (2, {"no_text": 1})
    [chat] = parsed.transcripts
    assert chat.source_id == "6750aaaa-0000"
    assert [(m.role, m.text) for m in chat.messages] == [
        ("customer", "My CSV import fails, why?"),
        ("agent", "Line 3 has an extra comma."),
        ("customer", "Like this one?"),
        ("agent", "Yes: remove it."),
        ("customer", "Thanks, bye"),
    ]
    assert all(m.at is not None for m in chat.messages)


def _claude_message(uuid: str, sender: str, text: str, **extra: Any) -> dict[str, Any]:
    at = f"2025-03-12T16:05:{len(uuid):02d}.000000Z"
    content = [{"type": "text", "text": text}] if text else []
    return {"uuid": uuid, "text": text, "content": content, "sender": sender, "created_at": at,
            "updated_at": at, "attachments": [], "files": [], **extra}  # fmt: skip


def test_a_claude_export_reads_without_flags(tmp_path: Path) -> None:
    """Claude's data export (``chat_messages`` of ``{sender: human|assistant, text}``, the
    conversation's ``uuid``) was 'cannot find the field for conversation_id, sender, text'.
    A file sent without words is counted, not a malformed row."""
    conversation = {
        "uuid": "8a1b2c3d-0000-4000-8000-000000000001",
        "name": "Refund question",
        "created_at": "2025-03-12T16:05:00.000000Z",
        "account": {"uuid": "acc-1"},
        "chat_messages": [
            _claude_message("m1", "human", "How do I get a refund?"),
            _claude_message("m22", "human", "", files=[{"file_name": "receipt.png"}]),
            _claude_message("m333", "assistant", "Go to Settings > Billing."),
        ],
    }
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps([conversation]), "utf-8")
    parsed = parse_file(path)
    assert (parsed.problems, dict(parsed.left_out)) == ((), {"no_text": 1})
    [chat] = parsed.transcripts
    assert chat.source_id == "8a1b2c3d-0000-4000-8000-000000000001"
    assert [(m.role, m.text) for m in chat.messages] == [
        ("customer", "How do I get a refund?"),
        ("agent", "Go to Settings > Billing."),
    ]


ZENDESK = {
    "ticket_id": 35436,
    "requester_id": 1001,
    "subject": "Order never arrived",
    "comments": [
        {
            "id": 1,
            "author_id": 1001,
            "body": "My order never arrived.",
            "html_body": "<div><p>My order never arrived.</p></div>",
            "plain_body": "My order never arrived.",
            "public": True,
            "created_at": "2025-03-12T16:05:00Z",
            "via": {"channel": "email"},
        },
        {
            "id": 2,
            "author_id": 2002,
            "body": "Carrier says lost; refund if asked twice.",
            "public": False,
            "created_at": "2025-03-12T16:10:00Z",
            "via": {"channel": "web"},
        },
        {
            "id": 3,
            "author_id": 2002,
            "body": "**Good news**: it ships tomorrow.",
            "plain_body": "Good news: it ships tomorrow.",
            "public": True,
            "created_at": "2025-03-12T16:20:00Z",
            "via": {"channel": "web"},
        },
        {"id": 4, "author_id": 1001, "public": True, "created_at": "2025-03-12T16:30:00Z"},
    ],
}


def test_a_zendesk_ticket_tells_the_requester_from_the_agents(tmp_path: Path) -> None:
    """A ticket with its comments was refused ('expected a list, or an object with one of …').
    The requester is the customer, any other author the agent side; a private comment is
    left out and counted; a comment without text is a malformed row at its own line."""
    path = tmp_path / "ticket.json"
    path.write_text(json.dumps(ZENDESK, indent=2), "utf-8")
    parsed = parse_file(path)
    assert dict(parsed.left_out) == {"private_note": 1}
    [chat] = parsed.transcripts
    assert chat.source_id == "35436"
    assert [(m.role, m.text) for m in chat.messages] == [
        ("customer", "My order never arrived."),
        ("agent", "Good news: it ships tomorrow."),
    ]
    [problem] = parsed.problems
    lines = path.read_text("utf-8").splitlines()
    comments = [n for n, line in enumerate(lines, 1) if line == "    {"]
    assert (problem.line, problem.message) == (comments[3], "no text in field 'text'")


def test_a_zendesk_comment_of_files_alone_is_left_out_and_counted(tmp_path: Path) -> None:
    """A public comment that only attaches a file (a photo of the receipt, no words) is a
    message without text, as in the other exports: it was a malformed row ('no text in field
    'text''), its attachments dropped before the check that counts such messages."""
    photo = {"id": 5, "author_id": 1001, "body": "", "plain_body": "", "public": True}
    photo["attachments"] = [{"file_name": "receipt.jpg", "content_type": "image/jpeg"}]
    path = tmp_path / "ticket.json"
    path.write_text(json.dumps({**ZENDESK, "comments": [*ZENDESK["comments"][:3], photo]}))
    parsed = parse_file(path)
    assert parsed.problems == ()
    assert dict(parsed.left_out) == {"private_note": 1, "no_text": 1}
    assert [len(t.messages) for t in parsed.transcripts] == [2]


def test_import_of_exports_counts_what_it_left_out_and_is_idempotent(tmp_path: Path) -> None:
    """End to end: the counts in ``--json``, and a second import writes nothing."""
    env, db = cli_env(home=tmp_path / "home"), str(tmp_path / "runs.db")
    tickets = tmp_path / "tickets.json"
    no_id = {k: v for k, v in ZENDESK.items() if k != "ticket_id"}  # its id from its content
    tickets.write_text(json.dumps([ZENDESK, no_id]), "utf-8")
    first = run_aic("import", str(tickets), "--db", db, "--json", env=env)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert (report["rows"], report["left_out"], report["imported"]) == (
        8,
        {"private_note": 2},
        2,
    )
    again = run_aic("import", str(tickets), "--db", db, "--json", env=env)
    assert again.returncode == 0, again.stderr
    assert (json.loads(again.stdout)["imported"], json.loads(again.stdout)["unchanged"]) == (0, 2)
    said = run_aic("import", str(tickets), "--db", db, "--dry-run", env=env)
    assert "left out 2 private notes" in said.stderr


def test_an_html_body_without_words_is_counted_as_a_message_without_text(tmp_path: Path) -> None:
    """Intercom sends ``<p>&nbsp;</p>`` for a part with nothing in it: no words, so it is left
    out with the files sent alone, and the line that counts them says so (it said "an image or
    file alone" of a message that was neither)."""
    export = json.loads(json.dumps(INTERCOM))
    parts = export["conversations"][0]["conversation_parts"]["conversation_parts"]
    parts.append({"part_type": "comment", "body": "<p>&nbsp;</p>", "author": {"type": "user"}})
    path = tmp_path / "intercom.json"
    path.write_text(json.dumps(export), "utf-8")
    assert dict(parse_file(path).left_out) == {"private_note": 1, "no_text": 3}
    env = cli_env(home=tmp_path / "home")
    said = run_aic("import", str(path), "--db", str(tmp_path / "r.db"), "--dry-run", env=env)
    assert said.returncode == 0, said.stderr
    assert "left out 3 messages without text (a file or an image alone, or an empty body)" in (
        said.stdout + said.stderr
    )
