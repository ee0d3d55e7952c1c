"""MCP servers as tools, through the official ``mcp`` SDK: ``mcp:stdio:COMMAND ARGS…`` starts a
server process and talks over its stdin/stdout; ``mcp:http://host:port/mcp`` speaks streamable
HTTP. The server is started (or connected) when the tool box opens and stopped when it closes,
with the conversation's process.

The SDK's client lives inside an anyio task group that must be entered and left by one task:
a background task owns it for the box's lifetime, while calls are made from the conversation's
tasks. A tool's ``idempotentHint`` annotation makes it idempotent; every call carries its
idempotency key in ``_meta`` as ``aiconv/idempotency_key`` so a server can deduplicate.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shlex
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TextIO, cast
from urllib.parse import urlsplit

import mcp
import pydantic
from mcp.client.sse import sse_client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError
from mcp.types import CONNECTION_CLOSED, RequestParamsMeta

from aiconv.agents.messages import ToolSpec
from aiconv.agents.toolbox import ToolBox, ToolCallContext, ToolOutcomeUnknown, ToolOutput
from aiconv.agents.vendors import REMOTE_VENDORS
from aiconv.errors import ConfigError
from aiconv.observability.redaction import has_credentials, redact_url, scrub
from aiconv.settings import inherited_environment
from aiconv.validation import visible_controls

#: Seconds a server may take to start and list its tools.
OPEN_TIMEOUT_S = 20.0
#: The ``_meta`` key carrying a call's idempotency key.
IDEMPOTENCY_META = "aiconv/idempotency_key"


@dataclass(frozen=True, slots=True)
class SseServer:
    """A server speaking the older HTTP+SSE transport (``mcp:sse:http://host:port/sse``)."""

    url: str


def server_of(reference: str) -> StdioServerParameters | SseServer | str:
    """``stdio:COMMAND ARGS…`` -> process parameters; ``http(s)://…`` -> the URL;
    ``sse:http(s)://…`` -> the URL of an HTTP+SSE server."""
    if reference.startswith("stdio:"):
        try:
            argv = shlex.split(reference[len("stdio:") :])
        except ValueError as exc:  # an unclosed quote
            raise ConfigError(f"mcp:{reference}: {exc}") from None
        if not argv:
            raise ConfigError("mcp:stdio: needs a command, e.g. mcp:stdio:python -m my_server")
        if has_credentials(reference):
            raise ConfigError(
                f"mcp:{redact_url(reference)} carries a secret (a key or token) in its command "
                "line: it would be recorded with the conversation; give it to the server in an "
                "environment variable instead"
            )
        return StdioServerParameters(command=argv[0], args=argv[1:], env=server_environment())
    if reference.startswith("sse:"):
        return SseServer(_url(reference[len("sse:") :]))
    return _url(reference)


def _url(reference: str) -> str:
    """An HTTP server's URL, refused when malformed or carrying credentials."""
    try:
        parts = urlsplit(reference)
        _ = parts.port  # raises for a port that is not a number
    except ValueError:  # also an unclosed IPv6 bracket
        parts = None
    if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(
            f"MCP server {redact_url(reference)!r}: use mcp:stdio:COMMAND or "
            "mcp:http://host:port/mcp (mcp:sse:http://host:port/sse for an HTTP+SSE server)"
        )
    if has_credentials(reference):
        raise ConfigError(
            f"MCP server {redact_url(reference)!r} carries credentials in its URL: they would be "
            "recorded with the conversation"
        )
    return reference


def server_environment() -> dict[str, str]:
    """What a stdio server is given: this process's environment, as a command run from a shell
    is (the SDK alone passes PATH, HOME and a few more, so a server's own settings and secrets
    were lost), without the model vendors' keys and the API token, which it has no use for."""
    withheld = {name for vendor in REMOTE_VENDORS for name in vendor.key_env} | {"AIC_API_TOKEN"}
    return inherited_environment(tuple(sorted(withheld)))


class McpTools(ToolBox):
    """The tools of one MCP server."""

    def __init__(self, reference: str, server: StdioServerParameters | SseServer | str) -> None:
        self.reference = reference
        self._server = server
        self._client: mcp.Client | None = None
        self._specs: tuple[ToolSpec, ...] = ()
        self._idempotent: set[str] = set()
        #: The connection closed during a call: later calls are not sent.
        self._lost = False
        self._stop = asyncio.Event()
        self._ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, reference: str, *, timeout_s: float = OPEN_TIMEOUT_S) -> McpTools:
        """Start (or connect to) the server and list its tools; ConfigError if it cannot."""
        box = cls(reference, server_of(reference))
        box._task = asyncio.create_task(box._own(), name=f"mcp {redact_url(reference)}")
        try:
            async with asyncio.timeout(timeout_s):
                await asyncio.shield(box._ready)
        except TimeoutError as exc:
            await box.aclose()
            raise ConfigError(
                f"MCP server {redact_url(reference)!r} did not answer within {timeout_s:g}s"
            ) from exc
        except BaseException:  # ConfigError, or cancelled while it starts: stop the server
            await box.aclose()
            raise
        return box

    async def _own(self) -> None:
        """Enter the SDK client, list the tools, then hold it open until ``aclose``."""
        relay = None
        try:
            server = self._server
            target: Any = server
            if isinstance(server, SseServer):
                target = sse_client(server.url)
            elif isinstance(server, StdioServerParameters):
                relay = await StderrRelay.start(self.reference)
                target = stdio_client(server, errlog=relay.errlog)
            async with mcp.Client(target, mode="auto") as client:
                listing = await client.list_tools()
                self._client = client
                self._learn(listing.tools)
                self._ready.set_result(None)
                await self._stop.wait()
        except Exception as exc:  # the SDK's and the server's failures: say it in one line
            if not self._ready.done():
                self._ready.set_exception(
                    ConfigError(f"MCP server {redact_url(self.reference)!r} failed: {_why(exc)}")
                )
        finally:
            self._client = None
            if relay is not None:
                await relay.close()

    def _learn(self, tools: list[Any]) -> None:
        specs = []
        for tool in tools:
            schema = dict(tool.input_schema or {"type": "object", "properties": {}})
            specs.append(
                ToolSpec(name=tool.name, description=tool.description or "", parameters=schema)
            )
            hints = tool.annotations
            if hints is not None and hints.idempotent_hint:
                self._idempotent.add(tool.name)
        self._specs = tuple(specs)

    def specs(self) -> tuple[ToolSpec, ...]:
        """The server's tools, as listed when it opened."""
        return self._specs

    def is_idempotent(self, name: str) -> bool:
        """Whether the server annotated the tool ``idempotentHint``."""
        return name in self._idempotent

    async def call(
        self, name: str, arguments: Mapping[str, Any], context: ToolCallContext
    ) -> ToolOutput:
        """Call the tool on the server; its ``isError`` results are tool errors."""
        client = self._client
        if client is None or self._lost:  # the call is not sent: certainly no effect
            return ToolOutput(content=f"MCP server for {name} is not running", is_error=True)
        # RequestParamsMeta is a TypedDict with extra_items=Any, which mypy does not model yet.
        meta = cast(RequestParamsMeta, {IDEMPOTENCY_META: context.call_id})
        try:
            result = await client.call_tool(name, dict(arguments), meta=meta)
        except MCPError as exc:
            if exc.code != CONNECTION_CLOSED:
                raise
            self._lost = True  # the server died (or hung up) with the call in flight
            raise ToolOutcomeUnknown("the MCP server's connection closed during the call") from exc
        return ToolOutput(content=_text(result), is_error=bool(result.is_error))

    async def aclose(self) -> None:
        """Stop the server (or disconnect) and wait for the owning task. A server still
        starting (it never answered) is not waited for: its task is cancelled, which stops it."""
        self._stop.set()
        if self._task is not None:
            if not self._ready.done():
                self._task.cancel()
            await asyncio.wait([self._task])  # it catches its own errors
        if not self._ready.done():
            self._ready.cancel()


