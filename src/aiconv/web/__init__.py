"""The web view of the log: conversations, live transcripts, simulation runs, a JSON API, and,
with a token configured, a write API through which a person talks to an agent (the human seat).

``create_app(log_url or log)`` builds the app; ``aic serve`` runs it under uvicorn. It reads the
log through the ``ConversationLog`` port and the platform's folds and projections; only the write
API (``talk.py``) appends, through the conductor, like any participant.
"""

from aiconv.web.app import create_app

__all__ = ["create_app"]
