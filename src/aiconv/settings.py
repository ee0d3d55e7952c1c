"""Settings: the only module that reads the environment (``AIC_*``, vendor keys, ``.env``).

Parsed once at the edge (the CLI) and passed down as values; nothing else calls ``os.environ``.
Command-line flags override these (click reads ``AIC_<OPTION>`` for every flag itself).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from dotenv import dotenv_values
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

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


def default_db_path() -> Path:
    """The default SQLite log: ``conversations.db`` in the user data directory."""
    return Path(platformdirs.user_data_dir("aiconv", appauthor=False)) / "conversations.db"


class Settings(BaseSettings):
    """Process-wide settings from ``AIC_*`` variables and ``.env``."""

    model_config = SettingsConfigDict(env_prefix="AIC_", env_file=".env", extra="ignore")

    log_url: str | None = None
    db: Path | None = None
    log_level: str = "info"
    log_format: str | None = None
    rpm: float | None = None
    tpm: float | None = None
    #: Turns on ``aic serve``'s write API (the human seat over HTTP); never logged or shown.
    api_token: SecretStr | None = None

    def default_log_url(self) -> str:
        """``--log-url`` if set, else ``--db``, else the SQLite file in the data directory."""
        if self.log_url:
            return self.log_url
        return f"sqlite:///{(self.db or default_db_path())}"


def provider_env(env_file: Path | None = Path(".env")) -> dict[str, str]:
    """Vendor keys and base URLs from the environment, falling back to ``.env``."""
    found: dict[str, str] = {}
    file_values = dotenv_values(env_file) if env_file is not None and env_file.is_file() else {}
    for name in PROVIDER_VARIABLES:
        value = os.environ.get(name) or file_values.get(name)
        if value:
            found[name] = value
    return found


def secret_values(env: dict[str, str]) -> list[str]:
    """The values in ``env`` that are secrets (keys), for redaction."""
    return [value for name, value in env.items() if name.endswith("_API_KEY") and value]


def otel_env() -> dict[str, str]:
    """The standard OpenTelemetry variables (``OTEL_*``), for tracing set-up."""
    return {name: value for name, value in os.environ.items() if name.startswith("OTEL_")}


def inherited_environment(
    drop: tuple[str, ...] = (), drop_prefix: str | None = None
) -> dict[str, str]:
    """A copy of this process's environment without ``drop`` (and names starting with
    ``drop_prefix``), for starting subprocesses."""
    return {
        name: value
        for name, value in os.environ.items()
        if name not in drop and not (drop_prefix and name.startswith(drop_prefix))
    }
