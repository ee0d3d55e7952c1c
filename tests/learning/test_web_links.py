"""The web view links a parent and its forks both ways, marks imported conversations and shows
their messages at their original times."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from aiconv.learning.fork import fork
from aiconv.learning.importer import ImportReport, prepare, write
from aiconv.learning.parse import parse_file
from aiconv.platform.conductor import Conductor
from aiconv.queues.log import ConversationLog
from aiconv.web import create_app


async def test_parent_and_forks_link_each_other(log: ConversationLog, tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    rows = [
        {
            "conversation_id": "x",
            "role": "user",
            "text": "my card is gone",
            "timestamp": "2024-02-03T04:05:06Z",
        },
        {
            "conversation_id": "x",
            "role": "assistant",
            "text": "blocked it",
            "timestamp": "2024-02-03T04:06:00Z",
        },
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    prepared, _ = prepare(parse_file(path), source="s", file="c.jsonl", fmt="jsonl", redactor=None)
    report = await write(log, prepared, ImportReport())
    parent = report.ids["x"]
    conductor = Conductor(log)
    first = await fork(conductor, parent, at=2)
    second = await fork(conductor, parent, at=3)
    transport = httpx.ASGITransport(app=create_app(log))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        page = (await client.get(f"/conversations/{parent}")).text
        child = (await client.get(f"/conversations/{first.conversation_id}")).text
    forks = re.search(r'<dd id="forks">(.*?)</dd>', page, re.S)
    assert forks is not None
    assert f'href="/conversations/{first.conversation_id}"' in forks.group(1)
    assert f'href="/conversations/{second.conversation_id}"' in forks.group(1)
    assert 'id="imported">from c.jsonl (x)' in page
    assert '<time datetime="2024-02-03T04:05:06.000Z">' in page
    assert f'<a href="/conversations/{parent}">{parent}</a> after event #2' in child
    assert 'id="imported"' not in child  # a fork is not itself imported
    assert '<time datetime="2024-02-03T04:05:06.000Z">' in child  # copies keep their times
