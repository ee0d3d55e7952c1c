"""A read-only web view of the log: conversations, live transcripts, simulation runs, a JSON API.

``create_app(log_url or log)`` builds the Starlette app; ``aic serve`` runs it under uvicorn.
It reads the log through the ``ConversationLog`` port and the platform's folds and projections,
and never appends.
"""

from aiconv.web.app import create_app

__all__ = ["create_app"]
