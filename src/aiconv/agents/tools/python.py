"""Typed Python functions as tools: a ``.py`` file or an importable module (``python:pkg.mod``).

Which functions: the module's ``TOOLS`` list if it has one, else every public function defined
in the module itself (not imported, not starting with ``_``); ``@aiconv.tool`` only adds
options (a name, a description, idempotency). Sync
and async functions both work; sync ones run in a worker thread so a slow tool never blocks the
event loop. Arguments are validated against the schema from the type hints before the call; a
validation failure or an exception in the tool goes back to the model as a tool error.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import contextvars
import importlib
import importlib.util
import inspect
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar, overload

import pydantic
import pydantic_core

from aiconv.agents.messages import ToolSpec
from aiconv.agents.toolbox import (
    TOOL_NAME,
    TOOL_NAME_RULE,
    ToolBox,
    ToolCallContext,
    ToolError,
    ToolOutput,
)
from aiconv.agents.tools.schema import Signature, describe
from aiconv.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])
_MARK = "__aiconv_tool__"


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolOptions:
    """What ``@tool`` says about a function beyond its signature."""

    name: str | None = None
    description: str | None = None
    idempotent: bool = False


@overload
def tool(func: F) -> F: ...
@overload
def tool(
    *, name: str | None = None, description: str | None = None, idempotent: bool = False
) -> Callable[[F], F]: ...
def tool(
    func: F | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    idempotent: bool = False,
) -> F | Callable[[F], F]:
    """Mark a function as a tool. ``idempotent=True`` lets a call whose result was never
    recorded (its process died) run again with the same idempotency key."""

    def mark(f: F) -> F:
        setattr(f, _MARK, ToolOptions(name=name, description=description, idempotent=idempotent))
        return f

    return mark(func) if func is not None else mark


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionTool:
    """One function with its spec and argument model."""

    func: Callable[..., Any]
    spec: ToolSpec
    signature: Signature
    idempotent: bool


def function_tool(func: Callable[..., Any]) -> FunctionTool:
    """The tool made of ``func`` (ConfigError for a bad name or a parameter without a hint)."""
    options: ToolOptions = getattr(func, _MARK, ToolOptions())
    name = options.name or func.__name__
    if not TOOL_NAME.match(name):
        raise ConfigError(f"tool name {name!r} must be {TOOL_NAME_RULE}")
    signature = describe(func, name)
    description = options.description or signature.description
    spec = ToolSpec(name=name, description=description, parameters=signature.json_schema())
    return FunctionTool(func=func, spec=spec, signature=signature, idempotent=options.idempotent)


class PythonTools(ToolBox):
    """Python functions as a ``ToolBox``."""

    def __init__(self, functions: Sequence[Callable[..., Any]]) -> None:
        self.tools: dict[str, FunctionTool] = {}
        for func in functions:
            made = function_tool(func)
            if made.spec.name in self.tools:
                raise ConfigError(f"two tools are called {made.spec.name!r}: rename one")
            self.tools[made.spec.name] = made

    def specs(self) -> tuple[ToolSpec, ...]:
        """One spec per function."""
        return tuple(t.spec for t in self.tools.values())

    def is_idempotent(self, name: str) -> bool:
        """As ``@tool(idempotent=...)`` said (False by default)."""
        found = self.tools.get(name)
        return found is not None and found.idempotent

    async def call(
        self, name: str, arguments: Mapping[str, Any], context: ToolCallContext
    ) -> ToolOutput:
        """Validate the arguments, run the function, turn its result into text."""
        found = self.tools.get(name)
        if found is None:
            return ToolOutput(content=f"unknown tool {name!r}", is_error=True)
        try:
            kwargs = dict(found.signature.arguments.model_validate(dict(arguments)))
        except pydantic.ValidationError as exc:
            return ToolOutput(content=f"invalid arguments for {name}: {_brief(exc)}", is_error=True)
        if found.signature.context_parameter is not None:
            kwargs[found.signature.context_parameter] = context
        try:
            if inspect.iscoroutinefunction(found.func):
                result = await found.func(**kwargs)
            else:
                # A sync tool is user code that may block (files, HTTP): a thread keeps the
                # event loop free; there is no async alternative for arbitrary sync code.
                result = await in_thread(found.func, kwargs, name=f"tool {name}")
        except ToolError as exc:
            return ToolOutput(content=str(exc), is_error=True)
        return ToolOutput(content=as_text(result))

    async def aclose(self) -> None:
        """Nothing to release."""


#: Seconds a sync tool still running when the process exits gets to finish its effect.
EXIT_GRACE_S = 5.0
_running: set[threading.Thread] = set()


@atexit.register
def _let_running_tools_finish() -> None:
    """At exit (an interrupted turn, a call that timed out), give the sync tools still running
    a few seconds: a daemon thread would otherwise stop half-way through its effect."""
    deadline = time.monotonic() + EXIT_GRACE_S
    for thread in list(_running):
        thread.join(max(0.0, deadline - time.monotonic()))


async def in_thread(func: Callable[..., Any], kwargs: Mapping[str, Any], *, name: str) -> Any:
    """``func(**kwargs)`` in a daemon thread of its own. A call that never returns, given up by
    its timeout, is left behind: it holds the process at exit for ``EXIT_GRACE_S`` at most (the
    default executor's threads are joined then, forever) and takes no executor worker."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()
    context = contextvars.copy_context()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():  # the caller gave up (timeout, cancellation)
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        try:
            outcome: tuple[Any, BaseException | None] = (context.run(func, **kwargs), None)
        except BaseException as exc:  # handed to the awaiting task, as asyncio.to_thread does
            outcome = (None, exc)
        _running.discard(threading.current_thread())
        with contextlib.suppress(RuntimeError):  # the loop closed while the tool ran
            loop.call_soon_threadsafe(settle, *outcome)

    thread = threading.Thread(target=run, name=name, daemon=True)
    _running.add(thread)
    thread.start()
    return await future


def as_text(result: Any) -> str:
    """A tool result as the text the model reads: strings as they are, the rest as JSON."""
    if isinstance(result, str):
        return result
    adapter = pydantic.TypeAdapter(Any)
    try:
        value = adapter.dump_python(result, mode="json")
    except pydantic_core.PydanticSerializationError:  # an object of a class pydantic does not know
        value = adapter.dump_python(result, mode="json", fallback=str)  # the tool did run
        if isinstance(value, str):
            return value  # the object itself: its text, not a JSON string of it
    return json.dumps(value)


def _brief(error: pydantic.ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}" for e in error.errors()
    )


