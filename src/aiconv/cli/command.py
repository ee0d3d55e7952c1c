"""The command classes every ``aic`` command is made with (``@command()``).

They give each command the same conventions: ``-h``/``--help``; ``--config PATH`` (eager: it
loads the settings layers into ``default_map`` before any other option is read); and errors as
one line on stderr with the documented exit code (2 for bad input, click's usage errors
included), never a traceback or a usage block.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import stat
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console

from aiconv.cli.defaults import apply_settings
from aiconv.cli.options import EXIT_INTERRUPTED, F, one_line, report_error
from aiconv.errors import AiconvError, OutputClosed

HELP_OPTIONS = ["-h", "--help"]


def config_option() -> click.Option:
    """``--config PATH``: the config file (default: ``aiconv.toml`` here, or ``AIC_CONFIG``)."""
    return click.Option(
        ["--config"],
        type=click.Path(path_type=Path, dir_okay=False),
        is_eager=True,
        expose_value=False,
        callback=apply_settings,
        help="Config file (default: aiconv.toml in the working directory, or AIC_CONFIG).",
    )


class OneLineErrors:
    """``main`` that reports every error as one line (mixed into a click command class)."""

    def main(  # type: ignore[no-untyped-def]  # click's overloaded signature, passed through
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ):
        run = super().main  # type: ignore[misc]  # click.Command.main, after this mixin
        if not standalone_mode:
            return run(args, prog_name, complete_var, False, **extra)
        _write_any_text()
        _stop_when_output_closes()
        undecodable = next((a for a in _arguments(args) if not _is_utf8(a)), None)
        if undecodable is not None:
            shown = os.fsencode(undecodable).decode("utf-8", "backslashreplace")
            click.echo(f"error: argument '{shown}' is not valid UTF-8", err=True)
            sys.exit(2)
        try:
            result = run(args, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            # ``aic`` alone asks for its help, as ``aic --help`` does: on stdout, exit 0 (click
            # 8.2 made it a usage error; a group below ``aic`` without its command still is one)
            click.echo(exc.ctx.get_help() if exc.ctx is not None else exc.format_message())
            sys.exit(0)
        except click.ClickException as exc:
            click.echo(f"error: {one_line(exc.format_message())}{_hint(exc)}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            sys.exit(EXIT_INTERRUPTED)
        except (OutputClosed, BrokenPipeError):
            _drop_output()
            sys.exit(1)
        except OSError as exc:
            _os_error(exc)
        except AiconvError as exc:
            sys.exit(report_error(exc))
        if _reader_went_away():
            _drop_output()
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def _os_error(exc: OSError) -> NoReturn:
    """A path no file can have (pasted text) is bad input, exit 2; a full disk or device while
    writing the output, exit 1; any other ``OSError`` is raised again."""
    if exc.errno == errno.ENAMETOOLONG:
        click.echo(f"error: {one_line(f'{exc.strerror}: {exc.filename!r}')}", err=True)
        sys.exit(2)
    if exc.errno != errno.ENOSPC:  # ENOSPC: e.g. `aic ls > /dev/full`, a full disk
        raise exc
    _drop_output()
    click.echo(f"error: cannot write the output: {exc.strerror}", err=True)
    sys.exit(1)


def _reader_went_away() -> bool:
    """Whether stdout is a pipe whose reader has gone (``aic export ID | head -1``). A large
    write the reader cut short raises nothing: CPython's buffered writer reports the part it
    wrote and drops the rest, so without this the command ended 0 having lost its output."""
    try:
        sys.stdout.flush()
        fd = sys.stdout.fileno()
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return False
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        return any(event & select.POLLERR for _, event in poller.poll(0))
    except BrokenPipeError:
        return True
    except (OSError, ValueError, AttributeError):  # no real stdout (closed, captured, io)
        return False


def _stop_when_output_closes() -> None:
    """Make a closed stdout an ordinary error. rich answers it with ``SystemExit``, which,
    raised inside an asyncio task, leaves the event loop at once: no ``finally`` ran, the
    log's thread was never closed, and ``aic start | head -1`` hung forever at exit."""
    setattr(Console, "on_broken_pipe", _output_closed)  # noqa: B010  # a method of rich's


def _output_closed(console: Console) -> None:
    console.quiet = True
    raise OutputClosed("the reader of the output went away")


def _drop_output() -> None:
    """Point stdout at /dev/null, so the flush at exit does not fail on the closed pipe."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


#: The error handlers of a text stream that fail on a character its encoding lacks (the C
#: locale gives stdout ``surrogateescape``, which fails on any non-ASCII letter).
_FAILING = frozenset({"strict", "surrogateescape"})


def _write_any_text() -> None:
    """Let stdout and stderr write what their encoding cannot hold as ``\\u203a`` escapes: a
    terminal in an ASCII or Latin-1 locale (``LC_ALL=C`` without UTF-8 mode, ``LANG=…ISO-8859-1``)
    or a lone surrogate from a log ended ``aic show`` in a UnicodeEncodeError traceback."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) in _FAILING:
            reconfigure(errors="backslashreplace")


def _arguments(args: Sequence[str] | None) -> Sequence[str]:
    return sys.argv[1:] if args is None else args


def _is_utf8(argument: str) -> bool:
    """Whether ``argument`` is text: bytes that are not UTF-8 reach Python as lone surrogates,
    which no log, JSON document or terminal can take."""
    try:
        argument.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _hint(exc: click.ClickException) -> str:
    if isinstance(exc, click.UsageError) and exc.ctx is not None:
        return f" (see '{exc.ctx.command_path} --help')"
    return ""


class AicCommand(OneLineErrors, click.Command):
    """A command with ``-h``, ``--config`` and one-line errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        settings = kwargs.setdefault("context_settings", {})
        settings.setdefault("help_option_names", HELP_OPTIONS)
        super().__init__(*args, **kwargs)
        self.params.append(config_option())


class AicGroup(OneLineErrors, click.Group):
    """A group of ``AicCommand`` s with ``-h``, ``--version`` and one-line errors."""

    command_class = AicCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        settings = kwargs.setdefault("context_settings", {})
        settings.setdefault("help_option_names", HELP_OPTIONS)
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """A group below ``aic`` given no command (``aic cache``) is a usage error naming its
        commands, in one line like every other; ``aic`` alone still prints its help."""
        if not args and ctx.parent is not None:
            names = self.list_commands(ctx)
            listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
            raise click.UsageError(f"'{ctx.command_path}' needs a command: {listed}", ctx)
        return super().parse_args(ctx, args)


def _version() -> str:
    try:
        return version("aiconv")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def version_option(prog_name: str | None = None) -> Callable[[F], F]:
    """``--version``/``-V`` for a program (``aic``, ``aic-start``): ``PROG VERSION``, exit 0.
    Without ``prog_name`` the program is the one the user ran (``aic-start``, or ``aic`` for
    ``aic start --version``)."""
    return click.version_option(
        _version(), "--version", "-V", prog_name=prog_name, message="%(prog)s %(version)s"
    )


def command(name: str | None = None, **kwargs: Any) -> Callable[[F], AicCommand]:
    """``@click.command`` with the ``aic`` conventions."""
    return click.command(name, cls=AicCommand, **kwargs)
