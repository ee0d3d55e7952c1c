"""``python -m aiconv.cli …`` is ``aic …`` (``python -m aiconv.cli start …`` is ``aic-start``)."""

from aiconv.cli.main import aic
from aiconv.collector import tune_collector

tune_collector()
aic(prog_name="aic")
