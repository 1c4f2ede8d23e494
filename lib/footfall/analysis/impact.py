"""Difference-in-differences estimate of a change in an area's daily visitors (pure pandas/numpy).

Input is the released daily `all` rows as a long frame (date, area_id, visitors): a missing row on
a released date is a suppressed value (fewer than k_min subscribers), never a zero.

Estimator (log DiD, a ratio of geometric-mean ratios): with pre days P and post days Q kept,
    c_t  = mean over controls j of C_jt / mean_P(C_j)      (control average, each at its pre level)
    g_t  = log Y_t - log c_t                               (treated vs control gap)
    DiD  = mean_Q(g) - mean_P(g),   uplift = exp(DiD) - 1.
95% CI: circular block bootstrap of the days within P and within Q (blocks of consecutive kept
days), percentiles 2.5 and 97.5 of exp(DiD*) - 1. Control pre levels are held at their estimate.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from footfall.analysis import pretrend
from footfall.core import columns as C
from footfall.core.errors import UserError

AUTO_CONTROLS = 5  # auto controls: the best-matching same-region areas kept
BLOCK_LENGTH = 3  # bootstrap block of consecutive days
RESAMPLES = 2000
SEED = 20260323  # fixed, so the same data give the same interval

RELEASED, SUPPRESSED, NOT_RELEASED = "released", "suppressed", "not released"
PRE, POST = "pre", "post"
CONTROL_AVERAGE = "control average"


def window_days(date: dt.date, before: int, after: int) -> tuple[list[dt.date], list[dt.date]]:
    """Pre days [date-before, date-1] and post days [date, date+after-1]."""
    pre = [date - dt.timedelta(days=k) for k in range(before, 0, -1)]
    post = [date + dt.timedelta(days=k) for k in range(after)]
    return pre, post


def daily_matrix(
    rows: pd.DataFrame,
    areas: Sequence[str],
    days: Sequence[dt.date],
    released_dates: Iterable[dt.date] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wide visitors (index day, column area; NaN where missing) and each cell's status."""
    rows = rows.assign(**{C.DATE: pd.to_datetime(rows[C.DATE]).dt.date})
    released = set(rows[C.DATE]) if released_dates is None else set(released_dates)
    frame = rows[rows[C.AREA_ID].isin(list(areas))]
    wide = (
        frame.pivot_table(index=C.DATE, columns=C.AREA_ID, values=C.VISITORS, aggfunc="first")
        .reindex(index=list(days), columns=list(areas))
        .astype(float)
    )
    wide.index.name, wide.columns.name = C.DATE, C.AREA_ID
    wide = wide.where(wide > 0)  # released values are >= k_min subscribers: never 0
    status = pd.DataFrame(RELEASED, index=wide.index, columns=wide.columns).mask(
        wide.isna(), SUPPRESSED
    )
    status.loc[[d not in released for d in wide.index], :] = NOT_RELEASED
    return wide, status


def _index(series: pd.Series, pre: Sequence[dt.date]) -> pd.Series:
    """A series divided by its mean over the given pre days."""
    return series / series.loc[list(pre)].mean()


def choose_controls(
    rows: pd.DataFrame,
    treated: str,
    candidates: Sequence[str],
    date: dt.date,
    before: int,
    after: int,
    n: int = AUTO_CONTROLS,
    released_dates: Iterable[dt.date] | None = None,
) -> pd.DataFrame:
    """Rank candidates by pre-period RMSE of their index against the treated's; mark the best n.

    Only candidates with a value on every released day of the window are eligible; the RMSE is
    over the pre days where the treated value is released. Ties: smaller area_id first.
    """
    pre, post = window_days(date, before, after)
    others = [a for a in dict.fromkeys(candidates) if a != treated]
    wide, status = daily_matrix(rows, [treated, *others], pre + post, released_dates)
    pre_ok = [d for d in pre if status.at[d, treated] == RELEASED]
    out = []
    for area in others:
        complete = bool((status[area] != SUPPRESSED).all()) and bool(
            (status.loc[pre, area] == RELEASED).any()
        )
        rmse = math.nan
        if complete and len(pre_ok) >= 2:
            gap = _index(wide[treated], pre_ok) - _index(wide[area], pre_ok)
            rmse = float(np.sqrt((gap.loc[pre_ok] ** 2).mean()))
        out.append({C.AREA_ID: area, "complete": complete, "rmse": rmse})
    table = pd.DataFrame(out, columns=[C.AREA_ID, "complete", "rmse"])
    table = table.sort_values(["rmse", C.AREA_ID], na_position="last").reset_index(drop=True)
    eligible = table["rmse"].notna()
    table["rank"] = np.where(eligible, eligible.cumsum(), 0).astype(int)
    table["chosen"] = eligible & (table["rank"] <= n)
    return table


