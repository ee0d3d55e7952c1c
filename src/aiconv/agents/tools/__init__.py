"""Tool sources: typed Python functions (``python``) and MCP servers (``mcp``)."""

from aiconv.agents.tools.python import tool

__all__ = ["tool"]
