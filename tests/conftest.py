"""Suite-wide checks.

``make test`` (and so CI) sets ``AIC_REQUIRE_TOOLS=1``: then a missing ``redis-server``,
``prometheus``, ``chromium`` or ``espeak-ng`` fails the run at once instead of letting the tests
that need them skip, so a green run always means the real servers, the real browser and real
speech synthesis were exercised.
"""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import settings

# No per-example deadline: hypothesis's default (200 ms) fails an example that a loaded CI box
# ran slowly (an event loop and a tool call per example here), which says nothing about the
# property; every test still has its pytest-timeout.
settings.register_profile("aiconv", deadline=None)
settings.load_profile("aiconv")

REQUIRED_TOOLS = ("redis-server", "prometheus", "promtool", "chromium", "espeak-ng")


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("AIC_REQUIRE_TOOLS") != "1":
        return
    missing = [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if missing:
        raise pytest.UsageError(
            f"AIC_REQUIRE_TOOLS=1 but {', '.join(missing)} not found: run "
            "scripts/ensure-system-packages.sh (make test does)"
        )