def block_indices(rng: np.random.Generator, n: int, block: int, resamples: int) -> np.ndarray:
    """Circular block bootstrap: resamples x n indices made of blocks of consecutive positions."""
    length = max(1, min(block, n))
    blocks = -(-n // length)
    starts = rng.integers(0, n, size=(resamples, blocks))
    idx = (starts[:, :, None] + np.arange(length)) % n
    return idx.reshape(resamples, -1)[:, :n]


@dataclass(frozen=True)
class ImpactResult:
    """A DiD estimate with its interval, the days used and dropped, and the series behind it."""

    treated: str
    date: dt.date
    before: int
    after: int
    controls: tuple[str, ...]
    did: float
    uplift: float
    ci_low: float
    ci_high: float
    pre_days: tuple[dt.date, ...]
    post_days: tuple[dt.date, ...]
    dropped: tuple[tuple[dt.date, str], ...]
    pretrend: pretrend.PretrendCheck
    series: pd.DataFrame = field(repr=False)
    boot: np.ndarray = field(repr=False)
    resamples: int = RESAMPLES
    block_length: int = BLOCK_LENGTH
    seed: int = SEED


def _drop_reason(day: dt.date, status: pd.DataFrame, treated: str, controls: Sequence[str]) -> str:
    if (status.loc[day] == NOT_RELEASED).all():
        return "not released"
    if status.at[day, treated] != RELEASED:
        return f"treated {treated} suppressed"
    bad = [c for c in controls if status.at[day, c] != RELEASED]
    return f"control {', '.join(bad)} suppressed" if bad else ""


def _kept_days(
    pre: Sequence[dt.date],
    post: Sequence[dt.date],
    reasons: dict[dt.date, str],
    treated: str,
    date: dt.date,
) -> tuple[list[dt.date], list[dt.date]]:
    """The pre and post days not dropped; at least 2 and 1 of them, else a user error."""
    pre_k = [d for d in pre if not reasons[d]]
    post_k = [d for d in post if not reasons[d]]
    if len(pre_k) < 2 or not post_k:
        raise UserError(
            f"impact on {treated} at {date}: only {len(pre_k)} pre and {len(post_k)} post days "
            "have released values for the area and every control (need 2 and 1); "
            "choose other dates or controls"
        )
    return pre_k, post_k


def bootstrap_uplifts(
    g_pre: np.ndarray, g_post: np.ndarray, seed: int, block_length: int, resamples: int
) -> np.ndarray:
    """Uplifts exp(DiD*) - 1 of circular block-bootstrap resamples within pre and within post."""
    rng = np.random.default_rng(seed)
    boot_pre = g_pre[block_indices(rng, len(g_pre), block_length, resamples)].mean(axis=1)
    boot_post = g_post[block_indices(rng, len(g_post), block_length, resamples)].mean(axis=1)
    return np.expm1(boot_post - boot_pre)


def estimate_impact(
    rows: pd.DataFrame,
    treated: str,
    controls: Sequence[str],
    date: dt.date,
    before: int,
    after: int,
    seed: int = SEED,
    resamples: int = RESAMPLES,
    block_length: int = BLOCK_LENGTH,
    released_dates: Iterable[dt.date] | None = None,
) -> ImpactResult:
    """Relative uplift of the treated area's daily visitors from `date` on, against controls."""
    controls = [c for c in dict.fromkeys(controls) if c != treated]
    if not controls:
        raise UserError(f"impact on {treated}: no control areas to compare with")
    pre, post = window_days(date, before, after)
    days = pre + post
    wide, status = daily_matrix(rows, [treated, *controls], days, released_dates)
    reasons = {d: _drop_reason(d, status, treated, controls) for d in days}
    dropped = tuple((d, r) for d, r in reasons.items() if r)
    pre_k, post_k = _kept_days(pre, post, reasons, treated, date)
    control_index = pd.concat([_index(wide[c], pre_k) for c in controls], axis=1).mean(
        axis=1, skipna=False
    )
    treated_index = _index(wide[treated], pre_k)
    gap = np.log(treated_index) - np.log(control_index)
    g_pre, g_post = gap.loc[pre_k].to_numpy(), gap.loc[post_k].to_numpy()
    did = float(g_post.mean() - g_pre.mean())
    boot = bootstrap_uplifts(g_pre, g_post, seed, block_length, resamples)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    rel_gap = (treated_index - control_index).loc[pre_k].to_numpy()
    series = _series_frame(
        wide, status, treated, controls, pre, reasons, treated_index, control_index
    )
    return ImpactResult(
        treated=treated,
        date=date,
        before=before,
        after=after,
        controls=tuple(controls),
        did=did,
        uplift=math.expm1(did),
        ci_low=float(lo),
        ci_high=float(hi),
        pre_days=tuple(pre_k),
        post_days=tuple(post_k),
        dropped=dropped,
        pretrend=pretrend.check(pre_k, rel_gap),
        series=series,
        boot=boot,
        resamples=resamples,
        block_length=block_length,
        seed=seed,
    )


def _series_frame(
    wide: pd.DataFrame,
    status: pd.DataFrame,
    treated: str,
    controls: Sequence[str],
    pre: Sequence[dt.date],
    reasons: dict[dt.date, str],
    treated_index: pd.Series,
    control_index: pd.Series,
) -> pd.DataFrame:
    """Long table behind series.csv: one row per day and area, plus the control average."""
    pre_set = set(pre)
    out = []
    for day in wide.index:
        base = {C.DATE: day, "period": PRE if day in pre_set else POST, "used": not reasons[day]}
        for role, area in [("treated", treated), *[("control", c) for c in controls]]:
            value = wide.at[day, area]
            index = treated_index[day] if role == "treated" else None
            out.append(
                {
                    **base,
                    C.AREA_ID: area,
                    "role": role,
                    C.VISITORS: value,
                    "status": status.at[day, area],
                    "suppressed": status.at[day, area] == SUPPRESSED,
                    "index": index,
                }
            )
        out.append(
            {
                **base,
                C.AREA_ID: CONTROL_AVERAGE,
                "role": "control_average",
                C.VISITORS: math.nan,
                "status": "derived",
                "suppressed": False,
                "index": control_index[day],
            }
        )
    frame = pd.DataFrame(out)
    ctrl = frame["role"] == "control"
    for area in controls:  # each control's own index, for the chart and the CSV
        mask = ctrl & (frame[C.AREA_ID] == area)
        frame.loc[mask, "index"] = (
            frame.loc[mask, C.VISITORS] / wide.loc[[d for d in pre if not reasons[d]], area].mean()
        ).to_numpy()
    frame["index"] = frame["index"].astype(float)
    return frame
