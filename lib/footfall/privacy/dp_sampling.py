"""Seeded exact samplers of the discrete Laplace and discrete Gaussian: FOR TESTS ONLY.

OpenDP draws its noise from the operating system's CSPRNG and cannot be seeded, so a test that
must see the same noise twice uses these instead (`dp.test_seed`, refused in a production
profile by core.config). They are the exact rejection samplers of Canonne, Kamath and Steinke,
"The Discrete Gaussian for Differential Privacy" (NeurIPS 2020), Algorithms 1-3, on rational
parameters with Python's Mersenne Twister: exact distributions, but a predictable generator, so
never a release's noise.
"""

from __future__ import annotations

import random
from fractions import Fraction


def _bernoulli(rng: random.Random, p: Fraction) -> bool:
    """True with probability p (a rational in [0, 1])."""
    return rng.randrange(p.denominator) < p.numerator


def _bernoulli_exp(rng: random.Random, gamma: Fraction) -> bool:
    """True with probability exp(-gamma) for a rational gamma >= 0 (CKS20 Algorithm 1)."""
    while gamma > 1:
        if not _bernoulli_exp(rng, Fraction(1)):
            return False
        gamma -= 1
    k = 1
    while _bernoulli(rng, gamma / k):
        k += 1
    return k % 2 == 1


def discrete_laplace(rng: random.Random, scale: Fraction) -> int:
    """One draw with P(x) proportional to exp(-|x| / scale) (CKS20 Algorithm 2, t/s = scale)."""
    t, s = scale.numerator, scale.denominator
    while True:
        u = rng.randrange(t)
        if not _bernoulli_exp(rng, Fraction(u, t)):
            continue
        v = 0
        while _bernoulli_exp(rng, Fraction(1)):
            v += 1
        y = (u + t * v) // s
        negative = rng.randrange(2) == 1
        if negative and y == 0:
            continue
        return -y if negative else y


def discrete_gaussian(rng: random.Random, sigma2: Fraction) -> int:
    """One draw with P(x) proportional to exp(-x^2 / (2 sigma2)) (CKS20 Algorithm 3)."""
    t = _isqrt_floor(sigma2) + 1
    while True:
        y = discrete_laplace(rng, Fraction(t))
        gamma = (abs(y) - sigma2 / t) ** 2 / (2 * sigma2)
        if _bernoulli_exp(rng, gamma):
            return y


def _isqrt_floor(x: Fraction) -> int:
    """floor(sqrt(x)) of a positive rational, exactly."""
    n = int(x)
    r = int(n**0.5)
    while r * r > x:
        r -= 1
    while (r + 1) * (r + 1) <= x:
        r += 1
    return r


def seeded_rng(seed: int, cell: str) -> random.Random:
    """A generator for one cell: the same seed and cell always draw the same noise, whatever
    Spark partition the cell lands in."""
    return random.Random(f"footfall-dp-test:{seed}:{cell}")
