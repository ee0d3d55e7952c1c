"""The ``train`` family's hard positives (loops in settings that look like progress)."""

from __future__ import annotations

from aiconv.testing.corpus.draft import Template

TEMPLATES: tuple[Template, ...] = ()
