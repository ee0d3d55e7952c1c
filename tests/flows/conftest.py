"""Shared flow fixtures: the shipped example flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiconv.flows.file import load_flow
from aiconv.flows.model import Flow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "flows" / "agent-designer.toml"


@pytest.fixture
def designer() -> Flow:
    return load_flow(EXAMPLE)
