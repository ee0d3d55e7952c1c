"""Times as spreadsheets write them (``03/12/2025 4:05 PM``) are read with the format the user
names, never guessed: 3 December and 12 March are both in that text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from aiconv.errors import TranscriptError
from aiconv.learning.parse import parse_file
from aiconv.learning.transcripts import FieldMapping, load_mapping

#: A helpdesk report saved from a US spreadsheet: month first, 12-hour clock.
SHEET = (
    "Ticket ID,Sender,Message,Sent At\n"
    "T-1,customer,My order is late,03/12/2025 11:58 PM\n"
    "T-1,agent,It ships tomorrow,03/13/2025 12:04 AM\n"
)


def _utc(year: int, month: int, day: int, hour: int, minute: int) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()


def test_spreadsheet_times_need_their_format_and_are_never_guessed(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_text(SHEET, "utf-8")
    unread = parse_file(path)
    assert unread.transcripts == ()
    assert unread.problems[0].message == (
        "timestamp '03/12/2025 11:58 PM' is neither ISO 8601 nor a Unix time; name its format "
        "with --time-format (e.g. '%m/%d/%Y %I:%M %p')"
    )
    [chat] = parse_file(path, FieldMapping(time_format="%m/%d/%Y %I:%M %p")).transcripts
    assert [m.at for m in chat.messages] == [_utc(2025, 3, 12, 23, 58), _utc(2025, 3, 13, 0, 4)]
    swapped = parse_file(path, FieldMapping(time_format="%d/%m/%Y %I:%M %p"))
    assert [p.line for p in swapped.problems] == [3]  # day 13 of month 3 is no day 3 of month 13
    assert swapped.problems[0].message == (
        "timestamp '03/13/2025 12:04 AM' does not match --time-format '%d/%m/%Y %I:%M %p'"
    )


def test_the_time_format_may_come_from_the_mapping_file(tmp_path: Path) -> None:
    path, mapping = tmp_path / "report.csv", tmp_path / "m.toml"
    path.write_text(SHEET.replace("03/12/2025", "12.03.2025").replace("03/13/2025", "13.03.2025"))
    mapping.write_text('time_format = "%d.%m.%Y %I:%M %p"\n', "utf-8")
    [chat] = parse_file(path, load_mapping(mapping)).transcripts
    assert chat.messages[0].at == _utc(2025, 3, 12, 23, 58)


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("%H:%M", "does not name a whole date"),
        ("%m/%d/%Y %I:%M", "%I needs %p"),
        ("%Q", "bad directive"),
    ],
)
def test_a_time_format_that_cannot_read_a_whole_time_is_refused(
    tmp_path: Path, fmt: str, message: str
) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(f'time_format = "{fmt}"\n', "utf-8")
    with pytest.raises(
        TranscriptError, match=re.escape(f"mapping file {mapping}: time format")
    ) as caught:
        load_mapping(mapping)
    assert message in str(caught.value)
    with pytest.raises(TranscriptError, match=re.escape(message)):
        FieldMapping(time_format=fmt)


@pytest.mark.parametrize("fmt", ["%Y-%m-%d %H:%M %z", "%Y-%m-%dT%H:%M:%S%z", "%d/%m/%Y %H:%M %Z"])
def test_a_time_format_naming_a_zone_is_accepted_and_reads_it(tmp_path: Path, fmt: str) -> None:
    """``%z`` reads the zone a time gives (as the README says) and ``%Z`` a UTC/GMT name: such
    formats were refused at once, their check writing the sample time without a zone."""
    path = tmp_path / "report.csv"
    at = datetime(2025, 3, 12, 23, 58, tzinfo=UTC)
    shown = at.astimezone(timezone(timedelta(hours=1))) if "%z" in fmt else at
    path.write_text(f"Ticket ID,Sender,Message,Sent At\nT-1,customer,Late,{shown:{fmt}}\n")
    [chat] = parse_file(path, FieldMapping(time_format=fmt)).transcripts
    assert chat.messages[0].at == at.timestamp()
