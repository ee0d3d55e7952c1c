"""Settings: the only module that reads the environment, ``.env`` and the config file.

One loader for every command. Layers, lowest first::

    built-in defaults < config file < .env < environment < flags

``Sources`` holds the three middle layers and answers ``lookup(key)`` for one option of one
command; the CLI turns the answers into click's ``default_map``, so that flags win and each
command's own defaults come last. The config file is ``aiconv.toml`` in the working directory,
or ``--config PATH`` / ``AIC_CONFIG``; ``.env`` is read from the working directory.

Names (``OptionKey``): an option ``--max-turns`` of command ``start`` is ``AIC_START_MAX_TURNS``
(``max_turns`` in the config file's ``[start]`` table). Options that every command shares
(``SHARED_OPTIONS``: the log, logging and metrics) are ``AIC_LOG_URL`` … and top-level keys of
the config file; ``AIC_WORKER_LOG_URL`` (or ``[worker] log_url``) overrides them for one
command. The flat ``AIC_<OPTION>`` names of command options are deprecated spellings that still
work (with a warning). An ``AIC_*`` variable set to the empty string is refused where it is
read, as an empty flag is (it was taken as unset, and the default the user meant to change
went ahead); other empty variables (vendor keys, ``OTEL_*``) count as unset. Nothing else calls
``os.environ``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
from dotenv import dotenv_values
from pydantic import SecretStr

from aiconv import user_files
from aiconv.errors import ConfigError
from aiconv.validation import POSITIVE, check_typed_number, parse_number

#: Vendor variables passed to the provider registry (keys and base URLs), never logged.
PROVIDER_VARIABLES = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GEMINI_BASE_URL",
    "GOOGLE_GEMINI_BASE_URL",
    "XAI_API_KEY",
    "XAI_BASE_URL",
    "PERPLEXITY_API_KEY",
    "PERPLEXITY_BASE_URL",
    "OLLAMA_HOST",
    "OLLAMA_BASE_URL",
    "OPENROUTER_API_KEY",
)

#: Options every command that has them reads under one global name (``AIC_LOG_URL``).
SHARED_OPTIONS = frozenset(
    {"log_url", "db", "redis_prefix", "log_level", "log_format", "metrics_port", "metrics_host"}
)
#: Process-wide settings without a flag: client-side rate limits per provider.
PROCESS_SETTINGS = ("rpm", "tpm")
#: The prefix of aiconv's own variables.
PREFIX = "AIC_"
CONFIG_VARIABLE = "AIC_CONFIG"
#: A secret: read from the environment or ``.env`` only, never from the config file.
API_TOKEN_VARIABLE = "AIC_API_TOKEN"
#: The variables no option has (every option's names come from ``OptionKey``).
PROCESS_VARIABLES = (
    CONFIG_VARIABLE,
    API_TOKEN_VARIABLE,
    *(f"AIC_{name.upper()}" for name in PROCESS_SETTINGS),
)
CONFIG_FILE = "aiconv.toml"
ENV_FILE = ".env"


def default_db_path() -> Path:
    """The default SQLite log: ``conversations.db`` in the user data directory."""
    return Path(platformdirs.user_data_dir("aiconv", appauthor=False)) / "conversations.db"


@dataclass(frozen=True, slots=True, kw_only=True)
class OptionKey:
    """Where one option of one command is looked up.

    ``name`` is the long flag in snake case (``max_turns`` for ``--max-turns``). An option that
    is not ``configurable`` (``--json``: a script must get the output it asked for) is read
    only from its ``old_names``, with a deprecation warning.
    """

    command: str
    name: str
    configurable: bool = True
    old_names: tuple[str, ...] = ()

    @property
    def shared(self) -> bool:
        """Whether the option has a global name (``AIC_LOG_URL``)."""
        return self.name in SHARED_OPTIONS

    def variables(self) -> tuple[str, ...]:
        """The current variable names, most specific first."""
        if not self.configurable:
            return ()
        scoped = f"AIC_{self.command}_{self.name}".upper().replace("-", "_").replace(".", "_")
        return (scoped, f"AIC_{self.name}".upper()) if self.shared else (scoped,)

    def deprecated_variables(self) -> tuple[str, ...]:
        """Old spellings that still work: explicit ones, and the flat ``AIC_<OPTION>``."""
        flat = () if self.shared or not self.configurable else (f"AIC_{self.name}".upper(),)
        return (*self.old_names, *flat)


@dataclass(frozen=True, slots=True, kw_only=True)
class Found:
    """A value from one layer, where it came from, and a deprecation notice if any."""

    value: object
    origin: str
    #: The directory relative paths in the value are relative to (the config file's).
    base_dir: Path | None = None
    deprecated: str | None = None
    #: The layer's height: the config file 1, ``.env`` 2, the environment 3.
    rank: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Process-wide settings that no flag carries: third-party variables. (The rate limits
    are read by the commands that call a provider, ``Sources.rate_limits``.)"""

    #: Vendor keys and base URLs (``PROVIDER_VARIABLES``), for the provider registry.
    vendor_env: Mapping[str, str] = field(default_factory=dict)
    #: The standard OpenTelemetry variables (``OTEL_*``), for tracing.
    otel_env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimits:
    """Client-side rate limits per provider: requests and tokens a minute (None: no limit)."""

    rpm: float | None = None
    tpm: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Sources:
    """The config file, ``.env`` and the environment, read once."""

    environ: Mapping[str, str]
    dotenv: Mapping[str, str] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    config_path: Path | None = None

    @classmethod
    def load(cls, config: Path | None = None, *, cwd: Path | None = None) -> Sources:
        """Read ``.env`` and the config file (``config``, else ``AIC_CONFIG``, else
        ``aiconv.toml`` if present) from ``cwd``; ConfigError for a missing or bad file."""
        cwd = cwd or Path.cwd()
        environ = {k: v for k, v in os.environ.items() if v != "" or k.startswith(PREFIX)}
        dotenv = _read_dotenv(cwd / ENV_FILE)
        found = _variable(environ, dotenv, CONFIG_VARIABLE)
        named = config or _path_from(found[0] if found else None)
        path = cwd / (named if named is not None else CONFIG_FILE)
        if named is None and not path.is_file():
            return cls(environ=environ, dotenv=dotenv)
        return cls(environ=environ, dotenv=dotenv, config=read_config(path), config_path=path)

    @property
    def has_warned(self) -> bool:
        """Whether a parent process has shown this command's warnings about these layers
        already (``WARNED_VARIABLE``: a child of ``--processes N``)."""
        return self.environ.get(WARNED_VARIABLE) == "1"

    def lookup(self, key: OptionKey) -> Found | None:
        """The value of ``key`` from the highest layer that has it (environment, ``.env``,
        config file); within a layer the current names win over the deprecated ones."""
        layers = (("the environment", self.environ, 3), (ENV_FILE, self.dotenv, 2))
        for layer, values, rank in layers:
            for name in key.variables():
                if name in values:
                    value = _text(_given(values, name, layer), name)
                    return Found(value=value, origin=f"{name} in {layer}", rank=rank)
            for name in key.deprecated_variables():
                if name in values:
                    notice = f"{name} is deprecated" + _instead(key)
                    value = _given(values, name, layer)
                    origin = f"{name} in {layer}"
                    return Found(value=value, origin=origin, deprecated=notice, rank=rank)
        return self._from_config(key) if key.configurable else None

    def _from_config(self, key: OptionKey) -> Found | None:
        table = self.config_table(key.command)
        where = [(table, f"[{key.command}] ")]
        if key.shared:
            where.append((self.config, ""))
        for values, prefix in where:
            for spelling in (key.name, key.name.replace("_", "-")):
                if spelling in values and not isinstance(values[spelling], dict):
                    assert self.config_path is not None
                    return Found(
                        value=values[spelling],
                        origin=f"{self.config_path.name} {prefix}{spelling}",
                        base_dir=self.config_path.parent,
                    )
        return None

    def config_table(self, command: str) -> Mapping[str, Any]:
        """The ``[command]`` table of the config file (``[cache.import]`` for a subcommand;
        empty when there is none). Its own subcommands' tables are not keys of it."""
        table: Any = self.config
        for part in command.split("."):
            table = table.get(part, {}) if isinstance(table, dict) else {}
        if not isinstance(table, dict):
            raise ConfigError(f"{self.config_path}: {command} must be a table ([{command}])")
        return {k: v for k, v in table.items() if not isinstance(v, dict)}

    def nested_tables(self, command: str) -> list[str]:
        """The keys of the ``[command]`` table that hold a table (``[start.sub]``,
        ``agent1 = {…}``): a command's options are values, so each is a mistake."""
        table: Any = self.config
        for part in command.split("."):
            table = table.get(part, {}) if isinstance(table, dict) else {}
        if not isinstance(table, dict):
            return []
        return [k for k, v in table.items() if isinstance(v, dict)]

    def unknown_top_level(self, commands: frozenset[str]) -> list[str]:
        """Top-level keys of the config file that are neither a shared option, a process
        setting nor a table (tables are checked by the command they belong to)."""
        known = {*SHARED_OPTIONS, *PROCESS_SETTINGS}
        return [
            k
            for k, v in self.config.items()
            if k.replace("-", "_") not in known and not (isinstance(v, dict) or k in commands)
        ]

    def settings(self) -> Settings:
        """The process-wide settings (vendor and OpenTelemetry variables)."""
        merged = {k: v for k, v in {**self.dotenv, **self.environ}.items() if v != ""}
        return Settings(
            vendor_env={n: merged[n] for n in PROVIDER_VARIABLES if merged.get(n)},
            otel_env={n: v for n, v in merged.items() if n.startswith("OTEL_")},
        )

    def api_token(self) -> SecretStr | None:
        """``AIC_API_TOKEN``, which turns on ``aic serve``'s write API (the human seat over
        HTTP); never logged or shown. Read by ``aic serve`` alone, so only it refuses an empty
        one (other commands stopped on a variable they never use)."""
        found = _variable(self.environ, self.dotenv, API_TOKEN_VARIABLE)
        return SecretStr(found[0]) if found else None

    def rate_limits(self) -> RateLimits:
        """The client-side rate limits per provider (``AIC_RPM``, ``AIC_TPM``, ``rpm`` and
        ``tpm`` in the config file); ConfigError for an empty or bad one. Read by the commands
        that call a provider alone: every other command (``aic ls``) stopped on one."""
        return RateLimits(rpm=self._rate("rpm"), tpm=self._rate("tpm"))

    def _rate(self, name: str) -> float | None:
        variable = f"AIC_{name.upper()}"
        found = _variable(self.environ, self.dotenv, variable)
        if found is not None:
            value, layer = found
            return _positive(value, f"{variable} in {layer}")
        if name in self.config:
            return _positive(self.config[name], f"{self.config_path} {name}", typed=True)
        return None