class StderrRelay:
    """A stdio server's stderr, line by line, onto this process's log (logger
    ``aiconv.mcp``, warning level, as it reached the terminal before): each line prefixed with
    the server's command, its control characters written as codes (a hostile or careless server
    cannot move the cursor, clear the screen or retitle the terminal), key-shaped strings
    redacted, cut at ``MAX_LINE`` characters, and at most ``_Allowance``'s rate (the lines over
    it counted and said as a number). The server writes into a pipe read on the event
    loop, so a server that floods stderr is read as fast as it writes and never blocks."""

    MAX_LINE = 2000
    #: Seconds ``close`` waits for the pipe's last lines before it stops reading.
    CLOSE_WAIT_S = 5.0

    def __init__(
        self,
        reference: str,
        errlog: TextIO,
        task: asyncio.Task[None],
        transport: asyncio.ReadTransport,
    ) -> None:
        self.reference = reference
        self.errlog = errlog
        self._task = task
        self._transport = transport

    @classmethod
    async def start(cls, reference: str) -> StderrRelay:
        """A pipe for the server's stderr (``errlog``), and the task that relays what it reads."""
        read_fd, write_fd = os.pipe()
        errlog = os.fdopen(write_fd, "w", encoding="utf-8")
        reader = asyncio.StreamReader(limit=2**20)
        pipe = os.fdopen(read_fd, "rb")
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(reader), pipe
            )
        except BaseException:
            errlog.close()
            # The file, never its number: a transport made before a cancel closes the file again
            # later, and a number closed twice may by then be another connection's.
            pipe.close()
            raise
        name = redact_url(reference)
        name = name if len(name) <= 80 else f"{name[:40]}…{name[-39:]}"  # the command's ends
        return cls(reference, errlog, asyncio.create_task(_relay(reader, name)), transport)

    async def close(self) -> None:
        """Close this process's end of the pipe (the server's closed when it stopped), then
        wait for the lines still in it."""
        self.errlog.close()
        try:
            async with asyncio.timeout(self.CLOSE_WAIT_S):
                await asyncio.shield(self._task)
        except TimeoutError:  # a child of the server still holds the pipe: stop reading
            self._task.cancel()
            await asyncio.wait([self._task])
            self._transport.close()  # else its end stays open (and read) as long as the child


