"""The fake LLM as ``python -m aiconv.testing.fake_llm``: real SDK calls and the control API."""

from __future__ import annotations

import httpx
import pytest

from aiconv.agents.providers.anthropic import AnthropicProvider
from aiconv.agents.providers.openai import OpenAIProvider
from aiconv.errors import RateLimited
from aiconv.testing.fake_llm import Fault, fault_json
from tests.agents.conftest import FAKE_KEY, chat_request
from tests.agents.fake_server_process import fake_llm_process

pytestmark = pytest.mark.slow


async def test_subprocess_server_answers_sdks_and_takes_faults_over_http() -> None:
    with fake_llm_process() as url:
        openai = OpenAIProvider(api_key=FAKE_KEY, base_url=f"{url}/v1")
        anthropic = AnthropicProvider(api_key=FAKE_KEY, base_url=url)
        try:
            reply = await openai.complete(chat_request("gpt-6.2-sol"))
            assert reply.content
            async with httpx.AsyncClient(base_url=url, timeout=10) as control:
                queued = await control.post(
                    "/_fake/faults", json=[fault_json(Fault(status=429, retry_after=3))]
                )
                assert queued.json() == {"queued": 1}
                with pytest.raises(RateLimited) as caught:
                    await anthropic.complete(chat_request("claude-sonnet-5-5"))
                assert caught.value.retry_after == 3.0
                seen = (await control.get("/_fake/requests")).json()
                bad = await control.post("/_fake/faults", json=[{"stauts": 500}])
            assert [r["api"] for r in seen] == ["openai", "anthropic"]
            assert bad.status_code == 400
        finally:
            await openai.aclose()
            await anthropic.aclose()
