"""The ``train`` family's hard negatives: healthy conversations that look repetitive."""

from __future__ import annotations

from aiconv.testing.corpus import train_learning, train_making, train_service
from aiconv.testing.corpus.draft import Template

TEMPLATES: tuple[Template, ...] = (
    train_learning.TEMPLATES + train_making.TEMPLATES + train_service.TEMPLATES
)
