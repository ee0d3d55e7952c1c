"""A real MCP server for tests and demos, written with the official SDK: a tiny bank.

``python -m aiconv.testing.mcp_bank stdio --ledger FILE`` serves over stdin/stdout;
``python -m aiconv.testing.mcp_bank http --port N --ledger FILE`` over streamable HTTP at
``/mcp`` (``sse`` instead of ``http``: the older HTTP+SSE transport at ``/sse``). Every side effect
is appended to the ledger file (one JSON line each), so a test can count how often an effect really
happened. ``transfer`` is annotated idempotent and deduplicates by the ``aiconv/idempotency_key``
the client sends in ``_meta``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

BALANCES = {"acc-1": 1288.65, "acc-2": 40.0}


def build(ledger: Path) -> MCPServer:
    """The server, writing its side effects to ``ledger``."""
    server: MCPServer = MCPServer("aiconv-test-bank")

    def record(entry: dict[str, Any]) -> None:
        with ledger.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")

    def entries() -> list[dict[str, Any]]:
        if not ledger.exists():
            return []
        return [json.loads(line) for line in ledger.read_text().splitlines() if line]

    @server.tool(annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True))
    def get_balance(account_id: str) -> dict[str, Any]:
        """The current balance of an account."""
        if account_id not in BALANCES:
            raise ToolError(f"no account {account_id}")
        return {"account_id": account_id, "balance": BALANCES[account_id], "currency": "USD"}

    @server.tool()
    def block_card(card_id: str, reason: str) -> str:
        """Block a card at once (not idempotent: every call is a new block request)."""
        record({"effect": "block_card", "card_id": card_id, "reason": reason})
        return f"card {card_id} blocked"

    @server.tool(annotations=ToolAnnotations(idempotent_hint=True))
    def transfer(from_account: str, to_account: str, amount: float, ctx: Context) -> str:
        """Move money between accounts; a repeated idempotency key is a no-op."""
        meta = ctx.request_context.meta or {}
        key = str(meta.get("aiconv/idempotency_key", ""))
        if key and any(e.get("key") == key for e in entries()):
            return f"transfer {key} already done"
        record({"effect": "transfer", "key": key, "amount": amount, "to": to_account})
        return f"moved {amount:.2f} from {from_account} to {to_account}"

    return server


def main() -> None:
    """Serve over stdio or streamable HTTP."""
    parser = argparse.ArgumentParser(prog="python -m aiconv.testing.mcp_bank")
    parser.add_argument("transport", choices=["stdio", "http", "sse"])
    parser.add_argument("--ledger", type=Path, required=True)
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    server = build(args.ledger)
    if args.transport == "stdio":
        server.run("stdio")
    elif args.transport == "sse":  # the older HTTP+SSE transport, at /sse
        server.run("sse", host="127.0.0.1", port=args.port)
    else:
        server.run("streamable-http", host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
