"""What a flow participant collected, on its conversation page and in the JSON API (escaped)."""

from __future__ import annotations

import httpx

from aiconv.agents.messages import ChatReply, Record
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import StopConfig
from aiconv.queues.sqlite import SqliteLog
from aiconv.testing.providers import ScriptedProvider
from tests.web.conftest import pair

HOSTILE = "<script>window.__pwned=1</script>"
READ = Record(
    kind="FieldsExtracted",
    data={
        "stage": "BASICS",
        "by": "extractor",
        "extractions": [
            {"name": "goals", "value": [HOSTILE], "confidence": 0.8, "accepted": True},
            {
                "name": "tone",
                "value": "formal",
                "confidence": 0.5,
                "note": "confidence 0.50 below 0.60",
            },
        ],
    },
)
ENTERED = Record(
    kind="StageEntered", data={"stage": "BASICS", "flow": "designer-flow", "reason": "start"}
)


async def test_the_page_shows_the_collected_data_and_the_readings(
    client: httpx.AsyncClient, log: SqliteLog
) -> None:
    conductor = Conductor(log)
    state = await session.create(
        conductor, topic="Design", participants=pair("user", "flow"), stop=StopConfig(max_turns=2)
    )
    flow = ScriptedProvider(
        [ChatReply(content="What tone?", model="flow", records=(ENTERED, READ))]
    )
    seats = {"user": ScriptedProvider(["Hi"]), "flow": flow}
    final = await session.play_all(conductor, state.conversation_id, seats)
    html = (await client.get(f"/conversations/{final.conversation_id}?events=1")).text
    assert '<section class="collected" id="collected-flow">' in html
    assert "(designer-flow, at stage BASICS)" in html
    assert "<script>window" not in html
    assert "flow entered stage BASICS (start)" in html
    assert "tone=&#34;formal&#34; 0.50 rejected: confidence 0.50 below 0.60" in html
    document = (await client.get(f"/api/conversations/{final.conversation_id}")).json()
    assert document["flows"][0]["values"] == {"goals": [HOSTILE]}
