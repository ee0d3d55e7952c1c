"""The remote vendors aiconv ships, declared through the ``aiconv.providers`` entry point.

Claude (``anthropic``), OpenAI (``openai``), Gemini (``gemini``), and the OpenAI-compatible
family sharing one adapter by base URL and key: Grok (``xai``), Perplexity (``perplexity``),
OpenRouter, local Ollama and any other compatible server (``compat`` + ``--base-url``).
Default models are current as of November 2026 (checked against the installed SDKs' model
literals and the vendors' documentation).

Structured replies (``ChatRequest.response_format``) use each vendor's native mechanism where
its API documents one (Anthropic forced tool use, OpenAI and Grok ``json_schema``, Gemini
``responseJsonSchema``); the compatible servers whose support is absent or depends on the model
behind them (Perplexity's own format, OpenRouter's routed models, Ollama, any ``compat`` server)
get a JSON instruction in the system prompt instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiconv.agents.registry import AgentSpec, Factory, Vendor
from aiconv.errors import ConfigError

# The adapters import their vendor SDK (over a second each, and only installed with the
# vendor's extra); they are imported only when an agent of that vendor is built, so offline
# runs and `aic --help` start fast and need none of them.
if TYPE_CHECKING:
    from aiconv.agents.providers.anthropic import AnthropicProvider
    from aiconv.agents.providers.gemini import GeminiProvider
    from aiconv.agents.providers.openai import MaxTokensField, OpenAIProvider, StructuredMode

OLLAMA_DEFAULT_URL = "http://localhost:11434/v1"


def _anthropic(spec: AgentSpec, key: str | None) -> AnthropicProvider:
    from aiconv.agents.providers.anthropic import AnthropicProvider

    return AnthropicProvider(api_key=key or "", model=spec.model, base_url=spec.base_url)


def _gemini(spec: AgentSpec, key: str | None) -> GeminiProvider:
    from aiconv.agents.providers.gemini import GeminiProvider

    return GeminiProvider(api_key=key or "", model=spec.model, base_url=spec.base_url)


def _compatible(
    name: str, field: MaxTokensField = "max_tokens", structured: StructuredMode = "instruction"
) -> Factory:
    """A factory for an OpenAI-compatible vendor called ``name`` (``structured``: how it is
    asked for a structured reply)."""

    def build(spec: AgentSpec, key: str | None) -> OpenAIProvider:
        from aiconv.agents.providers.openai import OpenAIProvider

        base_url = spec.base_url
        if name == "ollama":
            base_url = ollama_url(base_url or OLLAMA_DEFAULT_URL)
        if name == "compat" and not base_url:
            raise ConfigError(
                f"agent {spec.agent_id!r} needs a server: pass --base-url "
                "(e.g. http://localhost:8000/v1 for vLLM)"
            )
        return OpenAIProvider(
            api_key=key,
            model=spec.model,
            base_url=base_url,
            name=name,
            max_tokens_field=field,
            structured=structured,
        )

    return build


def ollama_url(value: str) -> str:
    """``OLLAMA_HOST`` forms (``host:port``, ``http://host:port``) -> the ``/v1`` API URL."""
    text = value.strip().rstrip("/")
    if "://" not in text:
        text = f"http://{text}"
    if not urlsplit(text).path.endswith("/v1"):
        text += "/v1"
    return text


REMOTE_VENDORS = (
    Vendor(
        name="anthropic",
        aliases=("claude",),
        default_model="claude-sonnet-5-5",
        factory=_anthropic,
        key_env=("ANTHROPIC_API_KEY",),
        base_url_env=("ANTHROPIC_BASE_URL",),
        tools=True,
        extra="anthropic",
        description="Anthropic Claude (Messages API)",
    ),
    Vendor(
        name="openai",
        aliases=("gpt", "chatgpt"),
        default_model="gpt-6.2-sol",
        factory=_compatible("openai", "max_completion_tokens", "json_schema"),
        key_env=("OPENAI_API_KEY",),
        base_url_env=("OPENAI_BASE_URL",),
        tools=True,
        extra="openai",
        description="OpenAI GPT (Chat Completions)",
    ),
    Vendor(
        name="gemini",
        aliases=("google",),
        default_model="gemini-3.8-flash",
        factory=_gemini,
        key_env=("GEMINI_API_KEY", "GOOGLE_API_KEY"),
        base_url_env=("GEMINI_BASE_URL", "GOOGLE_GEMINI_BASE_URL"),
        tools=True,
        extra="gemini",
        description="Google Gemini (google-genai)",
    ),
    Vendor(
        name="xai",
        aliases=("grok",),
        default_model="grok-4.3",
        factory=_compatible("xai", "max_completion_tokens", "json_schema"),
        key_env=("XAI_API_KEY",),
        base_url_env=("XAI_BASE_URL",),
        default_base_url="https://api.x.ai/v1",
        tools=True,
        extra="openai",
        description="xAI Grok (OpenAI-compatible)",
    ),
    Vendor(
        name="perplexity",
        aliases=("sonar",),
        default_model="sonar",
        factory=_compatible("perplexity"),
        key_env=("PERPLEXITY_API_KEY",),
        base_url_env=("PERPLEXITY_BASE_URL",),
        default_base_url="https://api.perplexity.ai",
        tools=False,  # Sonar answers from the web; its API takes no tools
        extra="openai",
        description="Perplexity Sonar (OpenAI-compatible, web-grounded)",
    ),
    Vendor(
        name="openrouter",
        aliases=(),
        default_model="openrouter/auto",
        factory=_compatible("openrouter"),
        key_env=("OPENROUTER_API_KEY",),
        default_base_url="https://openrouter.ai/api/v1",
        tools=True,
        extra="openai",
        description="OpenRouter gateway (OpenAI-compatible)",
    ),
    Vendor(
        name="ollama",
        aliases=(),
        default_model="llama3.2",
        factory=_compatible("ollama"),
        base_url_env=("OLLAMA_BASE_URL", "OLLAMA_HOST"),
        default_base_url=OLLAMA_DEFAULT_URL,
        tools=True,
        extra="openai",
        description="local Ollama server, no key (OpenAI-compatible)",
    ),
    Vendor(
        name="compat",
        aliases=("openai-compatible",),
        default_model="default",
        factory=_compatible("compat"),
        tools=True,
        extra="openai",
        description="any OpenAI-compatible server (vLLM, LM Studio …): compat:MODEL --base-url URL",
    ),
)
