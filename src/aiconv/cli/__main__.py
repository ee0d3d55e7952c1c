"""``python -m aiconv.cli …`` is ``aic …`` (``python -m aiconv.cli start …`` is ``aic-start``);
a Ctrl+C while it is still importing ends it with 130 and no traceback, as ``aic`` does."""

from aiconv.console import run_module

run_module()
