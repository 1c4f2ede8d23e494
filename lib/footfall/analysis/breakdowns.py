"""Visitor classes and dwell bands of areas (METHOD 5.3) from the released breakdowns, and the
daily series an impact can be estimated on besides all visitors (pure pandas on small slices).

A (date, area) group of `visitor_class_daily` or `dwell_daily` is released whole (its `all` and
parts) or not at all (fewer than k_min subscribers). In a released group a part without a row is
zero when the group has no `other` row (nothing was merged), and suppressed (merged into `other`,
METHOD 7) when it has one; every part of a group not released is suppressed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from footfall.core import columns as C

RELEASED, ZERO, SUPPRESSED = "released", "zero", "suppressed"


@dataclass(frozen=True)
class Measure:
    """What an impact is estimated on: one daily value per area, from one released table."""

    label: str  # "daily visitors", in the report's sentences
    table: str  # the released table it is read from
    slug: str = ""  # added to the report folder's name ("" for all visitors)
    digits: int = 0  # decimals shown in the report's tables
    share: bool = False  # a share (its uplift is a relative change of the share)


def part_status(
    rows: pd.DataFrame,
    part: str,
    parts: Sequence[str],
    areas: Sequence[str],
    released_dates: Iterable[dt.date],
) -> pd.DataFrame:
    """One row per (date, area, part) of the released dates: visitors (0 when zero, NaN when
    suppressed), the group's `all` (NaN when the group is suppressed) and the status; none when
    the table has no row at all (not released: a lake from before METHOD 5.3)."""
    columns = [C.DATE, C.AREA_ID, part, C.VISITORS, "all", "status"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows = rows.assign(**{C.DATE: pd.to_datetime(rows[C.DATE]).dt.date})
    by = {(r[C.DATE], r[C.AREA_ID], r[part]): float(r[C.VISITORS]) for _, r in rows.iterrows()}
    out = []
    for d in sorted(set(released_dates)):
        for a in areas:
            total = by.get((d, a, C.ORIGIN_ALL), np.nan)
            merged = (d, a, C.ORIGIN_OTHER) in by
            for p in [*parts, C.ORIGIN_OTHER]:
                value = by.get((d, a, p))
                if value is not None:
                    status = RELEASED
                elif np.isnan(total) or (merged and p != C.ORIGIN_OTHER):
                    status, value = SUPPRESSED, np.nan
                else:
                    status, value = ZERO, 0.0
                out.append((d, a, p, value, total, status))
    return pd.DataFrame(out, columns=columns)


def part_split(cells: pd.DataFrame, part: str) -> pd.DataFrame:
    """Per area and part: visitors summed over the days it is known (released or zero), its
    share of the group's `all` summed over the same days, days known and days suppressed; a
    part never known is suppressed (share NaN)."""
    cols = [C.AREA_ID, part, "visitors_sum", "share", "days_known", "days_suppressed"]
    if cells.empty:
        empty = {c: pd.Series(dtype=float) for c in ("visitors_sum", "share")}
        return pd.DataFrame(columns=[*cols, "suppressed"]).assign(**empty)
    known = cells["status"] != SUPPRESSED
    work = cells.assign(
        _v=cells[C.VISITORS].where(known), _all=cells["all"].where(known), _known=known
    )
    out = (
        work.groupby([C.AREA_ID, part], sort=False)
        .agg(
            visitors_sum=("_v", "sum"),
            all_sum=("_all", "sum"),
            days_known=("_known", "sum"),
            days_suppressed=("status", lambda s: int((s == SUPPRESSED).sum())),
        )
        .reset_index()
    )
    out["days_known"] = out["days_known"].astype(int)
    out["suppressed"] = out["days_known"] == 0
    out["share"] = (out["visitors_sum"] / out["all_sum"]).where(~out["suppressed"])
    out.loc[out["suppressed"], "visitors_sum"] = np.nan
    return out[[*cols, "suppressed"]]


def class_series(rows: pd.DataFrame, visitor_class: str) -> pd.DataFrame:
    """Daily visitors of one class per area (date, area_id, visitors); a class merged into
    `other` or a group not released has no row (suppressed), as impact expects."""
    own = rows[rows[C.VISITOR_CLASS] == visitor_class]
    return own[[C.DATE, C.AREA_ID, C.VISITORS]].reset_index(drop=True)


def share_series(rows: pd.DataFrame, bands: Sequence[str]) -> pd.DataFrame:
    """The daily share of the bands in each released group (date, area_id, visitors = share):
    released bands summed over `all`; a group where one of them was merged into `other` has no
    row (suppressed); a band without a row in a group with no `other` is zero."""
    groups = rows.groupby([C.DATE, C.AREA_ID], sort=True)
    out = []
    for (d, a), g in groups:
        values = dict(zip(g[C.DWELL_BAND], g[C.VISITORS].astype(float), strict=True))
        total = values.get(C.ORIGIN_ALL)
        missing = [b for b in bands if b not in values]
        if not total or (missing and C.ORIGIN_OTHER in values):
            continue
        out.append((d, a, sum(values.get(b, 0.0) for b in bands) / total))
    return pd.DataFrame(out, columns=[C.DATE, C.AREA_ID, C.VISITORS])
