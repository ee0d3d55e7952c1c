"""The settings layers as click's ``default_map``: config file < ``.env`` < environment.

Click's own precedence then does the rest (flags > ``default_map`` > the option's default), so
every command reads settings one way. This runs as the callback of the eager ``--config``
option, before any other option is processed; a value that does not convert is a usage error
naming the variable or config key it came from. Deprecated spellings print one warning each.
"""

from __future__ import annotations

import difflib
import functools
from pathlib import Path
from typing import Any

import click

from aiconv.agents.toolbox import split_reference
from aiconv.cli.options import AicOption, command_key
from aiconv.cli.values import Number
from aiconv.errors import ConfigError
from aiconv.settings import ENV_FILE, PREFIX, PROCESS_VARIABLES, Found, Sources
from aiconv.validation import check_typed_number

#: Where the loaded ``Sources`` are kept for the command (``click.Context.meta``).
SOURCES_META = "aiconv.sources"


def apply_settings(ctx: click.Context, param: click.Parameter, config: Path | None) -> Path | None:
    """Fill ``ctx.default_map`` from the settings layers (the ``--config`` callback)."""
    sources = Sources.load(config)
    _check_table(sources, ctx.command, command_key(ctx))
    _check_tables(sources, command_key(ctx))
    if not sources.has_warned:  # a child of --processes N: its parent has warned once
        _warn_unknown_variables(ctx, sources)
    ctx.meta[SOURCES_META] = sources
    command = command_key(ctx)
    defaults: dict[str, Any] = {}
    ranks: dict[str, int] = {}
    for option in ctx.command.params:
        if not isinstance(option, AicOption) or option.name is None:
            continue
        found = sources.lookup(option.key(command))
        if found is None:
            continue
        if found.deprecated and not sources.has_warned:
            click.echo(f"warning: {found.deprecated}", err=True)
        defaults[option.name] = _convert(ctx, option, found)
        ranks[option.name] = found.rank
    _one_log(defaults, ranks)
    ctx.default_map = {**(ctx.default_map or {}), **defaults}
    return config


#: The two spellings of one setting, the log (``--db`` a file, ``--log-url`` a URL).
LOG_SPELLINGS = ("db", "log_url")


def _one_log(defaults: dict[str, Any], ranks: dict[str, int]) -> None:
    """Keep the log a higher layer names: ``db`` in ``aiconv.toml`` under an exported
    ``AIC_LOG_URL`` was ``give either --db or --log-url``. Both in one layer stay a mistake."""
    db, url = (ranks.get(name, 0) for name in LOG_SPELLINGS)
    if db and url and db != url:
        del defaults[LOG_SPELLINGS[db > url]]


def sources_of(ctx: click.Context) -> Sources:
    """The settings layers loaded for this command (loaded now when no callback ran)."""
    sources = ctx.meta.get(SOURCES_META)
    return sources if isinstance(sources, Sources) else Sources.load()


def _convert(ctx: click.Context, option: AicOption, found: Found) -> Any:
    value = found.value
    if isinstance(value, str) and option.multiple:
        value = list(option.type.split_envvar_value(value))  # on spaces, phrases by line
    if found.base_dir is not None and isinstance(option.type, click.Path):
        value = _relative_to(found.base_dir, value)
    elif found.base_dir is not None and option.setting in _URL_SETTINGS:
        value = _url_relative_to(found.base_dir, value)
    elif found.base_dir is not None and option.setting in _TOOL_SETTINGS:
        base = found.base_dir
        value = [_tool_relative_to(base, v) for v in value] if isinstance(value, list) else value
    # a list given to a one-value option was cast item by item, and agent1 = ["mock"]
    # failed as "must not be empty" (a table is refused where the file is read)
    if isinstance(value, list) and not option.multiple:
        message = f"{value!r} is not a valid value here: give one value"
    elif (typed := _typed_number_error(option, found) or _typed_error(option, found)) is not None:
        message = typed
    else:
        try:
            return option.type_cast_value(ctx, value)
        except click.BadParameter as exc:
            message = exc.message
    flag = max(option.opts, key=len)
    hint = f"{found.origin} ({flag})"
    raise click.BadParameter(message, ctx=ctx, param=option, param_hint=hint) from None