def tools_of(module: ModuleType) -> list[Callable[..., Any]]:
    """The functions of ``module`` that are tools (``TOOLS``, else its own public functions)."""
    declared = getattr(module, "TOOLS", None)
    if declared is not None:
        if not isinstance(declared, list | tuple) or not all(map(callable, declared)):
            where = getattr(module, "__file__", None) or module.__name__
            raise ConfigError(f"tools {str(where)!r}: TOOLS must be a list of functions")
        return list(declared)
    return [
        obj
        for key, obj in vars(module).items()
        if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not key.startswith("_")
    ]


def load_module(reference: str) -> ModuleType:
    """The module a reference names: a ``.py`` file path, or a dotted module name."""
    path = Path(reference).expanduser()
    try:
        if reference.endswith(".py") or path.exists():
            return _load_file(path)
    except OSError as exc:  # a name too long for a file
        raise ConfigError(f"tools {reference!r}: {exc.strerror or exc}") from None
    # importlib answers a relative name ('./x', '../t') with a TypeError traceback
    if not all(part.isidentifier() for part in reference.split(".")):
        raise ConfigError(f"tools {reference!r}: no such file, and not a module name (a.b.c)")
    try:
        return importlib.import_module(reference)
    except ImportError as exc:
        raise ConfigError(f"tools {reference!r}: no such file or module ({exc})") from exc
    except (Exception, SystemExit) as exc:  # the module's own code failed: say why
        raise ConfigError(
            f"tools module {reference!r} does not import: {type(exc).__name__}: {exc}"
        ) from exc


def _load_file(path: Path) -> ModuleType:
    if path.is_dir():  # "does not exist" of a directory that is there
        raise ConfigError(f"tools file {str(path)!r} is a directory, not a .py file")
    if not path.is_file():
        raise ConfigError(f"tools file {str(path)!r} does not exist")
    name = f"aiconv_tools_{uuid.uuid5(uuid.NAMESPACE_URL, str(path.resolve())).hex[:12]}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"tools file {str(path)!r} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pydantic look their module up by name
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # the user's file: say why it does not import
        sys.modules.pop(name, None)
        raise ConfigError(
            f"tools file {str(path)!r} does not import: {type(exc).__name__}: {exc}"
        ) from exc
    return module


def python_tools(reference: str) -> PythonTools:
    """The tools of a file or module (ConfigError when there are none or one is malformed)."""
    functions = tools_of(load_module(reference))
    if not functions:
        raise ConfigError(f"tools {reference!r} defines no public function to offer as a tool")
    return PythonTools(functions)


async def open_python_tools(reference: str) -> ToolBox:
    """The ``python`` tool plugin: a file or module, imported off the event loop."""
    # Importing runs the user's module (file reads, top-level code): not on the event loop.
    return await asyncio.to_thread(python_tools, reference)
