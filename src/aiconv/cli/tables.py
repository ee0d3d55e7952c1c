"""Tables that fit the terminal without cutting what a user must copy.

Identifier columns (conversation ids, model names) are never wrapped or shortened; other
columns wrap between words and are never narrower than their longest word. When that does not
fit the width, the least important columns are left out (``--json`` has them all); when even
the identifiers do not fit side by side, each row is printed as ``field: value`` lines (the
other fields' values wrapped between words). Cells
are shown as plain text with terminal control and escape sequences removed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from aiconv.validation import HIDDEN_FORMAT_CLASS

_CONTROL = re.compile(
    rf"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f{HIDDEN_FORMAT_CLASS}]"
)


def clean(text: str) -> str:
    """``text`` with terminal control and escape sequences, bidirectional overrides and
    invisible format characters removed (newlines and tabs kept)."""
    return _CONTROL.sub("", text)


def one_line(text: str) -> str:
    """``clean(text)`` on one line (a table cell, a name in a heading)."""
    return " ".join(clean(text).split())


@dataclass(frozen=True, slots=True)
class Field:
    """A column: its header, whether it holds an identifier (never cut), and its rank (the
    highest ranks are left out first on a narrow terminal)."""

    header: str
    identifier: bool = False
    rank: int = 0
    #: False keeps a short value on one line (a timestamp); it may still be left out.
    wrap: bool = True


def print_table(
    console: Console,
    fields: Sequence[Field],
    rows: Sequence[Sequence[str]],
    *,
    whole_when_piped: bool = False,
) -> None:
    """Print ``rows`` under ``fields``, fitted to ``console.width``.

    ``whole_when_piped``: when the output is not a terminal (a pipe, a file, a test) and a
    column would be left out, each row is printed as ``field: value`` lines instead, so a
    reader of the output still gets every column (``aic ls``, ``aic providers``)."""
    cells = [[one_line(cell) for cell in row] for row in rows]
    fitted = layout(fields, cells, console.width)
    dropped = fitted is not None and len(fitted[0]) < len(fields)
    if fitted is None or (whole_when_piped and dropped and not console.is_terminal):
        _print_records(console, fields, cells)
        return
    kept, widths = fitted
    columns = [
        Column(
            fields[i].header,
            width=w,
            no_wrap=fields[i].identifier or not fields[i].wrap,
            overflow="fold",
        )
        for i, w in zip(kept, widths, strict=True)
    ]
    table = Table(*columns, header_style="bold")
    for row in cells:
        table.add_row(*(Text(row[i]) for i in kept))
    console.print(table)


#: What a bordered table adds per column (a cell of padding on each side and a border) and
#: once (the closing border).
PER_COLUMN = 3
EDGE = 1


def layout(
    fields: Sequence[Field], rows: Sequence[Sequence[str]], total: int
) -> tuple[list[int], list[int]] | None:
    """The columns to show (by index) and their widths, leaving out the highest-ranked
    ordinary columns until the rest fit ``total`` cells; None when the identifiers alone do
    not fit."""
    kept = list(range(len(fields)))
    while True:
        widths = fit_widths([fields[i] for i in kept], [[r[i] for i in kept] for r in rows], total)
        if widths is not None:
            return kept, widths
        droppable = [i for i in kept if not fields[i].identifier]
        if not droppable:
            return None
        kept.remove(max(droppable, key=lambda i: (fields[i].rank, i)))


def fit_widths(
    fields: Sequence[Field], rows: Sequence[Sequence[str]], total: int
) -> list[int] | None:
    """Column widths that fit ``total`` cells, or None when the identifiers and the longest
    words do not fit side by side."""
    natural = [
        max([cell_len(f.header), *(cell_len(row[i]) for row in rows)]) for i, f in enumerate(fields)
    ]
    room = total - PER_COLUMN * len(fields) - EDGE
    if sum(natural) <= room:
        return natural
    least = [
        _longest_word(f, [row[i] for row in rows]) if f.wrap and not f.identifier else natural[i]
        for i, f in enumerate(fields)
    ]
    spare = room - sum(least)
    if spare < 0:
        return None
    wanted = [n - m for n, m in zip(natural, least, strict=True)]
    share = sum(wanted)
    widths = [m + (w * spare) // share for m, w in zip(least, wanted, strict=True)]
    return widths


def _longest_word(field: Field, cells: Sequence[str]) -> int:
    words = [w for cell in cells for w in cell.split()] + field.header.split()
    return max(cell_len(w) for w in words)


def _print_records(
    console: Console, fields: Sequence[Field], rows: Sequence[Sequence[str]]
) -> None:
    for index, row in enumerate(rows):
        if index:
            console.print()
        for field, cell in zip(fields, row, strict=True):
            line = Text(f"{field.header}: ", style="bold")
            line.append(cell)
            if field.identifier:  # never broken, even past the edge: it is copied whole
                console.print(line, overflow="ignore", crop=False, soft_wrap=True)
            else:
                console.print(line)


def print_named(
    console: Console,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    ranks: Sequence[int] = (),
) -> None:
    """A titled table whose first column names its rows (an agent, a criterion, a metric, a
    trial): that name is an identifier, never cut; the other columns wrap, and on a narrow
    terminal the highest ``ranks`` (one per other column, 1 by default) are left out first."""
    first, *others = headers
    ranked = list(ranks) + [1] * (len(others) - len(ranks))
    fields = [Field(first, identifier=True)] + [
        Field(h, rank=r) for h, r in zip(others, ranked, strict=True)
    ]
    console.print(Text(title, style="italic"), justify="center")
    print_table(console, fields, rows)
