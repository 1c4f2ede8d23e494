"""Differential privacy mode (METHOD 7.1): the plan of a day's release, OpenDP's mechanisms and
their accounting, and the noise on aggregated cells.

Unit of privacy: a subscriber-day. Each table's contribution bound gives its sensitivity: a
subscriber-day touches at most `bound` cells of a table, each by 1, so L2 = sqrt(bound) and
L1 = bound. OpenDP (pinned in pyproject.toml) builds the mechanisms and maps a sensitivity to the
budget they spend:

- gaussian: `make_gaussian(vector_domain(atom_domain(T=int)), l2_distance(T=float), scale=sigma)`
  is the discrete Gaussian on integer vectors under rho-zCDP, rho = sens^2 / (2 sigma^2);
- laplace: `make_laplace(vector_domain(atom_domain(T=int)), l1_distance(T=int), scale=b)` is
  the discrete Laplace on integer vectors under pure epsilon-DP, epsilon = sens / b;
- `make_zCDP_to_approxDP` states a rho as (epsilon, delta) for the ledger.

Both samplers are exact (no floating-point noise) and draw from the OS's CSPRNG. The noise runs
where the cells are (an RDD `mapPartitions` over the aggregated cells, one measurement per
partition, no pyarrow needed): each cell's noise is independent, so how the cells are split
over partitions changes neither the distribution nor the budget. `dp.test_seed` swaps in the
seeded samplers of privacy.dp_sampling, for tests only (refused in a production profile by
core.config).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from footfall.core.config import Config

GAUSSIAN, LAPLACE = "gaussian", "laplace"
HOURLY, DAILY = "hourly", "daily"
ROAMER = "roamer"  # every inbound roamer's origin in DP mode: the MCC list is not public
NOISY = "noisy"  # the noised count of a cell


def _opendp() -> Any:
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


@dataclass(frozen=True)
class DpPlan:
    """The mechanism, budgets and bounds of METHOD 7.1, read once from config."""

    mechanism: str
    day_budget: float  # rho (gaussian) or epsilon (laplace) of one subscriber-day's release
    hourly_share: float
    max_hour_cells: int
    max_day_areas: int
    epsilon_weights: float
    delta: float
    max_period_budget: float
    test_seed: int | None = None

    @classmethod
    def from_config(cls, cfg: Config) -> DpPlan:
        gaussian = cfg["dp.mechanism"] == GAUSSIAN
        return cls(
            mechanism=cfg["dp.mechanism"],
            day_budget=cfg["dp.rho_per_day"] if gaussian else cfg["dp.epsilon_per_day"],
            hourly_share=cfg["dp.hourly_share"],
            max_hour_cells=cfg["dp.max_hour_cells"],
            max_day_areas=cfg["dp.max_day_areas"],
            epsilon_weights=cfg["dp.epsilon_weights"],
            delta=cfg["dp.delta"],
            max_period_budget=(
                cfg["dp.max_rho_per_period"] if gaussian else cfg["dp.max_epsilon_per_period"]
            ),
            test_seed=cfg["dp.test_seed"],
        )

    @property
    def measure(self) -> str:
        """What the budgets count: rho (zCDP) or epsilon (pure DP)."""
        return "rho" if self.mechanism == GAUSSIAN else "epsilon"

    def budget(self, table: str) -> float:
        """The table's share of the day's budget."""
        share = self.hourly_share if table == HOURLY else 1 - self.hourly_share
        return self.day_budget * share

    def bound(self, table: str) -> int:
        return self.max_hour_cells if table == HOURLY else self.max_day_areas

    def sensitivity(self, table: str) -> float:
        """L2 (gaussian) or L1 (laplace) sensitivity of the table per subscriber-day."""
        b = self.bound(table)
        return math.sqrt(b) if self.mechanism == GAUSSIAN else float(b)

    def scale(self, table: str) -> float:
        """sigma (gaussian) or the Laplace scale b of the table's noise, calibrated with OpenDP
        so that the budget it spends is at most the table's budget."""
        budget = self.budget(table)
        if self.mechanism == GAUSSIAN:
            scale = self.sensitivity(table) / math.sqrt(2 * budget)
        else:
            scale = self.sensitivity(table) / budget
        while self.spent(table, scale) > budget:  # OpenDP rounds its map up: nudge scale up
            scale = math.nextafter(scale, math.inf) * (1 + 1e-12)
        return scale

    def spent(self, table: str, scale: float | None = None) -> float:
        """The budget the table's release spends per subscriber-day, as OpenDP maps it."""
        scale = self.scale(table) if scale is None else scale
        d_in = self.sensitivity(table) if self.mechanism == GAUSSIAN else self.bound(table)
        return float(measurement(self.mechanism, scale).map(d_in))

    def std(self, table: str) -> float:
        """Standard deviation of one cell's noise (the expected error of a count)."""
        return noise_std(self.mechanism, self.scale(table))

    def weights_budget(self) -> float:
        """The period's weights budget in this plan's measure: epsilon-DP is
        (epsilon^2 / 2)-zCDP (Bun and Steinke 2016, Proposition 1.4)."""
        e = self.epsilon_weights
        return e * e / 2 if self.mechanism == GAUSSIAN else e

    def as_approx_dp(self, total: float) -> tuple[float, float]:
        """(epsilon, delta) of a total budget in this plan's measure."""
        if self.mechanism == LAPLACE:
            return total, 0.0
        return zcdp_to_approx_dp(total, self.delta), self.delta


