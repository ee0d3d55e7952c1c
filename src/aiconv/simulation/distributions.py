"""The few distribution functions the report's statistics need, in pure Python (no SciPy at run
time): the regularized incomplete beta function, Beta and Student-t quantiles, and the binomial
tail at one half. Accurate to about 1e-10; the tests check them against SciPy.
"""

from __future__ import annotations

import math
from collections.abc import Callable

_EPS = 1e-15
_TINY = 1e-300


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b) (the Beta(a, b) distribution's CDF)."""
    if not (a > 0 and b > 0):
        raise ValueError("a and b must be positive")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    # the continued fraction converges fast for x < (a + 1) / (a + b + 2); use symmetry otherwise
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    """Lentz's evaluation of the incomplete beta continued fraction (Numerical Recipes 6.4)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1.0) < _EPS:
            break
    return h


def _invert(cdf: Callable[[float], float], q: float, low: float, high: float) -> float:
    """The x in [low, high] with cdf(x) = q, by bisection (cdf increasing)."""
    for _ in range(200):
        middle = (low + high) / 2.0
        if cdf(middle) < q:
            low = middle
        else:
            high = middle
        if high - low < 1e-9:
            break
    return (low + high) / 2.0


def beta_ppf(q: float, a: float, b: float) -> float:
    """The ``q`` quantile of Beta(a, b)."""
    if q <= 0.0:
        return 0.0
    if q >= 1.0:
        return 1.0
    return _invert(lambda x: betainc(a, b, x), q, 0.0, 1.0)


def t_cdf(t: float, df: float) -> float:
    """Student's t distribution with ``df`` degrees of freedom: P(T <= t)."""
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def t_ppf(q: float, df: float) -> float:
    """The ``q`` quantile of Student's t with ``df`` degrees of freedom."""
    if q == 0.5:
        return 0.0
    if q < 0.5:
        return -t_ppf(1.0 - q, df)
    high = 1.0
    while t_cdf(high, df) < q:
        high *= 2.0
    return _invert(lambda t: t_cdf(t, df), q, 0.0, high)


def binomial_cdf(k: int, n: int) -> float:
    """P(X <= k) for X ~ Binomial(n, 1/2), exact (integer arithmetic, one rounding)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return sum(math.comb(n, i) for i in range(k + 1)) / (1 << n)
