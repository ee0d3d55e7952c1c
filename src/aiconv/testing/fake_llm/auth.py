"""The fake server's key check: a request without an API key is refused as each vendor refuses
it, before its body is read (the vendors answer 401/403 to an unauthenticated request whatever
its body). Any non-blank key is accepted unless the server is given the keys it knows
(``FakeLLM(api_keys=…)``): then another key gets the vendor's answer to a wrong key (OpenAI
repeats it masked, Gemini answers 400 ``API_KEY_INVALID``).

Where the key travels (as the installed SDKs send it): Anthropic ``x-api-key`` or
``Authorization: Bearer`` (the SDK sends its ``api_key`` as a bearer token); OpenAI
``Authorization: Bearer``; Gemini ``x-goog-api-key`` or ``?key=`` (or an OAuth bearer token).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from aiconv.testing.fake_llm import anthropic_wire, gemini_wire
from aiconv.testing.fake_llm.wire import Api

#: The vendors' own words for a request without a key.
ANTHROPIC_MISSING = "x-api-key header is required"
OPENAI_MISSING = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with "
    "blank username) if you're accessing the API from your browser and are prompted for a "
    "username and password. You can obtain an API key from "
    "https://platform.openai.com/account/api-keys."
)
GEMINI_MISSING = (
    "Method doesn't allow unregistered callers (callers without established identity). Please "
    "use API Key or other form of API consumer identity to call this API."
)


@dataclass(frozen=True, slots=True)
class Refusal:
    """The vendor's answer to a request without a key (or with one it does not know)."""

    status: int
    body: dict[str, Any]


def refusal(
    api: Api,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    request_id: str,
    accepted: Collection[str] | None = None,
) -> Refusal | None:
    """The refusal of a request that carries no (or a blank) key, or, when ``accepted`` is
    given, a key not in it; else None."""
    key = _key(api, headers, query)
    if key is None:
        return _missing(api, request_id)
    if accepted is not None and key not in accepted:
        return _wrong(api, key, request_id)
    return None


def _key(api: Api, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    scheme, _, token = headers.get("authorization", "").strip().partition(" ")
    bearer = token if scheme.lower() == "bearer" else None
    places = {
        "anthropic": (headers.get("x-api-key"), bearer),
        "openai": (bearer,),
        "gemini": (headers.get("x-goog-api-key"), query.get("key"), bearer),
    }[api]
    return next((key.strip() for key in places if key is not None and key.strip()), None)


def _missing(api: Api, request_id: str) -> Refusal:
    if api == "anthropic":
        return Refusal(401, anthropic_wire.error(401, ANTHROPIC_MISSING, request_id))
    if api == "openai":  # a missing key has no code; a wrong one is "invalid_api_key"
        return Refusal(401, _openai(OPENAI_MISSING, code=None))
    return Refusal(403, gemini_wire.error(403, GEMINI_MISSING, request_id))


def _wrong(api: Api, key: str, request_id: str) -> Refusal:
    if api == "anthropic":
        return Refusal(401, anthropic_wire.error(401, "invalid x-api-key", request_id))
    if api == "openai":  # OpenAI shows the key masked: its start and its last four characters
        masked = f"{key[:3]}{'*' * max(len(key) - 7, 4)}{key[-4:]}" if len(key) > 8 else "****"
        message = (
            f"Incorrect API key provided: {masked}. You can find your API key at "
            "https://platform.openai.com/account/api-keys."
        )
        return Refusal(401, _openai(message, code="invalid_api_key"))
    body = gemini_wire.error(400, "API key not valid. Please pass a valid API key.", request_id)
    body["error"]["details"] = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
        }
    ]
    return Refusal(400, body)


def _openai(message: str, *, code: str | None) -> dict[str, Any]:
    return {
        "error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    }
