"""Pre-trend check of a DiD estimate: did the treated area follow its controls before the date?

On the pre days kept, the gap between the treated index and the control-average index (each at its
pre-period mean = 1) should have no significant and material slope (a two-sided 5% t-test of a
least-squares line, and a drift of at least MIN_DRIFT over the pre days) and a small RMSE.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_RMSE = 0.10  # pre-period RMSE of treated vs control index (relative) above: warn
MIN_DRIFT = 0.02  # a significant pre slope warns only if it drifts >= 2% over the pre days

# Student t 97.5% quantiles for df 1..30 (two-sided 5% test of the pre-trend slope).
_T975 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)


def t_critical(df: int) -> float:
    """Two-sided 5% critical value of Student's t (conservative step above df 30)."""
    if df < 1:
        return math.inf
    if df <= 30:
        return _T975[df - 1]
    return 2.042 if df <= 40 else 2.021 if df <= 60 else 2.000 if df <= 120 else 1.980


@dataclass(frozen=True)
class PretrendCheck:
    """Pre-period comparability of treated and control average (relative index gap)."""

    slope: float  # per day, of treated index - control index
    t_stat: float
    t_crit: float
    drift: float  # slope x span of the pre days
    rmse: float
    ok: bool
    notes: tuple[str, ...]


def check(days: Sequence[dt.date], gap: np.ndarray, max_rmse: float = MAX_RMSE) -> PretrendCheck:
    """Warn on a significant (5%, t-test) and material slope, or an RMSE above max_rmse."""
    x = np.array([(d - days[0]).days for d in days], dtype=float)
    rmse = float(np.sqrt(np.mean(gap**2)))
    warnings, notes = [], []
    slope = t_stat = drift = math.nan
    crit = t_critical(len(days) - 2)
    if len(days) >= 3:
        xc = x - x.mean()
        slope = float((xc * (gap - gap.mean())).sum() / (xc**2).sum())
        resid = gap - gap.mean() - slope * xc
        se = math.sqrt((resid**2).sum() / (len(days) - 2) / (xc**2).sum())
        t_stat = (math.inf if slope else 0.0) if se == 0 else slope / se
        drift = slope * (x[-1] - x[0])
        if abs(t_stat) > crit and abs(drift) >= MIN_DRIFT:
            warnings.append(
                f"the treated-vs-control gap drifted {drift:+.1%} over the pre-period "
                f"(slope t = {t_stat:.2f}, |t| > {crit:.2f})"
            )
    else:
        notes.append("too few pre days for a trend test (need 3)")
    if rmse > max_rmse:
        warnings.append(f"pre-period RMSE {rmse:.1%} is above {max_rmse:.0%}: controls fit poorly")
    return PretrendCheck(slope, t_stat, crit, drift, rmse, not warnings, (*warnings, *notes))
