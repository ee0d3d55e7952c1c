"""The coverage of the report's pass^k interval, simulated: the README's figures.

For 5 and 40 cells, 1, 2, 4 and 8 repetitions, k = 1, 2 and n, and four ways cells differ (each
cell's success chance drawn from a Beta of a mean and a concentration, or all equal), it draws
``--suites`` suites and prints the share of 95 % intervals holding the suite's own mean of p^k
and the mean over the Beta the cells were drawn from, and the mean width. About a minute at the
default 2,000 suites:

    PYTHONPATH=src .venv/bin/python benchmarks/pass_hat_k_coverage.py --suites 2000
"""

from __future__ import annotations

import argparse
import random

from aiconv.simulation.stats import CellCount, pass_hat_k_point

#: (mean, concentration): None is every cell at the mean.
SPREADS: tuple[tuple[float, float | None], ...] = ((0.3, 10), (0.75, 2), (0.95, None), (0.9, 5))


def population_moment(mean: float, spread: float | None, k: int) -> float:
    """E[p^k] for p ~ Beta(mean · spread, (1 − mean) · spread), or mean^k."""
    if spread is None:
        return mean**k
    a, b = mean * spread, (1 - mean) * spread
    product = 1.0
    for i in range(k):
        product *= (a + i) / (a + b + i)
    return product


def coverage(
    cells: int, n: int, k: int, mean: float, spread: float | None, suites: int, rng: random.Random
) -> tuple[float, float, float]:
    """Shares holding the suite's mean and the population's, and the mean width."""
    suite = population = 0
    width = 0.0
    truth = population_moment(mean, spread, k)
    for _ in range(suites):
        chances = [
            mean if spread is None else rng.betavariate(mean * spread, (1 - mean) * spread)
            for _ in range(cells)
        ]
        counts = [
            CellCount(n=n, successes=sum(rng.random() < p for _ in range(n))) for p in chances
        ]
        ci = pass_hat_k_point(counts, k).ci95
        assert ci is not None
        suite += ci[0] <= sum(p**k for p in chances) / cells <= ci[1]
        population += ci[0] <= truth <= ci[1]
        width += ci[1] - ci[0]
    return suite / suites, population / suites, width / suites


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print("cells reps  k  mean spread | holds suite mean  holds population mean  width")
    for cells in (5, 40):
        for n in (1, 2, 4, 8):
            for k in sorted({1, 2, n} & set(range(1, n + 1))):
                for mean, spread in SPREADS:
                    held, pop, width = coverage(cells, n, k, mean, spread, args.suites, rng)
                    print(
                        f"{cells:5d} {n:4d} {k:2d} {mean:5.2f} {spread!s:>6} | "
                        f"{held:16.3f} {pop:22.3f} {width:6.3f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
