"""``python -m aiconv.testing.fake_llm --port N``: serve the fake LLM until interrupted.

Point the SDKs at it (``ANTHROPIC_BASE_URL=http://127.0.0.1:N``,
``OPENAI_BASE_URL=http://127.0.0.1:N/v1``, ``GEMINI_BASE_URL=http://127.0.0.1:N``) with any
non-empty keys. Inject faults with ``POST /_fake/faults`` (a JSON list of faults).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import uvicorn

from aiconv.testing.fake_llm.server import FakeLLM
from aiconv.testing.fake_llm.transport import bind


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and serve."""
    parser = argparse.ArgumentParser(prog="python -m aiconv.testing.fake_llm")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--end-after", type=int, default=3, help="own turns before <END>")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    fake = FakeLLM(
        host=args.host, port=args.port, end_after=args.end_after, log_level=args.log_level
    )
    sock = bind(args.host, args.port)
    server = uvicorn.Server(fake.config())
    print(f"fake LLM listening on http://{args.host}:{sock.getsockname()[1]}", flush=True)
    asyncio.run(server.serve(sockets=[sock]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
