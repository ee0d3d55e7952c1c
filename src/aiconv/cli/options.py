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


def log_options(func: F) -> F:
    """``--log-url`` and ``--db``."""
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
