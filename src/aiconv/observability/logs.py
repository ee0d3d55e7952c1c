"""Structured logs (structlog): JSON off a terminal, console on one, secrets redacted.

Context (conversation id, participant, turn, trace id) is bound through ``structlog.contextvars``
by the observer, so every line inside a turn carries it. ``redact_secrets`` removes configured
key values and common key formats from every string of an event, including rendered tracebacks.
Logs go to stderr: stdout belongs to transcripts and ``--json`` documents.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from aiconv.observability.redaction import KEY_PATTERNS, REDACTED

#: Fields whose whole value is a secret, whatever it looks like.
SECRET_FIELDS = re.compile(r"(?i)(api[_-]?key|authorization|password|secret|x-goog-api-key)$")


class SecretRedactor:
    """A structlog processor replacing secrets in every string value (nested too)."""

    def __init__(self, secrets: Iterable[str] = (), patterns: Iterable[str] = KEY_PATTERNS):
        literal = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)
        alternatives = [re.escape(s) for s in literal] + list(patterns)
        self.pattern = re.compile("|".join(alternatives)) if alternatives else None

    def __call__(self, logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
        """The event with every secret replaced by ``[REDACTED]``."""
        for key, value in event_dict.items():
            event_dict[key] = REDACTED if _is_secret_field(key) else self.scrub(value)
        return event_dict

    def scrub(self, value: Any) -> Any:
        """``value`` with secrets removed from its strings, recursively."""
        if isinstance(value, str):
            return self.pattern.sub(REDACTED, value) if self.pattern is not None else value
        if isinstance(value, MutableMapping | dict):
            return {k: REDACTED if _is_secret_field(k) else self.scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self.scrub(v) for v in value]
        if isinstance(value, BaseException):
            return self.scrub(f"{type(value).__name__}: {value}")
        return value


def _is_secret_field(key: object) -> bool:
    return isinstance(key, str) and SECRET_FIELDS.search(key) is not None


class _Stderr:
    """Resolves ``sys.stderr`` at every write, so redirected or replaced streams keep working."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def is_terminal(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (stderr by default) is an interactive terminal."""
    stream = stream or sys.stderr
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def processors(secrets: Iterable[str] = ()) -> list[Processor]:
    """The shared chain up to (not including) the renderer; redaction runs last."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        SecretRedactor(secrets),
    ]


def configure_logging(
    *, level: str = "info", fmt: str | None = None, secrets: Iterable[str] = ()
) -> None:
    """Configure structlog for the process: ``fmt`` json, console, or None (by terminal)."""
    number = logging.getLevelNamesMapping().get(level.upper())
    if number is None:
        raise ValueError(f"unknown log level {level!r}: use debug, info, warning or error")
    if fmt is None:
        fmt = "console" if is_terminal() else "json"
    renderer: Processor
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer()
    elif fmt == "console":
        renderer = structlog.dev.ConsoleRenderer(colors=is_terminal())
    else:
        raise ValueError(f"unknown log format {fmt!r}: use json or console")
    # Tracebacks are rendered to text before redaction in both formats, so no secret in an
    # exception message escapes; the console loses Rich's pretty tracebacks, on purpose.
    structlog.configure(
        processors=[*processors(secrets), renderer],
        wrapper_class=structlog.make_filtering_bound_logger(number),
        # One write a record, newline included: with an unbuffered stderr (PYTHONUNBUFFERED, as
        # in most containers) print's two writes let the line of another process sharing
        # stderr (aic worker --processes N) fall between a record and its newline.
        logger_factory=structlog.WriteLoggerFactory(file=_Stderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
    route_stdlib_logging(number, renderer, SecretRedactor(secrets))


class _AiconvHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the one root handler ``route_stdlib_logging`` owns."""


def route_stdlib_logging(level: int, renderer: Processor, redactor: SecretRedactor) -> None:
    """Send standard-library records (vendor SDKs, httpx) through the same redaction and format.

    Only warnings and above: below that, libraries are chatty (aiosqlite logs every statement)
    and httpx logs request URLs, which for Gemini carry the key.
    """
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redactor,
            renderer,
        ],
    )
    handler = _AiconvHandler(_Stderr())
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _AiconvHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(max(level, logging.WARNING))


def unroute_stdlib_logging() -> None:
    """Remove the handler ``configure_logging`` installed (tests)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _AiconvHandler)]:
        root.removeHandler(old)


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    """A logger for ``name`` (``aiconv.provider``, ``aiconv.conversation`` …)."""
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger().bind(logger=name)
    return logger
