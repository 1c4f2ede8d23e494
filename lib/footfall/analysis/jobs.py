"""Analysts' commands on the released tables only: `compare` areas here, and the reading of the
released slices that it shares with `impact` (analysis.impact_job).

A missing released row is a suppressed value (disclosure control, METHOD 7): it is kept apart from
the values, shown as "suppressed", and never averaged or charted as zero. A date (or a date's
hour) with no released row for any area is "not released" and left out altogether.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall.analysis import breakdowns, compare
from footfall.analysis.compare_report import write_compare_report
from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.config import Config
from footfall.core.errors import UserError
from footfall.stages.dwell import band_labels

log = logging.getLogger(__name__)

HINT = "run `footfall release` first"


# ---- Spark edge: read the small filtered slices of the released tables (compare and impact) ----


def between(df: DataFrame, d1: dt.date, d2: dt.date) -> DataFrame:
    return df.where(F.col(C.DATE).between(F.lit(d1), F.lit(d2)))


def released_dates(daily: DataFrame) -> list[dt.date]:
    return sorted(r[0] for r in daily.select(C.DATE).distinct().collect())


def area_table(spark: SparkSession, cfg: Config) -> pd.DataFrame:
    cols = [C.AREA_ID, C.AREA_NAME, C.REGION_ID]
    return lake.read_areas(spark, cfg).select(*cols).toPandas().sort_values(C.AREA_ID)


def check_areas(wanted: Sequence[str], areas: pd.DataFrame) -> None:
    unknown = [a for a in wanted if a not in set(areas[C.AREA_ID])]
    if unknown:
        raise UserError(f"unknown area id(s): {', '.join(unknown)} (not in areas.csv)")


def slug(*parts: str) -> str:
    text = "_".join(re.sub(r"[^A-Za-z0-9.-]+", "-", p) for p in parts)
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    return text if len(text) <= 120 else f"{text[:100]}-{digest}"


def sorted_pdf(df: DataFrame, keys: list[str]) -> pd.DataFrame:
    return df.toPandas().sort_values(keys).reset_index(drop=True)


def area_names(ref: pd.DataFrame) -> dict[str, str]:
    return dict(zip(ref[C.AREA_ID], ref[C.AREA_NAME].fillna(""), strict=True))


def released_daily(spark: SparkSession, cfg: Config, d1: dt.date, d2: dt.date) -> DataFrame:
    return between(lake.read_required(spark, cfg, tables.RELEASED_DAILY, hint=HINT), d1, d2)


def _compare_figures(
    daily_df: DataFrame,
    hourly_df: DataFrame,
    areas: list[str],
    names: dict[str, str],
    days: list[dt.date],
    released: list[dt.date],
) -> dict[str, pd.DataFrame]:
    """The compare figures (hourly profile, weekday, daily, origins) from the released slices."""
    keys = [C.DATE, C.AREA_ID, C.ORIGIN_LEVEL, C.ORIGIN_ID, C.VISITORS]
    daily_rows = sorted_pdf(daily_df.where(F.col(C.AREA_ID).isin(areas)).select(*keys), keys[:4])
    hourly_all = sorted_pdf(
        hourly_df.where(F.col(C.AREA_ID).isin(areas) & (F.col(C.ORIGIN_ID) == C.ORIGIN_ALL)).select(
            C.DATE, C.HOUR, C.AREA_ID, C.VISITORS
        ),
        [C.DATE, C.HOUR, C.AREA_ID],
    )
    hours = sorted_pdf(hourly_df.select(C.DATE, C.HOUR).distinct(), [C.DATE, C.HOUR])
    all_rows = daily_rows[daily_rows[C.ORIGIN_ID] == C.ORIGIN_ALL]
    daily = compare.daily_table(all_rows, areas, days, released)
    return {
        "hourly_profile": compare.hourly_profile(hourly_all, areas, hours),
        "weekday": compare.weekday_profile(daily),
        "daily": daily,
        "origins": compare.origin_shares(daily_rows, areas, names),
    }


def _part_figures(
    spark: SparkSession, cfg: Config, areas: list[str], days: list[dt.date], released: list
) -> dict[str, pd.DataFrame]:
    """The class split and dwell distribution of the areas over the released dates (METHOD 5.3;
    no rows where those tables are not released)."""
    bands = band_labels(cfg["presence.dwell_bands_minutes"])
    out = {}
    for name, table, part, parts in (
        ("visitor_classes", tables.RELEASED_CLASS, C.VISITOR_CLASS, list(C.VISITOR_CLASSES)),
        ("dwell", tables.RELEASED_DWELL, C.DWELL_BAND, bands),
    ):
        df = between(lake.read_table(spark, cfg, table), days[0], days[-1])
        rows = sorted_pdf(
            df.where(F.col(C.AREA_ID).isin(areas)).select(C.DATE, C.AREA_ID, part, C.VISITORS),
            [C.DATE, C.AREA_ID, part],
        )
        out[name] = breakdowns.part_split(
            breakdowns.part_status(rows, part, parts, areas, released), part
        )
    return out


def run_compare(
    spark: SparkSession, cfg: Config, areas: list[str], date_from: dt.date, date_to: dt.date
) -> dict[str, Any]:
    """Compare areas side by side over a date range; write the report; return its headlines."""
    areas = list(dict.fromkeys(areas))
    ref = area_table(spark, cfg)
    check_areas(areas, ref)
    names = area_names(ref)
    daily_df = released_daily(spark, cfg, date_from, date_to)
    hourly_df = between(
        lake.read_required(spark, cfg, tables.RELEASED_HOURLY, hint=HINT), date_from, date_to
    )
    released = released_dates(daily_df)
    if not released:
        raise UserError(f"no released dates between {date_from} and {date_to}: {HINT}")
    days = [date_from + dt.timedelta(days=k) for k in range((date_to - date_from).days + 1)]
    figures = _compare_figures(daily_df, hourly_df, areas, names, days, released)
    figures.update(_part_figures(spark, cfg, areas, days, released))
    folder = cfg.path("reports") / "compare" / slug("-".join(areas), str(date_from), str(date_to))
    mean_daily = {
        a: (None if np.isnan(m) else round(float(m), 1))
        for a, m in figures["daily"].groupby(C.AREA_ID)[C.VISITORS].mean().reindex(areas).items()
    }
    summary = compare.compare_summary(areas, names, date_from, date_to, mean_daily, figures)
    page = write_compare_report(
        folder,
        areas=areas,
        names=names,
        date_from=date_from,
        date_to=date_to,
        released=released,
        figures=figures,
        summary=summary,
    )
    log.info("compare report written to %s", page)
    return {
        "report": str(page),
        "areas": ",".join(areas),
        "dates_released": f"{len(released)} of {len(days)}",
        "mean_daily_visitors": mean_daily,
        "summary": summary,
    }
