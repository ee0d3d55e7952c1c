"""A small external support agent over HTTP, served by uvicorn on a free local port, for tests
of the HTTP channel: a webhook, an OpenAI-compatible endpoint, and misbehaving routes.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


class AgentServer:
    """Records every request body; ``release`` frees the slow route."""

    def __init__(self, signature: str = "Support here") -> None:
        self.signature = signature
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.release = asyncio.Event()
        self.port = 0
        self.app = Starlette(
            routes=[
                Route("/webhook", self.webhook, methods=["POST"]),
                Route("/v1/chat/completions", self.openai, methods=["POST"]),
                Route("/tools", self.tools, methods=["POST"]),
                Route("/banker", self.banker, methods=["POST"]),
                Route("/slow", self.slow, methods=["POST"]),
                Route("/status/{code:int}", self.status, methods=["POST"]),
                Route("/status/{code:int}/chat/completions", self.status, methods=["POST"]),
                Route("/garbage", self.garbage, methods=["POST"]),
                Route("/wrong", self.wrong, methods=["POST"]),
            ]
        )

    def url(self, path: str) -> str:
        """The URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    async def webhook(self, request: Request) -> Response:
        body = await request.json()
        self.bodies.append(body)
        last = body["messages"][-1]["content"] if body["messages"] else ""
        if "bye" in last.lower():
            return JSONResponse({"content": "Goodbye, glad I could help.", "end": True})
        text = f"{self.signature} (turn {body['turn']}): I have refunded your order."
        usage = {"input_tokens": 11, "output_tokens": 7}
        return JSONResponse({"content": text, "usage": usage, "cost_usd": 0.001})

    async def tools(self, request: Request) -> Response:
        """Calls its first tool (once with a non-object argument list), then reports."""
        body = await request.json()
        self.bodies.append(body)
        last = body["messages"][-1]
        if last["role"] == "tool":
            return JSONResponse({"content": f"Done: {last['tool_results'][0]['content']}"})
        name = body["tools"][0]["name"]
        calls = [
            {"id": "w1", "name": name, "arguments": {"account_id": "A-1"}},
            {"name": name, "arguments": [1, 2]},
        ]
        return JSONResponse({"tool_calls": calls})

    async def banker(self, request: Request) -> Response:
        """Verifies the caller with its own ``verify_identity`` tool each turn, whether or not
        the scenario gave it tools, then answers from the result (naming the turn, so no two
        answers are alike)."""
        body = await request.json()
        self.bodies.append(body)
        last = body["messages"][-1]
        if last["role"] == "tool":
            result = last["tool_results"][0]
            state = "could not check" if result["is_error"] else "checked"
            return JSONResponse({"content": f"Turn {body['turn']}: I {state}: {result['content']}"})
        arguments = {"customer_id": "cust-1001", "date_of_birth": "1984-03-12"}
        call = {"id": f"v{body['turn']}", "name": "verify_identity", "arguments": arguments}
        return JSONResponse(
            {"tool_calls": [call], "usage": {"input_tokens": 9, "output_tokens": 4}}
        )

    async def openai(self, request: Request) -> Response:
        body = await request.json()
        self.bodies.append(body)
        self.headers.append(dict(request.headers))
        return JSONResponse(
            {
                "model": "house-agent-1",
                "choices": [
                    {"message": {"role": "assistant", "content": "Hello from OpenAI mode"}}
                ],
                "usage": {"prompt_tokens": 20, "completion_tokens": 5},
            }
        )

    async def slow(self, request: Request) -> Response:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.release.wait(), 5.0)
        return JSONResponse({"content": "late"})

    async def status(self, request: Request) -> Response:
        """Any status; ``retry-after`` is 3 seconds, or the ``retry_after`` query value."""
        code = request.path_params["code"]
        hint = request.query_params.get("retry_after", "3")
        return PlainTextResponse("nope", status_code=code, headers={"retry-after": hint})

    async def garbage(self, request: Request) -> Response:
        return PlainTextResponse("this is not json")

    async def wrong(self, request: Request) -> Response:
        return JSONResponse({"content": 42})


@contextlib.asynccontextmanager
async def serve_agent(signature: str = "Support here") -> AsyncIterator[AgentServer]:
    """Serve an ``AgentServer`` (its webhook's replies opening with ``signature``) while the
    block runs."""
    agent = AgentServer(signature)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    agent.port = sock.getsockname()[1]
    config = uvicorn.Config(agent.app, log_level="critical", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    await task
                await asyncio.sleep(0.01)
        yield agent
    finally:
        agent.release.set()
        server.should_exit = True
        async with asyncio.timeout(10):
            await task
        sock.close()
