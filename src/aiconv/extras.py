"""The optional extras of the aiconv distribution, and the one error for a missing one.

``pip install aiconv`` is the core: SQLite, the offline agents, the CLI. Every other part comes
with an extra declared in ``pyproject.toml`` (``pip install 'aiconv[redis]'``); ``EXTRAS`` says
which modules each one provides. A feature checks its extra at the edge, before any work starts
(``require_extra``: a one-line ``MissingExtra`` naming the ``pip install`` command); an import
that fails anyway (a plugin's module) is mapped to the same error (``missing_extra``). Nothing
here imports an optional module: ``importlib.util.find_spec`` only looks for it.
"""

from __future__ import annotations

import functools
import importlib.util

from aiconv.errors import MissingExtra

#: Each extra -> the modules it provides (what ``pyproject.toml`` installs for it).
EXTRAS: dict[str, tuple[str, ...]] = {
    "anthropic": ("anthropic", "httpx2"),
    "openai": ("openai", "httpx2"),
    "gemini": ("google.genai", "httpx2"),
    "redis": ("redis",),
    "web": ("fastapi", "fastapi_offline", "starlette", "uvicorn"),
    "otel": ("opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.http"),
    "voice": ("numpy", "pocketsphinx", "websockets"),
    "learning": ("sklearn", "scipy", "numpy"),
    "mcp": ("mcp",),
}


def pip_command(extra: str) -> str:
    """The command that installs ``extra``."""
    return f"pip install 'aiconv[{extra}]'"


@functools.cache
def is_installed(module: str) -> bool:
    """Whether ``module`` can be imported (found, not imported)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # a parent package is missing
        return False


def absent_module(extra: str) -> str | None:
    """The first module of ``extra`` that is not installed; None when the extra is complete."""
    return next((m for m in EXTRAS[extra] if not is_installed(m)), None)


def require_extra(extra: str, feature: str) -> None:
    """``MissingExtra`` (one line, the ``pip install`` command) when ``feature``'s extra is not
    installed; call it at the edge, before any work starts."""
    module = absent_module(extra)
    if module is not None:
        raise _missing(feature, extra, module)


def extra_of(module: str) -> str | None:
    """The extra that provides ``module`` (or its package), if one does: the first declared."""
    for extra, modules in EXTRAS.items():
        if any(
            module == m or module.startswith(m + ".") or m.startswith(module + ".") for m in modules
        ):
            return extra
    return None


def missing_extra(feature: str, error: ImportError, *, extra: str | None = None) -> MissingExtra:
    """The one-line error for ``feature``, whose import failed with ``error``; ``extra`` names
    the extra when the caller knows it (a module may come with several)."""
    module = error.name or "a module"
    extra = extra or extra_of(module)
    if extra is None:
        return MissingExtra(f"{feature} needs {module!r}, which is not installed")
    return _missing(feature, extra, module)


def _missing(feature: str, extra: str, module: str) -> MissingExtra:
    return MissingExtra(
        f"{feature} needs the {extra!r} extra ({module} is not installed): {pip_command(extra)}"
    )
