"""``FakeLLM``: a wire-compatible fake of the Anthropic, OpenAI and Gemini chat APIs.

A starlette app served by uvicorn on ``127.0.0.1`` and a free port. In tests::

    async with FakeLLM() as server:
        provider = AnthropicProvider(api_key="k", base_url=server.base_url)
        server.faults.push(Fault(status=429, retry_after="2"))
        ...
        assert server.requests[-1].body["model"] == "claude-sonnet-5-5"

A request without an API key is refused as the vendor refuses it (``auth``: 401, Gemini 403);
any non-blank key is accepted, or only ``api_keys`` when given. Requests are validated as
strictly as the vendors document (``Rejected`` -> their 400 body).
Replies are varied, topic-aware text (``aiconv.agents.chatter``), cut at the request's output
limit (stop reason ``max_tokens`` / ``length`` / ``MAX_TOKENS``); after ``end_after`` assistant
turns in the history a reply ends with the end token named in the system prompt (``<END>`` by
default) so conversations finish. Given tools, the server behaves like a tool-using model
(``aiconv.agents.tool_policy``, as ``mock:tools=auto``): it calls the related tools, several at
once, and answers from their results. Asked for structured output (Anthropic's forced tool,
OpenAI's ``response_format``, Gemini's JSON mime type and schema) it answers one JSON object
sampled from the schema. A test scripts a reply's text with ``Fault(text=…)`` (for a structured
request: valid JSON, JSON wrapped in Markdown, broken JSON). Every response carries a request
id header.

Faults (status + ``retry-after``, delays, malformed bodies, dropped connections) are queued
in-process or through ``POST /_fake/faults`` from another process; ``GET /_fake/requests``
lists what was received.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from aiconv.testing.fake_llm import (
    answers,
    anthropic_wire,
    auth,
    gemini_wire,
    openai_wire,
    usage,
)
from aiconv.testing.fake_llm.faults import Fault, Faults
from aiconv.testing.fake_llm.transport import (
    DroppedResponse,
    InProcessServer,
    aiter_events,
    bind,
)
from aiconv.testing.fake_llm.wire import Answer, Api, Rejected, Turn


@dataclass(frozen=True, slots=True, kw_only=True)
class Received:
    """A request the server received."""

    api: Api
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    turn: Turn = field(repr=False)


class FakeLLM:
    """The fake server; an async context manager that serves while the block runs."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        end_after: int = 3,
        log_level: str = "critical",
        api_keys: Collection[str] | None = None,
    ) -> None:
        self.host = host
        #: The keys accepted (None: any non-blank key); another is refused as the vendor does.
        self.api_keys = frozenset(api_keys) if api_keys is not None else None
        self.port = port
        self.end_after = end_after
        self.log_level = log_level
        self.faults = Faults()
        self.prompt_cache = usage.PromptCache()
        self.requests: list[Received] = []
        self.app = self._build_app()
        self._closing = asyncio.Event()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port``: the Anthropic and Gemini base URL (OpenAI's is ``+ /v1``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """The base URL for OpenAI and compatible clients."""
        return f"{self.base_url}/v1"

    async def __aenter__(self) -> FakeLLM:
        sock = bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        self._closing.clear()
        self._server = InProcessServer(self.config())
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        async with asyncio.timeout(10):
            while not self._server.started:
                if self._task.done():
                    await self._task  # surfaces the start-up error
                await asyncio.sleep(0.01)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing.set()  # delayed handlers finish at once
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            async with asyncio.timeout(10):
                await self._task

    def config(self, **extra: Any) -> uvicorn.Config:
        """The uvicorn configuration of this server."""
        return uvicorn.Config(
            self.app, log_level=self.log_level, lifespan="off", access_log=False, **extra
        )

    def reply_text(self, turn: Turn) -> str:
        """Plausible, varied text; closes with the end token after ``end_after`` own turns.
        A subclass may script replies by overriding this."""
        return answers.chatter_text(turn, end_after=self.end_after)

    def structured_text(self, turn: Turn) -> str:
        """The JSON text of a structured reply: an object sampled from the requested schema.
        A subclass may script structured replies by overriding this (or queue
        ``Fault(text=…)`` for one request)."""
        fmt = turn.chat.response_format
        return answers.sample_json(fmt.schema if fmt is not None else {"type": "object"})

    def answer(self, turn: Turn, scripted: str | None = None) -> Answer:
        """A structured reply when one is asked for; else tool calls when tools are offered and
        none was made this turn, else text (after results, reporting them). ``scripted`` is
        the reply's text instead. Text is cut at the output limit; usage with cache and
        reasoning."""
        fmt = turn.chat.response_format
        if fmt is not None:
            text = scripted if scripted is not None else self.structured_text(turn)
            shaped = answers.structured(turn, fmt.name, text)
        else:
            shaped = answers.chat(turn, scripted, self.reply_text)
        read, written = self.prompt_cache.serve(turn)
        return replace(
            shaped,
            input_tokens=usage.input_tokens(turn.chat),
            cached_tokens=read,
            written_tokens=written,
        )

    def _build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/messages", self._anthropic, methods=["POST"]),
                Route("/v1/chat/completions", self._openai, methods=["POST"]),
                Route("/chat/completions", self._openai, methods=["POST"]),
                Route("/{version:str}/models/{target:str}", self._gemini, methods=["POST"]),
                Route("/_fake/faults", self._control_faults, methods=["POST", "DELETE"]),
                Route("/_fake/requests", self._control_requests, methods=["GET", "DELETE"]),
            ]
        )

    async def _anthropic(self, request: Request) -> Response:
        return await self._serve(request, "anthropic", anthropic_wire.parse)

    async def _openai(self, request: Request) -> Response:
        return await self._serve(request, "openai", openai_wire.parse)

    async def _gemini(self, request: Request) -> Response:
        model, _, method = request.path_params["target"].partition(":")
        stream = method == "streamGenerateContent"
        return await self._serve(
            request, "gemini", lambda body: gemini_wire.parse(body, model, stream=stream)
        )

    async def _serve(
        self, request: Request, api: Api, parse: Callable[[dict[str, Any]], Turn]
    ) -> Response:
        request_id = f"req_{uuid.uuid4().hex[:24]}"
        headers = {k.lower(): v for k, v in request.headers.items()}
        refused = auth.refusal(api, headers, request.query_params, request_id, self.api_keys)
        if refused is not None:
            return JSONResponse(
                refused.body,
                status_code=refused.status,
                headers={_REQUEST_ID_HEADER[api]: request_id},
            )
        try:
            body = json.loads(await request.body())
            if not isinstance(body, dict):
                raise Rejected("the request body must be a JSON object")
            turn = parse(body)
        except Rejected as exc:
            return _error(api, exc.status, str(exc), None, request_id)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            message = f"fake server cannot read the request: {exc}"
            return _error(api, 400, message, None, request_id)
        self.requests.append(
            Received(api=api, path=request.url.path, headers=headers, body=body, turn=turn)
        )
        fault = self.faults.take(api) or Fault()
        faulty = await self._fault(api, turn, fault, request_id)
        if faulty is not None:
            return faulty
        response = self._answer(turn, body, fault)
        response.headers[_REQUEST_ID_HEADER[api]] = request_id
        return response

    async def _fault(self, api: Api, turn: Turn, fault: Fault, request_id: str) -> Response | None:
        if fault.delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), fault.delay)
        if fault.status is not None:
            return _error(api, fault.status, fault.message, fault.retry_after, request_id)
        if fault.malformed or fault.body is not None:
            media = "text/event-stream" if turn.stream else "application/json"
            body = '{"id": "broken", "choices": [' if fault.body is None else fault.body
            return Response(body, media_type=fault.content_type or media)
        if fault.drop:
            return DroppedResponse(stream=turn.stream)
        return None

    def _answer(self, turn: Turn, body: dict[str, Any], fault: Fault) -> Response:
        answer = self.answer(turn, fault.text)
        if fault.arguments is not None:
            answer = replace(answer, raw_arguments=fault.arguments)
        if not turn.stream:
            if turn.api == "anthropic":
                return JSONResponse(anthropic_wire.reply(turn, answer))
            if turn.api == "openai":
                return JSONResponse(openai_wire.reply(turn, answer))
            return JSONResponse(gemini_wire.reply(turn, answer))
        if turn.api == "anthropic":
            events: Iterable[str] = anthropic_wire.events(turn, answer)
        elif turn.api == "openai":
            usage = bool((body.get("stream_options") or {}).get("include_usage"))
            events = openai_wire.chunks(turn, answer, include_usage=usage)
        else:
            events = gemini_wire.chunks(turn, answer)
        if fault.cut_stream is not None:
            events = list(events)[: fault.cut_stream]
        return StreamingResponse(aiter_events(events), media_type="text/event-stream")

    async def _control_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
            return JSONResponse({"queued": 0})
        data = json.loads(await request.body())
        items = data if isinstance(data, list) else data.get("faults", [data])
        try:
            self.faults.push(*(Fault.from_json(item) for item in items))
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"queued": len(self.faults)})

    async def _control_requests(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.requests.clear()
        return JSONResponse([{"api": r.api, "path": r.path, "body": r.body} for r in self.requests])


#: Where each vendor puts the request id.
_REQUEST_ID_HEADER: dict[Api, str] = {
    "anthropic": "request-id",
    "openai": "x-request-id",
    "gemini": "x-request-id",
}


def _error(
    api: Api, status: int, message: str, retry_after: str | float | None, request_id: str
) -> Response:
    bodies = {"anthropic": anthropic_wire.error, "openai": openai_wire.error}
    body = bodies.get(api, gemini_wire.error)(status, message, request_id)
    headers = {_REQUEST_ID_HEADER[api]: request_id}
    if retry_after is not None:
        headers["retry-after"] = str(retry_after)
    return JSONResponse(body, status_code=status, headers=headers)