class _Allowance:
    """How many lines may be logged now: ``BURST`` at once, then ``PER_SECOND`` (a server that
    floods stderr, with 1,000 conversations each running one, must not flood the log); lines
    over it are counted and said as a number with the next line logged, or at the end."""

    BURST = 100
    PER_SECOND = 2.0

    def __init__(self) -> None:
        self.tokens = float(self.BURST)
        self.at = time.monotonic()
        self.dropped = 0

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.BURST, self.tokens + (now - self.at) * self.PER_SECOND)
        self.at = now
        if self.tokens < 1:
            self.dropped += 1
            return False
        self.tokens -= 1
        return True

    def say_dropped(self, name: str) -> None:
        if self.dropped:
            _SERVER_LOG.warning("MCP server %s: %d more lines not shown", name, self.dropped)
            self.dropped = 0


async def _relay(reader: asyncio.StreamReader, name: str) -> None:
    allowance = _Allowance()
    while True:
        try:
            raw = await reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as end:
            raw = end.partial
        except asyncio.LimitOverrunError as long:  # longer than the buffer: a buffer at a time
            raw = await reader.readexactly(long.consumed)
        if not raw:
            allowance.say_dropped(name)
            return
        text = scrub(raw.decode("utf-8", errors="replace").rstrip("\r\n"))  # then cut: a key
        if len(text) > StderrRelay.MAX_LINE:  # across the cut would show its first characters
            text = f"{text[: StderrRelay.MAX_LINE]}…({len(text) - StderrRelay.MAX_LINE} more)"
        if text.strip() and allowance.take():
            allowance.say_dropped(name)
            _SERVER_LOG.warning("MCP server %s: %s", name, visible_controls(text))


_SERVER_LOG = logging.getLogger("aiconv.mcp")


class _OneLine(logging.Filter):
    """The SDK logs a line it cannot read (a server printing to its stdout) with a traceback:
    one line instead, saying what the line was (``repr``: escapes and control bytes shown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            if isinstance(error, pydantic.ValidationError) and error.errors():
                first = error.errors()[0]
                detail = f"{first['msg']}: {str(first.get('input'))[:200]!r}"
            else:
                detail = repr(_why(error))
            record.msg, record.args = f"{record.getMessage()}: {detail}", ()
            record.exc_info = record.exc_text = None
        return True


for _logger in ("mcp.client.stdio", "mcp.client.streamable_http"):
    logging.getLogger(_logger).addFilter(_OneLine())


def _text(result: Any) -> str:
    if result.structured_content is not None:
        return json.dumps(result.structured_content)
    parts = [block.text for block in result.content if getattr(block, "type", "") == "text"]
    other = [block.type for block in result.content if getattr(block, "type", "") != "text"]
    return "\n".join(parts + [f"[{kind} content]" for kind in other])


def _why(exc: BaseException) -> str:
    """The innermost message of an exception (group) from the SDK or the server."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc) or type(exc).__name__
    return redact_url(text.splitlines()[0])[:300]


async def open_mcp_tools(reference: str) -> ToolBox:
    """The ``mcp`` tool plugin."""
    return await McpTools.open(reference)