def _instead(key: OptionKey) -> str:
    variables = key.variables()
    if variables:
        return f"; use {variables[0]}"
    return f"; pass --{key.name.replace('_', '-')} on the command line"


def _path_from(value: str | None) -> Path | None:
    return Path(value) if value else None


def _variable(
    environ: Mapping[str, str], dotenv: Mapping[str, str], name: str
) -> tuple[str, str] | None:
    """Variable ``name`` and where it was set: the environment, else ``.env``; ConfigError
    when it is set but empty."""
    for layer, values in (("the environment", environ), (ENV_FILE, dotenv)):
        if name in values:
            return _given(values, name, layer), layer
    return None


def _given(values: Mapping[str, str], name: str, layer: str) -> str:
    """The value of variable ``name`` in ``layer``; ConfigError when it is set but empty."""
    value = values[name]
    if value == "":
        raise ConfigError(f"{name} in {layer} is empty: give a value or unset it")
    return value


def _read_dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        values = dotenv_values(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    # ``AIC_X=`` is kept to be refused where it is read; ``KEY`` with no ``=`` is not set
    return {k: v for k, v in values.items() if v is not None and (v or k.startswith(PREFIX))}


def read_config(path: Path) -> dict[str, Any]:
    """The config file as a table; ConfigError naming the file (and line) when it is bad."""
    try:
        return tomllib.loads(user_files.read_text(path))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"config file {path} is a directory; give a TOML file") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    except RecursionError:  # tomllib recurses per level of nesting
        raise ConfigError(f"config file {path} is not valid TOML: nested too deeply") from None


