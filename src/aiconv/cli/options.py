"""Shared CLI plumbing: options that know their settings names, the log options, and the one
mapping from our errors to a line on stderr and an exit code.

An option made with ``option()`` is looked up by the settings loader (``cli/defaults.py``) as
``AIC_<COMMAND>_<OPTION>``, as ``AIC_<OPTION>`` when it is shared by every command
(``aiconv.settings.SHARED_OPTIONS``), and in the config file; ``--help`` shows the names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from aiconv.cli.values import TEXT
from aiconv.errors import AiconvError, ConfigError
from aiconv.observability.redaction import scrub_urls
from aiconv.platform.markdown import visible_controls
from aiconv.settings import OptionKey

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INTERRUPTED = 130
EXIT_BAD_INPUT = 2


class AicOption(click.Option):
    """A click option read from the settings layers under the names of ``OptionKey``."""

    def __init__(
        self,
        *args: Any,
        configurable: bool = True,
        old_names: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.configurable = configurable
        self.old_names = old_names
        long = next((o for o in self.opts if o.startswith("--")), f"--{self.name}")
        #: ``max_turns`` for ``--max-turns``: the name in variables and the config file.
        self.setting = long[2:].replace("-", "_")

    def key(self, command: str) -> OptionKey:
        """Where this option of ``command`` is looked up."""
        return OptionKey(
            command=command,
            name=self.setting,
            configurable=self.configurable,
            old_names=self.old_names,
        )

    def process_value(self, ctx: click.Context, value: Any) -> Any:
        """The value, after refusing an empty one: ``--log-url ''`` or ``--out-dir ''`` is a
        mistake, never "not given" (an empty path would even mean the working directory)."""
        given = value if isinstance(value, tuple | list) else (value,)
        if not self.is_flag and any(isinstance(v, str) and not v.strip() for v in given):
            raise click.BadParameter("must not be empty", ctx=ctx, param=self)
        return super().process_value(ctx, value)

    def get_help_extra(self, ctx: click.Context) -> Any:
        extra = super().get_help_extra(ctx)
        variables = self.key(command_key(ctx)).variables()
        if variables:
            extra["envvars"] = variables
        return extra


def command_key(ctx: click.Context) -> str:
    """The command's name in settings: ``start``, or ``cache.import`` for a subcommand of a
    group below ``aic`` (variables ``AIC_CACHE_IMPORT_…``, config table ``[cache.import]``)."""
    names = []
    current: click.Context | None = ctx
    while current is not None and current.parent is not None:
        names.append(current.command.name or "")
        current = current.parent
    return ".".join(reversed(names)) if names else ctx.command.name or ""


def option(*names: str, **kwargs: Any) -> Callable[[F], F]:
    """A click option read from flags, variables, ``.env`` and the config file.

    ``configurable=False`` keeps it off variables and the config file (``--json``);
    ``old_names=`` lists deprecated variables that still set it.
    """
    return click.option(*names, cls=AicOption, **kwargs)


def log_options(func: F) -> F:
    """``--log-url``, ``--db`` and ``--redis-prefix`` (applied to Redis URLs by the runtime)."""
    func = option("--redis-prefix", type=TEXT, help="Key prefix of a Redis log (default: aiconv).")(
        func
    )
    func = option(
        "--db",
        type=click.Path(path_type=Path),
        help="SQLite log file (default: conversations.db in the user data dir).",
    )(func)
    return option("--log-url", help="Log URL: sqlite:///file.db, memory://, redis://host:6379/0.")(
        func
    )


def json_option(*, help: str, old_names: tuple[str, ...] = ()) -> Callable[[F], F]:
    """``--json``: one JSON document on stdout (JSON lines where the output streams)."""
    return option(
        "--json", "as_json", is_flag=True, configurable=False, old_names=old_names, help=help
    )


def exit_code_for(exc: BaseException) -> int | None:
    """The exit code for one of our errors (2 for bad input), None for anything else."""
    if isinstance(exc, ConfigError):
        return EXIT_BAD_INPUT
    if isinstance(exc, AiconvError):
        return 1
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    return None


def report_error(exc: BaseException) -> int | None:
    """Print ``exc`` as one line on stderr and return its exit code (None: not ours)."""
    code = exit_code_for(exc)
    if code is not None and not isinstance(exc, KeyboardInterrupt):
        # a path or value echoed back may hold a terminal escape (a title sequence, which
        # click never strips, nor anything on a terminal): its codes are shown instead
        click.echo(f"error: {visible_controls(one_line(str(exc)))}", err=True)
    return code


def one_line(text: str) -> str:
    """``text`` with its lines joined, so an error is always one line; a pasted value echoed
    back keeps its start and end but not its middle, so an error stays short, and a URL's
    password never (a URL given where a number or a name belongs was echoed whole)."""
    joined = " ".join(part.strip() for part in scrub_urls(text).splitlines() if part.strip())
    return _LONG_WORD.sub(_cut_middle, joined)


#: A run of more than this many characters without a space is cut in its middle.
_LONGEST_WORD = 120
_LONG_WORD = re.compile(rf"\S{{{_LONGEST_WORD + 1},}}")


def _cut_middle(match: re.Match[str]) -> str:
    word = match[0]
    return f"{word[:80]}…({len(word) - 100} characters cut)…{word[-20:]}"


def on_command_line(name: str) -> bool:
    """Whether option ``name`` (its parameter name) was given on the command line, not taken
    from a variable, the config file or its default."""
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.get_parameter_source(name) is _COMMAND_LINE


def refuse_alone(name: str, flag: str, needs: str) -> None:
    """ConfigError when ``flag`` was given on the command line where it does nothing (what it
    ``needs`` is missing): the user meant something that would silently not happen."""
    if on_command_line(name):
        raise ConfigError(f"{flag} does nothing here: it needs {needs}")


_COMMAND_LINE = click.core.ParameterSource.COMMANDLINE


def warn_deprecated_flag(name: str, message: str) -> None:
    """Warn on stderr when the deprecated option ``name`` was given on the command line (a
    deprecated variable has warned already)."""
    ctx = click.get_current_context()
    if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE:
        click.echo(f"warning: {message}", err=True)
