"""Reading transcripts: every format gives the same conversations, bad rows are reported with
their line numbers, and the field mapping comes from flags or a small mapping file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from aiconv.cli.learn import import_command
from aiconv.errors import TranscriptError
from aiconv.learning.parse import parse_file
from aiconv.learning.transcripts import FieldMapping, load_mapping
from tests.learning.conftest import CONVERSATIONS


def _shape(path: Path, mapping: FieldMapping | None = None) -> list[tuple[str, tuple[Any, ...]]]:
    parsed = parse_file(path, mapping)
    assert parsed.problems == ()
    return [
        (
            t.source_id,
            tuple((m.role, m.text, None if m.at is None else round(m.at, 3)) for m in t.messages),
        )
        for t in parsed.transcripts
    ]


def test_every_format_reads_the_same_conversations(corpus_dir: Path) -> None:
    rows = _shape(corpus_dir / "chats.jsonl")
    assert len(rows) == CONVERSATIONS
    assert _shape(corpus_dir / "chats.csv", load_mapping(corpus_dir / "chats.mapping.toml")) == rows
    assert _shape(corpus_dir / "chats.json") == rows
    untimed = [(cid, tuple((r, t, None) for r, t, _ in ms)) for cid, ms in rows]
    assert _shape(corpus_dir / "chats.messages.jsonl") == untimed


def test_a_csv_written_with_semicolons_reads_like_one_with_commas(tmp_path: Path) -> None:
    """Spreadsheets in many locales separate CSV fields with ';': the whole header was read as
    one column ('conversation_id;sender;text;timestamp') and no flag could fix it."""
    commas, semicolons = tmp_path / "commas.csv", tmp_path / "semicolons.csv"
    commas.write_text(
        'conversation_id,sender,text,timestamp\nz,customer,"hello; there",1740000000\n'
        "z,agent,hi,1740000005\n",
        encoding="utf-8",
    )
    semicolons.write_text(
        'conversation_id;sender;text;timestamp\nz;customer;"hello; there";1740000000\n'
        "z;agent;hi;1740000005\n",
        encoding="utf-8",
    )
    assert _shape(semicolons) == _shape(commas)


@pytest.mark.parametrize(
    ("encoding", "suffix"), [("utf-16", ".tsv"), ("utf-16", ".csv"), ("utf-32", ".csv")]
)
def test_a_spreadsheet_saved_as_unicode_text_reads_like_utf_8(
    tmp_path: Path, encoding: str, suffix: str
) -> None:
    """Excel's "Unicode Text" is UTF-16 with a byte-order mark, fields separated by tabs: it was
    refused as 'not UTF-8 text (byte 0)', and a .csv of tabs was read as one column."""
    text = (
        "conversation_id\tsender\ttext\ttimestamp\r\n"
        'z\tcustomer\t"Grüße, two\r\nlines"\t1740000000\r\nz\tagent\thi ✓\t1740000005\r\n'
    )
    utf8, saved = tmp_path / "utf8.tsv", tmp_path / f"saved{suffix}"
    utf8.write_bytes(text.encode("utf-8"))
    saved.write_bytes(text.encode(encoding))
    assert _shape(saved) == _shape(utf8)
    assert _shape(utf8)[0][1][0][1] == "Grüße, two\r\nlines"


def test_a_time_or_outcome_missing_from_the_first_message_is_found_in_the_next(
    tmp_path: Path,
) -> None:
    """Writers that leave out empty keys: the first message (a system line) had no timestamp
    or outcome key, so the fields were taken as absent and the whole file read without times."""
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        '{"conversation_id": "a", "sender": "system", "text": "chat started"}\n'
        '{"conversation_id": "a", "sender": "customer", "text": "hi", "timestamp": 1740000000}\n'
        '{"conversation_id": "a", "sender": "agent", "text": "yo", "timestamp": 1740000030,'
        ' "outcome": "resolved"}\n',
        encoding="utf-8",
    )
    (only,) = parse_file(rows).transcripts
    assert [m.at for m in only.messages] == [None, 1740000000, 1740000030]
    assert only.outcome == "resolved"
    chats = tmp_path / "chats.jsonl"
    messages = [
        {"role": "system", "content": "chat started"},
        {"role": "user", "content": "hi", "created_at": 1740000000},
        {"role": "assistant", "content": "yo", "created_at": 1740000030},
    ]
    chats.write_text(json.dumps({"id": "b", "messages": messages}) + "\n", encoding="utf-8")
    (only,) = parse_file(chats).transcripts
    assert [m.at for m in only.messages] == [None, 1740000000, 1740000030]


def test_column_names_are_found_whatever_their_case(tmp_path: Path) -> None:
    """Spreadsheet exports capitalise their headers ('Conversation ID' aside, 'Sender', 'Message',
    'Timestamp'): none was found, and with the others named by flags the times were dropped."""
    path = tmp_path / "export.csv"
    path.write_text(
        "Chat_ID,Role,Message,Timestamp,Outcome\nq,Customer,hi,1740000000,\n"
        "q,Agent,hello,1740000030,Resolved\n",
        encoding="utf-8",
    )
    (only,) = parse_file(path).transcripts
    assert [(m.role, m.at) for m in only.messages] == [
        ("customer", 1740000000),
        ("agent", 1740000030),
    ]
    assert only.outcome == "Resolved"


def test_csv_needs_its_mapping_and_the_error_names_the_flags(corpus_dir: Path) -> None:
    """The flags the error names are ``aic import``'s own (it once named
    ``--conversation-id-field``, which does not exist)."""
    with pytest.raises(TranscriptError, match=r"ticket, party") as raised:
        parse_file(corpus_dir / "chats.csv")
    named = set(re.findall(r"--[a-z-]+-field", str(raised.value)))
    flags = {opt for param in import_command.params for opt in param.opts}
    assert named and named <= flags, named - flags
    assert "--id-field" in named and "--time-field" not in named  # the CSV's time is found


def test_flags_override_the_mapping_file(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text(
        '{"thread": "t1", "who": "Cust", "msg": "my card is lost", "when": 1700000000}\n'
        '{"thread": "t1", "who": "Rep", "msg": "blocked it", "when": 1700000060}\n',
        encoding="utf-8",
    )
    (tmp_path / "m.toml").write_text('conversation_id = "thread"\ntext = "body"\n', "utf-8")
    flags = FieldMapping(
        sender="who", text="msg", timestamp="when", customer=("cust",), agent=("REP",)
    )
    mapping = load_mapping(tmp_path / "m.toml").merged(flags)
    [transcript] = parse_file(path, mapping).transcripts
    assert [(m.role, m.sender, m.at) for m in transcript.messages] == [
        ("customer", "Cust", 1700000000.0),
        ("agent", "Rep", 1700000060.0),
    ]


def test_malformed_rows_are_reported_with_their_lines_and_the_rest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        "\n".join(
            [
                '{"conversation_id": "a", "sender": "customer", "text": "hi", "timestamp": 1}',
                "{not json",
                '{"conversation_id": "a", "sender": "wizard", "text": "boo", "timestamp": 2}',
                '{"conversation_id": "a", "sender": "agent", "text": "", "timestamp": 3}',
                '{"conversation_id": "a", "sender": "agent", "text": "x", "timestamp": "soon"}',
                '{"conversation_id": "a", "sender": "agent", "text": "y", "timestamp": NaN}',
                '["a list"]',
                '{"sender": "agent", "text": "no id"}',
                '{"conversation_id": "a", "sender": "agent", "text": "hello", "timestamp": 9}',
            ]
        ),
        encoding="utf-8",
    )
    parsed = parse_file(path)
    assert [p.line for p in parsed.problems] == [2, 3, 4, 5, 6, 7, 8]
    assert "--customer 'wizard' or --agent 'wizard'" in str(parsed.problems[1])
    assert "neither ISO 8601 nor a Unix time" in parsed.problems[3].message
    [transcript] = parsed.transcripts
    assert [m.text for m in transcript.messages] == ["hi", "hello"]


def test_csv_rows_with_missing_fields_name_their_line_even_after_multiline_cells(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        'chat_id,role,content\n1,user,"two\nlines"\n1,assistant\n1,assistant,ok\n', "utf-8"
    )
    parsed = parse_file(path)
    assert [(p.line, p.message) for p in parsed.problems] == [(4, "expected 3 fields, found 2")]
    assert [m.text for m in parsed.transcripts[0].messages] == ["two\nlines", "ok"]


def test_json_problems_carry_the_line_of_the_message(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(
        '{"conversations": [\n {"id": "c1", "messages": [\n'
        '  {"role": "user", "content": [{"type": "text", "text": "hi"}]},\n'
        '  {"role": "robot", "content": "beep"},\n'
        '  {"role": "assistant", "content": "hello", "timestamp": "2025-01-02T03:04:05Z"}\n'
        " ]}\n]}\n",
        encoding="utf-8",
    )
    parsed = parse_file(path)
    assert [p.line for p in parsed.problems] == [4]
    assert [m.text for m in parsed.transcripts[0].messages] == ["hi", "hello"]


def test_times_in_seconds_milliseconds_and_iso_agree(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    stamps = [
        1735700000,
        1735700000000,
        "1735700000.5",
        "2025-01-01T02:53:20",
        "2025-01-01T03:53:20+01:00",
    ]
    rows = [
        {"conversation_id": "c", "role": "user", "text": f"m{i}", "timestamp": t}
        for i, t in enumerate(stamps)
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    times = [m.at for m in parse_file(path).transcripts[0].messages]
    assert times == [1735700000.0, 1735700000.0, 1735700000.0, 1735700000.0, 1735700000.5]


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("x.txt", "hello", "cannot tell the format"),
        ("x.json", "[1, 2", "x.json:1: not JSON"),
        ("x.json", '{"a": 1}', "expected a list"),
        ("x.csv", "", "no header row"),
        ("x.jsonl", '{"text": "hi", "role": "user"}', "cannot find the field for conversation_id"),
    ],
)
def test_files_that_cannot_be_read_at_all_are_refused(
    tmp_path: Path, name: str, content: str, error: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TranscriptError, match=error):
        parse_file(path)


def test_a_bad_mapping_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('conversation = "x"\n', encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"m.toml: conversation: Extra inputs"):
        load_mapping(path)


def test_tool_calls_and_results_in_chat_exports_are_left_out_not_malformed(
    tmp_path: Path,
) -> None:
    """A chat-completions export with tool traffic (an assistant turn that only calls a tool, a
    ``tool`` result) and an Anthropic one (``tool_use``/``tool_result`` blocks) are valid
    transcripts: the tool traffic is counted and left out, never reported as malformed."""
    openai = {
        "messages": [
            {"role": "system", "content": "You are Acme support."},
            {"role": "user", "content": "Where is order 12345?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "lookup", "arguments": '{"id": "12345"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": '{"status": "shipped"}'},
            {"role": "assistant", "content": "It shipped; it arrives Friday."},
        ]
    }
    anthropic = {
        "id": "a1",
        "messages": [
            {"role": "user", "content": "Is my refund through?"},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "t1", "name": "refund", "input": {}}],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "paid"}],
            },
            {"role": "assistant", "content": [{"type": "text", "text": "Yes, on Monday."}]},
        ],
    }
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps(openai) + "\n" + json.dumps(anthropic) + "\n", "utf-8")
    parsed = parse_file(path)
    assert parsed.problems == ()
    assert parsed.tool_rows == 4
    assert [[(m.role, m.text) for m in t.messages] for t in parsed.transcripts] == [
        [
            ("system", "You are Acme support."),
            ("customer", "Where is order 12345?"),
            ("agent", "It shipped; it arrives Friday."),
        ],
        [("customer", "Is my refund through?"), ("agent", "Yes, on Monday.")],
    ]


def test_a_sharegpt_export_reads_without_a_mapping(tmp_path: Path) -> None:
    """ShareGPT, the common shape of published chat data sets (``conversations`` of
    ``{"from": "human"|"gpt", "value"}``), needs no flags."""
    path = tmp_path / "sharegpt.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": "sg1",
                    "conversations": [
                        {"from": "system", "value": "Be brief."},
                        {"from": "human", "value": "How do I reset my password?"},
                        {"from": "gpt", "value": "Use 'Forgot password' on the login page."},
                    ],
                }
            ]
        ),
        "utf-8",
    )
    parsed = parse_file(path)
    assert parsed.problems == ()
    [transcript] = parsed.transcripts
    assert transcript.source_id == "sg1"
    assert [m.role for m in transcript.messages] == ["system", "customer", "agent"]


def test_times_with_a_zone_name_and_in_nanoseconds_are_read(tmp_path: Path) -> None:
    """Helpdesk exports write '2025-01-01 02:53:20 UTC' and event pipelines Unix nanoseconds:
    both were malformed rows ('neither ISO 8601 nor a Unix time', 'out of range')."""
    path = tmp_path / "t.jsonl"
    stamps = [
        "2025-01-01 02:53:20 UTC",
        "2025-01-01 02:53:20 GMT",
        "2025-01-01 02:53:20 utc",
        "2025-01-01T02:53:20.000Z",
        1735700000000000000,
        1735700000000000,
    ]
    rows = [
        {"conversation_id": "c", "role": "user", "text": f"m{i}", "timestamp": t}
        for i, t in enumerate(stamps)
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    parsed = parse_file(path)
    assert not parsed.problems, parsed.problems
    assert [m.at for m in parsed.transcripts[0].messages] == [1735700000.0] * len(stamps)


def test_column_names_written_with_spaces_are_found(tmp_path: Path) -> None:
    """Helpdesk and spreadsheet exports name their columns in words ('Conversation ID',
    'Ticket ID', 'Created At'): none was found, and the import asked for --id-field."""
    path = tmp_path / "helpdesk.csv"
    path.write_text(
        "Conversation ID,Speaker,Message,Created At\n"
        "q,Customer,hi,2025-01-02 10:00:00\nq,Agent,hello,2025-01-02 10:00:30\n"
        "r,Customer,refund please,2025-01-03 10:00:00\n",
        encoding="utf-8",
    )
    parsed = parse_file(path)
    assert parsed.problems == ()
    assert [(t.source_id, [(m.role, m.at) for m in t.messages]) for t in parsed.transcripts] == [
        ("q", [("customer", 1735812000.0), ("agent", 1735812030.0)]),
        ("r", [("customer", 1735898400.0)]),
    ]
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("Ticket-ID;Author;Body\n7;visitor;where is it\n", encoding="utf-8")
    (only,) = parse_file(tickets).transcripts
    assert only.source_id == "7"


def test_lmsys_style_conversation_lists_read_without_a_mapping(tmp_path: Path) -> None:
    """LMSYS-Chat-1M and WildChat hold each chat's messages under ``conversation`` beside a
    ``conversation_id``: the messages were not found ("cannot find the field for sender")."""
    path = tmp_path / "lmsys.jsonl"
    rows = [
        {
            "conversation_id": cid,
            "model": "vicuna-13b",
            "conversation": [
                {"role": "user", "content": f"question {cid}"},
                {"role": "assistant", "content": f"answer {cid}"},
            ],
            "turn": 1,
            "openai_moderation": [{"flagged": False}],
        }
        for cid in ("a1", "b2")
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    parsed = parse_file(path)
    assert parsed.problems == ()
    assert [(t.source_id, [m.text for m in t.messages]) for t in parsed.transcripts] == [
        ("a1", ["question a1", "answer a1"]),
        ("b2", ["question b2", "answer b2"]),
    ]


def test_a_list_of_message_lists_is_a_list_of_conversations(tmp_path: Path) -> None:
    """``[[{role, content}, …], …]``, one list of messages per conversation, in JSON or one list
    a line in JSONL: each item was 'expected a JSON object' and nothing was imported."""
    chats = [
        [
            {"role": "user", "content": "my card is lost"},
            {"role": "assistant", "content": "Blocked."},
        ],
        [{"role": "user", "content": "refund please"}, {"role": "assistant", "content": "Done."}],
    ]
    as_json = tmp_path / "chats.json"
    as_json.write_text(json.dumps(chats, indent=1), encoding="utf-8")
    as_jsonl = tmp_path / "chats.jsonl"
    as_jsonl.write_text("".join(json.dumps(c) + "\n" for c in chats), encoding="utf-8")
    for path in (as_json, as_jsonl):
        parsed = parse_file(path)
        assert parsed.problems == ()
        texts = [[m.text for m in t.messages] for t in parsed.transcripts]
        assert texts == [["my card is lost", "Blocked."], ["refund please", "Done."]]
        assert len({t.source_id for t in parsed.transcripts}) == 2
        assert [t.source_id for t in parse_file(path).transcripts] == [
            t.source_id for t in parsed.transcripts
        ]  # ids from the content: the same on every read, so a second import is a no-op
    json_lines = [m.line for t in parse_file(as_json).transcripts for m in t.messages]
    assert json_lines == sorted(json_lines) and len(set(json_lines)) == 4


def test_one_conversation_as_a_bare_list_of_messages_reads_as_one(tmp_path: Path) -> None:
    """A file holding one chat as ``[{role, content}, …]`` (the chat-completions messages,
    what many tools save per conversation) was refused for want of a conversation id; messages
    with a field the reader does not know still ask for one (it may be the id), and so do JSON
    Lines rows without one (test_files_that_cannot_be_read_at_all_are_refused)."""
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Where is my parcel?"},
        {"role": "assistant", "content": "It ships today."},
    ]
    path = tmp_path / "one.json"
    path.write_text(json.dumps(messages), encoding="utf-8")
    (only,) = parse_file(path).transcripts
    assert [m.role for m in only.messages] == ["system", "customer", "agent"]
    assert [t.source_id for t in parse_file(path).transcripts] == [only.source_id]
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps([messages]), encoding="utf-8")
    assert [t.source_id for t in parse_file(wrapped).transcripts] == [only.source_id]
    unknown = tmp_path / "ticketed.json"
    unknown.write_text(json.dumps([{**m, "ticket": "t1"} for m in messages]), encoding="utf-8")
    with pytest.raises(TranscriptError, match="--id-field"):
        parse_file(unknown)


def test_messages_that_carry_their_own_ids_are_one_conversation_not_one_each(
    tmp_path: Path,
) -> None:
    """A chat saved as its messages, each with its own ``id`` (``msg_…``), was read as one
    conversation a message, silently; ids that repeat still group messages as conversations."""
    messages = [
        {"id": "msg_1", "role": "user", "content": "Where is my parcel?"},
        {"id": "msg_2", "role": "assistant", "content": "It ships today."},
        {"id": "msg_3", "role": "user", "content": "Thanks"},
    ]
    path = tmp_path / "thread.json"
    path.write_text(json.dumps(messages), encoding="utf-8")
    (only,) = parse_file(path).transcripts
    assert [m.text for m in only.messages] == [m["content"] for m in messages]
    grouped = tmp_path / "grouped.json"
    grouped.write_text(
        json.dumps([{**m, "id": "c1" if i < 2 else "c2"} for i, m in enumerate(messages)])
    )
    assert [len(t.messages) for t in parse_file(grouped).transcripts] == [2, 1]
