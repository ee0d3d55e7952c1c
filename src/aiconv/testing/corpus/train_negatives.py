"""The ``train`` family's hard negatives (healthy conversations that look repetitive)."""

from __future__ import annotations

from aiconv.testing.corpus.draft import Template

TEMPLATES: tuple[Template, ...] = ()
