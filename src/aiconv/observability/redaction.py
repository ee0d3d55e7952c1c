"""Secret scrubbing for text that leaves the process: key formats and URL credentials.

Used by the log processor, by error messages that show URLs, and by the conductor before a
vendor's error text is stored in an event (vendor errors sometimes echo the key back).
"""

from __future__ import annotations

import re

REDACTED = "[REDACTED]"

#: Key formats of the vendors we ship, bearer tokens, and the user information of URLs (a
#: ``user:password@``, and a lone ``token@`` too: a user name alone is often the secret).
KEY_PATTERNS = (
    r"sk-ant-[A-Za-z0-9_\-]{8,}",
    r"sk-[A-Za-z0-9_\-]{16,}",
    r"AIza[0-9A-Za-z_\-]{30,}",
    r"xai-[A-Za-z0-9_\-]{16,}",
    r"pplx-[A-Za-z0-9_\-]{16,}",
    r"(?i:bearer)\s+[A-Za-z0-9._~+/\-]{16,}=*",
    r"(?<=://)[^/@\s]+(?=@)",
    r"(?i:(?<=[?&])(?:api[_-]?key|key|token|password)=)[^&\s]+",
)
_PATTERN = re.compile("|".join(KEY_PATTERNS))
#: The credentials of URLs alone, for text a person wrote (a path or a scenario name may look
#: like a key: ``risk-assessment-scenario`` holds ``sk-…``): the user information, and the
#: value of a credential query parameter, whose name is kept; a quote ends either.
_URL_USER = re.compile(r"(?<=://)[^/@\s'\"]+(?=@)")
_URL_QUERY = re.compile(r"(?i)([?&](?:api[_-]?key|key|token|password)=)[^&\s'\"]+")


def scrub(text: str) -> str:
    """``text`` with every key-shaped string and URL credential replaced."""
    return _PATTERN.sub(REDACTED, text)


def scrub_urls(text: str) -> str:
    """``text`` with the user information and credential query values of URLs in it replaced,
    and nothing else."""
    return _URL_QUERY.sub(rf"\g<1>{REDACTED}", _URL_USER.sub(REDACTED, text))


def redact_url(url: str) -> str:
    """``url`` safe to print: its user information and credential query values replaced."""
    return scrub(url)


def has_credentials(url: str) -> bool:
    """Whether ``url`` carries user information (``user:password@``, ``token@``) or a
    credential query parameter."""
    return scrub(url) != url