def measurement(mechanism: str, scale: float) -> Any:
    """OpenDP's exact integer mechanism on a vector of counts (METHOD 7.1)."""
    dp = _opendp()
    counts = dp.vector_domain(dp.atom_domain(T=int))
    if mechanism == GAUSSIAN:
        return dp.m.make_gaussian(counts, dp.l2_distance(T=float), scale=scale)
    return dp.m.make_laplace(counts, dp.l1_distance(T=int), scale=scale)


def zcdp_to_approx_dp(rho: float, delta: float) -> float:
    """The epsilon of (epsilon, delta)-DP that rho-zCDP implies, by OpenDP's conversion (a
    scalar discrete Gaussian whose map at distance 1 is rho stands for any rho-zCDP release)."""
    dp = _opendp()
    carrier = dp.m.make_gaussian(
        dp.atom_domain(T=int), dp.absolute_distance(T=float), scale=1 / math.sqrt(2 * rho)
    )
    return float(dp.c.make_zCDP_to_approxDP(carrier).map(1.0).epsilon(delta))


def noise_std(mechanism: str, scale: float) -> float:
    """Standard deviation of the discrete noise: sigma for the discrete Gaussian (a hair under,
    for sigma >= 1), sqrt(2 e^(-1/b)) / (1 - e^(-1/b)) for the discrete Laplace of scale b."""
    if mechanism == GAUSSIAN:
        return scale
    q = math.exp(-1 / scale)
    return math.sqrt(2 * q) / (1 - q)


def sampler(
    mechanism: str, scale: float, seed: int | None
) -> Callable[[list[int], list[str]], list[int]]:
    """counts, cell names -> noisy counts: OpenDP's measurement, or (seed given: tests only) the
    seeded exact sampler of each cell."""
    if seed is None:
        release = measurement(mechanism, scale)
        return lambda counts, _cells: list(release(counts)) if counts else []

    from footfall.privacy import dp_sampling as s

    if mechanism == GAUSSIAN:
        sigma2 = Fraction(scale * scale).limit_denominator(10**9)
        draw = lambda rng: s.discrete_gaussian(rng, sigma2)  # noqa: E731
    else:
        b = Fraction(scale).limit_denominator(10**9)
        draw = lambda rng: s.discrete_laplace(rng, b)  # noqa: E731
    return lambda counts, cells: [
        c + draw(s.seeded_rng(seed, name)) for c, name in zip(counts, cells, strict=True)
    ]


def noise_partition(
    mechanism: str, scale: float, seed: int | None, key_columns: Sequence[str], count: str
) -> Callable[[Iterator[Any]], Iterator[tuple]]:
    """An RDD mapPartitions function over cell rows: each row comes back as a tuple of its
    values plus `noisy` = count + noise. One OpenDP measurement per partition (opendp is
    imported on the executor), applied to chunks of CHUNK cells."""
    keys = list(key_columns)

    def _apply(rows: Iterator[Any]) -> Iterator[tuple]:
        draw = sampler(mechanism, scale, seed)
        chunk: list[Any] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                yield from _noised(chunk, draw, keys, count, seed)
                chunk = []
        yield from _noised(chunk, draw, keys, count, seed)

    return _apply


CHUNK = 10_000


def _noised(
    rows: list[Any], draw: Callable, keys: list[str], count: str, seed: int | None
) -> Iterator[tuple]:
    if not rows:
        return
    counts = [int(r[count]) for r in rows]
    # cell names seed the test sampler per cell; OpenDP's needs none
    cells = ["|".join(str(r[k]) for k in keys) for r in rows] if seed is not None else []
    for row, noisy in zip(rows, draw(counts, cells), strict=True):
        yield (*row, int(noisy))
