"""The report's directory: ``report.md``, ``report.html``, ``report.json``, ``report.xml``
(JUnit) and the linked transcripts (``transcripts/<id>.md``), written from what ``render`` and
``junit`` format."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiconv.simulation.render import render_html
from aiconv.simulation.report_markdown import render_markdown


def write_files(out: Path, files: Mapping[str, str], transcripts: Mapping[str, str]) -> list[Path]:
    """Write ``files`` and ``transcripts/<id>.md`` into ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "transcripts").mkdir(exist_ok=True)
    written = []
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    for conversation_id, text in transcripts.items():
        path = out / "transcripts" / f"{conversation_id}.md"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def write_report(
    doc: Mapping[str, Any], transcripts: Mapping[str, str], out: Path, junit: str | None = None
) -> list[Path]:
    """Write the reports (and ``report.xml``, the JUnit form, when given) and the transcripts
    into ``out``; the files written."""
    files = {
        "report.md": render_markdown(doc),
        "report.html": render_html(doc),
        "report.json": json.dumps(doc, indent=2) + "\n",
    }
    if junit is not None:
        files["report.xml"] = junit
    return write_files(out, files, transcripts)
