"""``python -m aiconv.cli …`` is ``aic …`` (``python -m aiconv.cli start …`` is ``aic-start``)."""

from aiconv.cli.main import aic

aic(prog_name="aic")
