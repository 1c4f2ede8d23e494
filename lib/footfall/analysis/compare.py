"""Compare areas from the released tables: hour-of-day, day-of-week, daily and origin figures.

Pure pandas on the small released slices. A missing row on a released date (or date-hour) is a
suppressed value: counted in days_suppressed, never averaged as zero. Means are over the released
days; a cell is suppressed when no day of it was released.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from footfall.analysis import impact
from footfall.core import columns as C

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def daily_table(
    all_rows: pd.DataFrame,
    areas: Sequence[str],
    days: Sequence[dt.date],
    released_dates: Sequence[dt.date],
) -> pd.DataFrame:
    """One row per area and day: visitors (NaN unless released), status, suppressed flag."""
    wide, status = impact.daily_matrix(all_rows, areas, days, released_dates)
    out = wide.stack(future_stack=True).rename(C.VISITORS).reset_index()
    out["status"] = status.stack(future_stack=True).to_numpy()
    out["weekday"] = [WEEKDAYS[d.weekday()] for d in out[C.DATE]]
    out["suppressed"] = out["status"] == impact.SUPPRESSED
    cols = [C.AREA_ID, C.DATE, "weekday", C.VISITORS, "suppressed", "status"]
    return out[cols].sort_values([C.AREA_ID, C.DATE]).reset_index(drop=True)


def _means(cells: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Mean of released values per key; days counted; suppressed when no day was released."""
    grouped = cells.groupby(keys, sort=True)
    out = grouped.agg(
        visitors_mean=(C.VISITORS, "mean"),
        days_released=(C.VISITORS, "count"),
        days_suppressed=("suppressed", "sum"),
    ).reset_index()
    out["days_suppressed"] = out["days_suppressed"].astype(int)
    out["suppressed"] = out["days_released"] == 0
    return out


def weekday_profile(daily: pd.DataFrame) -> pd.DataFrame:
    """Mean daily visitors per area and day of week, over the released dates of the range."""
    cells = daily[daily["status"] != impact.NOT_RELEASED].copy()
    cells["weekday_no"] = [d.weekday() for d in cells[C.DATE]]
    out = _means(cells, [C.AREA_ID, "weekday_no"])
    out.insert(2, "weekday", [WEEKDAYS[k] for k in out["weekday_no"]])
    return out


def hourly_profile(
    hourly_all: pd.DataFrame, areas: Sequence[str], released_hours: pd.DataFrame
) -> pd.DataFrame:
    """Mean visitors per area and hour of day over the released (date, hour) bins."""
    bins = released_hours[[C.DATE, C.HOUR]].drop_duplicates()
    grid = bins.merge(pd.DataFrame({C.AREA_ID: list(areas)}), how="cross")
    values = hourly_all[[C.DATE, C.HOUR, C.AREA_ID, C.VISITORS]].astype({C.VISITORS: float})
    cells = grid.merge(values, on=[C.DATE, C.HOUR, C.AREA_ID], how="left")
    cells["suppressed"] = cells[C.VISITORS].isna()
    if cells.empty:
        cols = [C.AREA_ID, C.HOUR, "visitors_mean", "days_released", "days_suppressed"]
        return pd.DataFrame(columns=[*cols, "suppressed"])
    return _means(cells, [C.AREA_ID, C.HOUR])


def origin_label(origin_id: str, level: str, names: dict[str, str]) -> str:
    """A reader's label for an origin id."""
    if origin_id == C.ORIGIN_OTHER:
        return "other (small origins merged)"
    if origin_id == C.ORIGIN_UNKNOWN:
        return "unknown home"
    if origin_id.startswith(C.ROAMER_PREFIX):
        return f"roamers, MCC {origin_id[len(C.ROAMER_PREFIX) :]}"
    if level == "area" and origin_id in names:
        return f"{origin_id} {names[origin_id]}"
    return f"{level} {origin_id}"


def origin_shares(
    daily_rows: pd.DataFrame, areas: Sequence[str], names: dict[str, str] | None = None
) -> pd.DataFrame:
    """Each origin's share of an area's daily visitors summed over the range, ranked."""
    names = names or {}
    rows = daily_rows[daily_rows[C.AREA_ID].isin(list(areas))]
    totals = rows[rows[C.ORIGIN_ID] == C.ORIGIN_ALL].groupby(C.AREA_ID)[C.VISITORS].sum()
    named = rows[rows[C.ORIGIN_ID] != C.ORIGIN_ALL]
    out = (
        named.groupby([C.AREA_ID, C.ORIGIN_LEVEL, C.ORIGIN_ID])
        .agg(visitors=(C.VISITORS, "sum"), days=(C.DATE, "nunique"))
        .reset_index()
    )
    out["share"] = out[C.VISITORS] / out[C.AREA_ID].map(totals).astype(float)
    out = out.sort_values([C.AREA_ID, "share", C.ORIGIN_ID], ascending=[True, False, True])
    out["rank"] = out.groupby(C.AREA_ID).cumcount() + 1
    out["origin_label"] = [
        origin_label(o, lv, names)
        for o, lv in zip(out[C.ORIGIN_ID], out[C.ORIGIN_LEVEL], strict=True)
    ]
    cols = [C.AREA_ID, "rank", C.ORIGIN_LEVEL, C.ORIGIN_ID, "origin_label", C.VISITORS, "days"]
    return out[[*cols, "share"]].reset_index(drop=True)


def compare_summary(
    areas: Sequence[str],
    names: dict[str, str],
    date_from: dt.date,
    date_to: dt.date,
    mean_daily: dict[str, float | None],
    figures: dict[str, pd.DataFrame],
) -> str:
    """One plain-language paragraph: mean daily visitors, busiest hour and top origin per area."""
    parts = []
    hourly, origins = figures["hourly_profile"], figures["origins"]
    for a in areas:
        mean = mean_daily.get(a)
        if mean is None:
            parts.append(f"{a} {names.get(a, '')}: every day suppressed".replace("  ", " "))
            continue
        text = f"{a} {names.get(a, '')} averaged {mean:,.0f} visitors a day".replace("  ", " ")
        h = hourly[(hourly[C.AREA_ID] == a) & hourly["visitors_mean"].notna()]
        if not h.empty:
            text += f", busiest at {int(h.loc[h['visitors_mean'].idxmax(), C.HOUR]):02d}:00"
        o = origins[(origins[C.AREA_ID] == a) & (origins["rank"] == 1)]
        if not o.empty:
            text += f", {o['share'].iloc[0]:.0%} from {o['origin_label'].iloc[0]}"
        parts.append(text)
    return f"From {date_from} to {date_to}: " + "; ".join(parts) + "."