def _typed_number_error(option: AicOption, found: Found) -> str | None:
    """Why a number option's value from the config file is not a TOML number (``max_turns =
    "10"``), or None. ``Number`` itself reads text, as flags and variables are text; a TOML
    boolean, NaN or infinity it refuses for every layer."""
    if found.base_dir is None or not isinstance(option.type, Number):
        return None
    values = found.value if isinstance(found.value, list) else [found.value]
    for value in values:
        try:
            check_typed_number(value)
        except ValueError as exc:
            return str(exc)
    return None


def _typed_error(option: AicOption, found: Found) -> str | None:
    """Why an option's value from the config file is not of the TOML type it takes, or None:
    a flag takes ``true`` or ``false``, every other option but a number takes text (a list of
    texts where it repeats). click turned ``system1 = true`` into the prompt ``'True'`` and
    ``log_url = 5`` into a file ``5``, failed on ``detach = 1`` with an AttributeError
    traceback, and took a path's number for a file descriptor (``db = 5`` stat'ed descriptor
    5; a number past 2^63 was an OverflowError traceback)."""
    if found.base_dir is None or isinstance(option.type, Number):
        return None
    flag = option.is_flag and isinstance(option.type, click.types.BoolParamType)
    wanted, name = (bool, "true or false") if flag else (str, "text in quotes")
    values = found.value if isinstance(found.value, list) else [found.value]
    wrong = next((v for v in values if not isinstance(v, wanted)), None)
    if wrong is None:
        return None
    return f"{wrong!r} is not a valid value here: give {name}"


def _relative_to(base: Path, value: Any) -> Any:
    """A relative path from the config file is relative to the file's directory."""
    if isinstance(value, str) and value and not Path(value).is_absolute():
        return str(base / value)
    return value


#: Options that take a log or cache URL, which may be a relative path (``sqlite:///runs.db``,
#: ``runs.db``): from the config file, relative to the file like any other path.
_URL_SETTINGS = frozenset({"log_url", "cache_url"})
_SQLITE = "sqlite:///"


def _url_relative_to(base: Path, value: Any) -> Any:
    """``sqlite:///runs.db`` or a plain path in the config file, relative to the file's
    directory; an absolute path and every other URL (``redis://``, ``memory://``) as given."""
    if not isinstance(value, str):
        return value
    if value.startswith(_SQLITE) and value[len(_SQLITE) :] and value[len(_SQLITE)] != "/":
        return _SQLITE + str(base / value[len(_SQLITE) :])
    if "://" not in value:
        return _relative_to(base, value)
    return value


#: Options that take tool references: a ``.py`` file among them (``banking.py``,
#: ``support=banking.py``) is relative to the config file, as in a scenario file.
_TOOL_SETTINGS = frozenset({"tools1", "tools2", "tools"})


def _tool_relative_to(base: Path, item: Any) -> Any:
    if not isinstance(item, str):
        return item
    name, eq, reference = item.partition("=")
    if not eq or "/" in name or ":" in name:  # no NAME= in front of the reference
        name, eq, reference = "", "", item
    scheme, rest = split_reference(reference) if reference.strip() else ("", "")
    if scheme == "python" and rest.endswith(".py") and not rest.startswith("~"):
        reference = _relative_to(base, rest)
    return name + eq + reference


