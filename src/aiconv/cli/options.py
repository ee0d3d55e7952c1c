"""Shared CLI plumbing: options with ``AIC_*`` variables, log options, friendly errors."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from aiconv.errors import AiconvError, ConfigError

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INTERRUPTED = 130


def option(*names: str, **kwargs: Any) -> Callable[[F], F]:
    """A click option whose environment variable is ``AIC_<LONG_NAME>``, shown in ``--help``."""
    long = next(n for n in names if n.startswith("--"))
    envvar = "AIC_" + long[2:].upper().replace("-", "_")
    return click.option(*names, envvar=envvar, show_envvar=True, **kwargs)


#: Where ``--redis-prefix`` is kept for ``Runtime.load`` (``click.Context.meta``).
REDIS_PREFIX_META = "aiconv.redis_prefix"


def _keep_redis_prefix(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta[REDIS_PREFIX_META] = value


def log_options(func: F) -> F:
    """``--log-url``, ``--db`` and ``--redis-prefix`` (applied to Redis URLs by the runtime)."""
    func = option(
        "--redis-prefix",
        expose_value=False,
        callback=_keep_redis_prefix,
        help="Key prefix of a Redis log (default: aiconv).",
    )(func)
    func = option(
        "--db", type=click.Path(path_type=Path), help="SQLite log file (default: user data dir)."
    )(func)
    return option("--log-url", help="Log URL: sqlite:///file.db, memory://, redis://host:6379/0.")(
        func
    )


def friendly_errors(func: F) -> F:
    """Turn our errors into one line on stderr and an exit code (2 for bad input)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except AiconvError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            sys.exit(EXIT_INTERRUPTED)

    return wrapper  # type: ignore[return-value]
