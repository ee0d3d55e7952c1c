"""``python -m aiconv.cli …`` is ``aic …`` (``python -m aiconv.cli start …`` is ``aic-start``)."""

from aiconv.cli.main import aic
from aiconv.cli.processes import die_with_parent
from aiconv.collector import tune_collector

die_with_parent()
tune_collector()
aic(prog_name="aic")
