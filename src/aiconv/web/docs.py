"""Interactive API documentation at ``/api/docs``, served from this machine: Swagger UI's files
come from an installed package (``fastapi-offline`` ships them), never from a CDN, and the page
loads them under the same Content Security Policy as every other page (no inline script).
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from aiconv.web import pages

SWAGGER_DIR = Path(fastapi_offline.__file__).parent / "static"


async def docs(request: Request) -> Response:
    """Swagger UI over ``/api/openapi.json``."""
    return pages.render(request, "docs.html")


ROUTES = [
    Route("/api/docs", docs),
    Mount("/static/swagger", StaticFiles(directory=SWAGGER_DIR), name="swagger"),
]
