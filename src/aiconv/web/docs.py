"""Interactive API documentation at ``/api/docs``, served from this machine: Swagger UI's files
come from an installed package (``fastapi-offline`` ships them), never from a CDN, and the page
loads them under the same Content Security Policy as every other page (no inline script).

``/docs`` and ``/openapi.json``, where FastAPI applications usually serve them (and where a
client looking for "the OpenAPI document, with interactive docs" tries first), answer the same.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from aiconv.web import pages
from aiconv.web.openapi import openapi_document

SWAGGER_DIR = Path(fastapi_offline.__file__).parent / "static"


async def docs(request: Request) -> Response:
    """Swagger UI over ``/api/openapi.json``."""
    return pages.render(request, "docs.html")


async def openapi(request: Request) -> Response:
    """The OpenAPI document of ``/api/openapi.json``, at FastAPI's usual ``/openapi.json``."""
    app = request.app
    assert isinstance(app, FastAPI)
    return JSONResponse(openapi_document(app))


ROUTES = [
    Route("/api/docs", docs),
    Route("/docs", docs),
    Route("/openapi.json", openapi),
    Mount("/static/swagger", StaticFiles(directory=SWAGGER_DIR), name="swagger"),
]