def _check_table(sources: Sources, command: click.Command, name: str) -> None:
    """ConfigError for an unknown key in ``[command]`` (or at the top level)."""
    if sources.config_path is None:
        return
    known = {o.setting for o in command.params if isinstance(o, AicOption) and o.configurable}
    for key in sources.config_table(name):
        if key.replace("-", "_") not in known:
            raise ConfigError(
                f"{sources.config_path}: unknown key {key!r} in [{name}]"
                + _suggest(key.replace("-", "_"), known)
            )
    unknown = sources.unknown_top_level(frozenset({name.split(".")[0]}))
    if unknown:
        raise ConfigError(
            f"{sources.config_path}: unknown top-level key {unknown[0]!r} (command options go "
            f"into a table such as [{name}])"
        )


def _check_tables(sources: Sources, name: str) -> None:
    """ConfigError for a table named after no command (``[strat]``), or a table inside the
    running command's own (``[start.sub]``, ``agent1 = {…}``): a typo is never ignored."""
    if sources.config_path is None:
        return
    from aiconv.cli.main import aic  # here: the commands import this module

    tables: list[tuple[str, dict[str, Any], click.Group]] = [
        (k, v, aic) for k, v in sources.config.items() if isinstance(v, dict)
    ]
    for key, value, group in tables:  # [cache.import] below a group: a table of its command
        command = group.commands.get(key)
        if command is None:
            known = set(group.commands)
            where = key if group is aic else f"{group.name}.{key}"
            raise ConfigError(
                f"{sources.config_path}: [{where}] names no command" + _suggest(key, known)
            )
        if isinstance(command, click.Group):
            tables += [(k, v, command) for k, v in value.items() if isinstance(v, dict)]
    nested = sources.nested_tables(name)
    if nested:
        raise ConfigError(
            f"{sources.config_path}: [{name}] {nested[0]} must be a value, not a table"
        )


def _warn_unknown_variables(ctx: click.Context, sources: Sources) -> None:
    """One warning per ``AIC_*`` name in ``.env`` that no command reads, with the nearest name
    (this command's first): a typo there (``AIC_START_MAX_TURN``) was silently ignored. Not an
    error, and not for the environment, which other programs share and may use the prefix in
    (the test harness's ``AIC_REQUIRE_TOOLS``, a compose file's ``AIC_WORKERS``)."""
    if not any(name.startswith(PREFIX) for name in sources.dotenv):
        return  # the usual case: no command tree walked at each start
    current, known = _variables()
    command = command_key(ctx)
    here = [
        name
        for option in ctx.command.params
        if isinstance(option, AicOption)
        for name in option.key(command).variables()
    ]
    for name in sources.dotenv:
        if name.startswith(PREFIX) and name not in known:
            close = _nearest(name, here) or _nearest(name, current)
            hint = f"; did you mean {close}?" if close else ""
            click.echo(f"warning: {name} in {ENV_FILE} is not an aiconv setting{hint}", err=True)


def _nearest(name: str, names: list[str]) -> str | None:
    """The name in ``names`` closest to ``name``, compared without the prefix they share (with
    it, ``AIC_NOTHING_LIKE_IT`` was near ``AIC_JOIN_QUIET``)."""
    cut = len(PREFIX)
    close = difflib.get_close_matches(name[cut:], [n[cut:] for n in names], n=1)
    return PREFIX + close[0] if close else None


@functools.cache
def _variables() -> tuple[list[str], frozenset[str]]:
    """Every command's current variable names, and those with the deprecated ones."""
    from aiconv.cli.main import aic  # here: the commands import this module

    current: set[str] = set(PROCESS_VARIABLES)
    deprecated: set[str] = set()
    commands: list[tuple[str, click.Command]] = [(n, c) for n, c in aic.commands.items()]
    for path, command in commands:
        if isinstance(command, click.Group):
            commands += [(f"{path}.{n}", c) for n, c in command.commands.items()]
        for option in command.params:
            if isinstance(option, AicOption):
                current.update(option.key(path).variables())
                deprecated.update(option.key(path).deprecated_variables())
    return sorted(current), frozenset(current | deprecated)


def _suggest(key: str, known: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; valid keys: {', '.join(sorted(known))}"