def _positive(value: object, origin: str, *, typed: bool = False) -> float:
    """``value`` as a number greater than 0; ``typed``: from the config file, where text
    (``rpm = "60"``) is refused, as the options' own values are."""
    try:
        if typed:
            check_typed_number(value)
        return float(parse_number(value, POSITIVE))
    except ValueError as exc:
        raise ConfigError(f"{origin} {exc}") from exc


def load_settings() -> Settings:
    """The process-wide settings of the working directory (for the Python API)."""
    return Sources.load().settings()


def provider_env() -> dict[str, str]:
    """Vendor keys and base URLs from the environment, falling back to ``.env``."""
    return dict(load_settings().vendor_env)


def secret_values(env: Mapping[str, str]) -> list[str]:
    """The values in ``env`` that are secrets (keys), for redaction."""
    return [value for name, value in env.items() if name.endswith("_API_KEY") and value]


def inherited_environment(
    drop: tuple[str, ...] = (), drop_prefix: str | None = None
) -> dict[str, str]:
    """A copy of this process's environment without ``drop`` (and names starting with
    ``drop_prefix``), for starting subprocesses; never ``WARNED_VARIABLE``, which is for the
    children of one parent alone (an ``aic`` a child starts warns of its settings itself)."""
    return {
        name: value
        for name, value in os.environ.items()
        if name not in (*drop, WARNED_VARIABLE)
        and not (drop_prefix and name.startswith(drop_prefix))
    }


#: Set for its children by a parent of ``--processes N``: the process id they must not outlive.
PARENT_VARIABLE = "AICONV_PARENT_PID"
#: Set for its children by a parent of ``--processes N``, which has shown the warnings about the
#: settings layers (a name in ``.env`` that is no setting, a deprecated name) that each child,
#: loading the same layers, would show again.
WARNED_VARIABLE = "AICONV_SETTINGS_WARNED"


def take_parent_pid() -> int | None:
    """The parent process id a ``--processes N`` parent gave this child, removed from the
    environment (so a process this child starts is not taken for one); None elsewhere."""
    value = os.environ.pop(PARENT_VARIABLE, "")
    return int(value) if value.isascii() and value.isdigit() else None


def _text(value: str, name: str) -> str:
    """``value`` of variable ``name``; ConfigError when its bytes are not UTF-8 (they reach
    Python as lone surrogates, which no log, JSON document or terminal can take)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(f"{name} is not valid UTF-8") from None
    return value
