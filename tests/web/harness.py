"""Test harness for the web view: a real uvicorn server on a free port in the test's event loop,
an SSE frame reader, and conversations whose replies the test releases one at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from aiconv.agents.messages import ChatRequest
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import StopConfig
from aiconv.queues.log import ConversationLog
from aiconv.testing.providers import FunctionProvider
from tests.web.conftest import pair


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 and a free port; yields the base URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before it started")
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        async with asyncio.timeout(10):
            await task


async def sse_frames(response: httpx.Response) -> AsyncIterator[dict[str, str]]:
    """The frames of an event stream (comments and the ``retry`` preamble left out)."""
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if not line:
            if "event" in fields:
                yield fields
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


class GatedConversation:
    """A conversation of alice and bob whose every reply waits until the test ``release``s it."""

    def __init__(self, log: ConversationLog, *, max_turns: int) -> None:
        self.conductor = Conductor(log)
        self.max_turns = max_turns
        self.gates: dict[str, asyncio.Queue[str]] = {
            "alice": asyncio.Queue(),
            "bob": asyncio.Queue(),
        }
        self.conversation_id = ""
        self.task: asyncio.Task[ConversationState] | None = None

    async def start(self, topic: str = "Gated talk") -> str:
        """Create the conversation and start both participants; returns its id."""
        state = await session.create(
            self.conductor,
            topic=topic,
            participants=pair(),
            stop=StopConfig(max_turns=self.max_turns),
        )
        self.conversation_id = state.conversation_id
        seats = {name: FunctionProvider(self._reply(name), model="gated-1") for name in self.gates}
        self.task = asyncio.create_task(
            session.play_all(self.conductor, state.conversation_id, seats)
        )
        return self.conversation_id

    def _reply(self, name: str) -> Any:
        async def reply(request: ChatRequest) -> str:
            return await self.gates[name].get()

        return reply

    def release(self, name: str, text: str) -> None:
        """Let ``name`` answer ``text`` on its next turn."""
        self.gates[name].put_nowait(text)

    async def finished(self) -> ConversationState:
        """The final state, once the conversation has ended."""
        assert self.task is not None
        async with asyncio.timeout(10):
            return await self.task

    async def close(self) -> None:
        """Stop a conversation that is still running."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
