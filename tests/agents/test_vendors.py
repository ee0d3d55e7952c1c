"""Remote vendors in the registry: aliases, vendor:model ids, keys, base URLs."""

from __future__ import annotations

import pytest

from aiconv.agents.catalog import default_registry
from aiconv.agents.providers.anthropic import AnthropicProvider
from aiconv.agents.providers.gemini import GeminiProvider
from aiconv.agents.providers.openai import OpenAIProvider
from aiconv.agents.vendors import ollama_url
from aiconv.errors import ConfigError, MissingApiKey

KEYS = {
    "ANTHROPIC_API_KEY": "a-key",
    "OPENAI_API_KEY": "o-key",
    "GOOGLE_API_KEY": "g-key",
    "XAI_API_KEY": "x-key",
    "PERPLEXITY_API_KEY": "p-key",
}


@pytest.mark.parametrize(
    ("alias", "vendor", "model"),
    [
        ("claude", "anthropic", "claude-sonnet-5-5"),
        ("anthropic", "anthropic", "claude-sonnet-5-5"),
        ("gpt", "openai", "gpt-6.2-sol"),
        ("chatgpt", "openai", "gpt-6.2-sol"),
        ("openai", "openai", "gpt-6.2-sol"),
        ("gemini", "gemini", "gemini-3.8-flash"),
        ("google", "gemini", "gemini-3.8-flash"),
        ("grok", "xai", "grok-4.3"),
        ("xai", "xai", "grok-4.3"),
        ("perplexity", "perplexity", "sonar"),
        ("sonar", "perplexity", "sonar"),
        ("ollama", "ollama", "llama3.2"),
    ],
)
def test_aliases_resolve_to_vendor_and_default_model(alias: str, vendor: str, model: str) -> None:
    spec = default_registry().resolve(alias)
    assert (spec.vendor, spec.model) == (vendor, model)


def test_vendor_model_ids_and_model_flags_choose_the_model() -> None:
    registry = default_registry()
    assert registry.resolve("anthropic:claude-opus-5-5").model == "claude-opus-5-5"
    assert registry.resolve("ollama:llama3.2").model == "llama3.2"
    assert registry.resolve("gpt", model="gpt-6.2-astra").model == "gpt-6.2-astra"


@pytest.mark.parametrize(
    ("alias", "variable"),
    [
        ("claude", "ANTHROPIC_API_KEY"),
        ("gpt", "OPENAI_API_KEY"),
        ("gemini", "GEMINI_API_KEY or GOOGLE_API_KEY"),
        ("grok", "XAI_API_KEY"),
        ("perplexity", "PERPLEXITY_API_KEY"),
    ],
)
def test_a_missing_key_names_the_variable_to_set(alias: str, variable: str) -> None:
    registry = default_registry()
    with pytest.raises(MissingApiKey, match=variable):
        registry.build(registry.resolve(alias), {})


def test_ollama_needs_no_key_and_defaults_to_the_local_server() -> None:
    registry = default_registry()
    provider = registry.build(registry.resolve("ollama"), {})
    assert isinstance(provider, OpenAIProvider)
    assert str(provider._client.base_url).rstrip("/") == "http://localhost:11434/v1"


def test_ollama_host_forms_become_the_v1_api_url() -> None:
    assert ollama_url("localhost:11434") == "http://localhost:11434/v1"
    assert ollama_url("http://gpu-box:11434/") == "http://gpu-box:11434/v1"
    assert ollama_url("http://gpu-box:11434/v1") == "http://gpu-box:11434/v1"


@pytest.mark.parametrize(
    ("alias", "cls", "name"),
    [
        ("claude", AnthropicProvider, "anthropic"),
        ("gpt", OpenAIProvider, "openai"),
        ("gemini", GeminiProvider, "gemini"),
        ("grok", OpenAIProvider, "xai"),
        ("perplexity", OpenAIProvider, "perplexity"),
    ],
)
def test_build_makes_the_adapter_named_after_its_vendor(alias: str, cls: type, name: str) -> None:
    registry = default_registry()
    provider = registry.build(registry.resolve(alias), KEYS)
    assert isinstance(provider, cls)
    assert provider.name == name


def test_base_url_flag_overrides_the_variable_which_overrides_the_default() -> None:
    registry = default_registry()
    env = KEYS | {"XAI_BASE_URL": "http://gateway.local/xai/v1"}
    by_default = registry.build(registry.resolve("grok"), KEYS)
    by_variable = registry.build(registry.resolve("grok"), env)
    by_flag = registry.build(registry.resolve("grok", base_url="http://127.0.0.1:9/v1"), env)
    assert isinstance(by_default, OpenAIProvider)
    assert isinstance(by_variable, OpenAIProvider)
    assert isinstance(by_flag, OpenAIProvider)
    assert str(by_default._client.base_url).startswith("https://api.x.ai/v1")
    assert str(by_variable._client.base_url).startswith("http://gateway.local/xai/v1")
    assert str(by_flag._client.base_url).startswith("http://127.0.0.1:9/v1")


def test_a_compatible_server_needs_a_base_url() -> None:
    registry = default_registry()
    with pytest.raises(ConfigError, match="--base-url"):
        registry.build(registry.resolve("compat:qwen3"), {})
    provider = registry.build(registry.resolve("compat:qwen3", base_url="http://h:8000/v1"), {})
    assert provider.model == "qwen3"
