"""A whole conversation in one cell (``Customer: …\\nAgent: …``, as many support data sets write
it) is split into its turns only when every line starts with a known speaker label."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from aiconv.errors import TranscriptError
from aiconv.learning.parse import parse_file
from aiconv.learning.transcripts import FieldMapping
from aiconv.testing.processes import cli_env, run_aic

DATASET = [
    {
        "conversation_id": "1001",
        "customer_name": "Jane",
        "conversation": "Customer: Hi, my internet has been down since 9:30 this morning.\n"
        "Agent: Sorry to hear that. Could you restart the router?\n"
        "\n"
        "Customer: Done, still nothing.\n"
        "Agent: I've reset the line from our side: give it 5 minutes.",
        "sentiment": "negative",
    },
    {
        "conversation_id": "1002",
        "customer_name": "Bob",
        "conversation": "Customer: How do I change my plan?\n"
        "Agent: Go to Account > Plans, then pick one\n"
        "and confirm.",  # a turn over two lines: the cell is not split
        "sentiment": "neutral",
    },
    {
        "conversation_id": "1003",
        "customer_name": "Ann",
        "conversation": "user: can I pay by invoice?\r\nassistant: Yes, for annual plans.",
        "sentiment": "positive",
    },
]


def _csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(DATASET[0]))
        writer.writeheader()
        writer.writerows(DATASET)
    return path


def test_a_conversation_in_a_cell_is_split_into_its_turns(tmp_path: Path) -> None:
    """Such a file was refused: 'cannot find the field for sender, text'. A cell with a line
    that has no label is a malformed row at its line; the others are read."""
    path = _csv(tmp_path / "support.csv")
    parsed = parse_file(path)
    assert [(t.source_id, [(m.role, m.text) for m in t.messages]) for t in parsed.transcripts] == [
        (
            "1001",
            [
                ("customer", "Hi, my internet has been down since 9:30 this morning."),
                ("agent", "Sorry to hear that. Could you restart the router?"),
                ("customer", "Done, still nothing."),
                ("agent", "I've reset the line from our side: give it 5 minutes."),
            ],
        ),
        (
            "1003",
            [("customer", "can I pay by invoice?"), ("agent", "Yes, for annual plans.")],
        ),
    ]
    [problem] = parsed.problems
    assert problem.line == 7  # the header, then 1001 over five lines
    assert problem.message == (
        "field 'conversation': a line does not start with a known speaker label: 'and confirm.'"
    )


def test_speaker_labels_of_a_data_set_are_mapped_like_sender_values(tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    text = "Caller: My card was declined.\nCustomer Service: Let me check that for you."
    path.write_text(json.dumps({"id": "call-7", "transcript": text}) + "\n", "utf-8")
    mapping = FieldMapping(customer=("Caller",), agent=("Customer Service",))
    [chat] = parse_file(path, mapping).transcripts
    assert [(m.role, m.sender) for m in chat.messages] == [
        ("customer", "Caller"),
        ("agent", "Customer Service"),
    ]


def test_text_that_is_not_labelled_turns_is_never_cut_into_them(tmp_path: Path) -> None:
    """A first row whose cell is not a labelled conversation leaves the file read as rows: the
    error is the one it always was."""
    path = tmp_path / "notes.csv"
    path.write_text(
        'id,conversation\n1,"Re: your order\nThe parcel left today: expect it Friday."\n',
        "utf-8",
    )
    with pytest.raises(TranscriptError, match="cannot find the field for sender"):
        parse_file(path)


def test_a_cell_named_with_messages_field_says_why_it_is_not_a_conversation(
    tmp_path: Path,
) -> None:
    path = tmp_path / "chats.csv"
    path.write_text('id,Chat Log\n1,"Customer: hi\nRe: order 5"\n2,"Agent: hello"\n', "utf-8")
    parsed = parse_file(path, FieldMapping(messages="Chat Log"))
    assert [(p.line, p.message) for p in parsed.problems] == [
        (2, "field 'Chat Log': a line does not start with a known speaker label: 'Re: order 5'")
    ]
    assert [t.source_id for t in parsed.transcripts] == ["2"]


def test_importing_conversations_in_cells_twice_writes_them_once(tmp_path: Path) -> None:
    """Without ids, each conversation's id comes from its turns: the same on every read."""
    path = tmp_path / "support.csv"
    rows = [{k: v for k, v in row.items() if k != "conversation_id"} for row in DATASET]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    env, db = cli_env(home=tmp_path / "home"), str(tmp_path / "runs.db")
    first = run_aic("import", str(path), "--db", db, "--json", env=env)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert (report["rows"], len(report["malformed"]), report["imported"]) == (6, 1, 2)
    again = json.loads(run_aic("import", str(path), "--db", db, "--json", env=env).stdout)
    assert (again["imported"], again["unchanged"]) == (0, 2)
