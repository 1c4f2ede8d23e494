"""Analysts' commands on the released tables only: `compare` areas and estimate an `impact`.

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

from footfall.analysis import breakdowns, compare, impact
from footfall.analysis.breakdowns import Measure
from footfall.analysis.compare_report import write_compare_report
from footfall.analysis.impact_report import write_impact_report
from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.config import Config
from footfall.core.errors import UserError
from footfall.stages.dwell import band_labels

log = logging.getLogger(__name__)

HINT = "run `footfall release` first"


# ---- Spark edge: read the small filtered slices of the released tables --------------------------


def _between(df: DataFrame, d1: dt.date, d2: dt.date) -> DataFrame:
    return df.where(F.col(C.DATE).between(F.lit(d1), F.lit(d2)))


def _released_dates(daily: DataFrame) -> list[dt.date]:
    return sorted(r[0] for r in daily.select(C.DATE).distinct().collect())


def _area_table(spark: SparkSession, cfg: Config) -> pd.DataFrame:
    cols = [C.AREA_ID, C.AREA_NAME, C.REGION_ID]
    return lake.read_areas(spark, cfg).select(*cols).toPandas().sort_values(C.AREA_ID)


def _check_areas(wanted: Sequence[str], areas: pd.DataFrame) -> None:
    unknown = [a for a in wanted if a not in set(areas[C.AREA_ID])]
    if unknown:
        raise UserError(f"unknown area id(s): {', '.join(unknown)} (not in areas.csv)")


def _slug(*parts: str) -> str:
    text = "_".join(re.sub(r"[^A-Za-z0-9.-]+", "-", p) for p in parts)
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    return text if len(text) <= 120 else f"{text[:100]}-{digest}"


def _sorted_pdf(df: DataFrame, keys: list[str]) -> pd.DataFrame:
    return df.toPandas().sort_values(keys).reset_index(drop=True)


def _names(ref: pd.DataFrame) -> dict[str, str]:
    return dict(zip(ref[C.AREA_ID], ref[C.AREA_NAME].fillna(""), strict=True))


def _released_daily(spark: SparkSession, cfg: Config, d1: dt.date, d2: dt.date) -> DataFrame:
    return _between(lake.read_required(spark, cfg, tables.RELEASED_DAILY, hint=HINT), d1, d2)


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
    daily_rows = _sorted_pdf(daily_df.where(F.col(C.AREA_ID).isin(areas)).select(*keys), keys[:4])
    hourly_all = _sorted_pdf(
        hourly_df.where(F.col(C.AREA_ID).isin(areas) & (F.col(C.ORIGIN_ID) == C.ORIGIN_ALL)).select(
            C.DATE, C.HOUR, C.AREA_ID, C.VISITORS
        ),
        [C.DATE, C.HOUR, C.AREA_ID],
    )
    hours = _sorted_pdf(hourly_df.select(C.DATE, C.HOUR).distinct(), [C.DATE, C.HOUR])
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
        df = _between(lake.read_table(spark, cfg, table), days[0], days[-1])
        rows = _sorted_pdf(
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
    ref = _area_table(spark, cfg)
    _check_areas(areas, ref)
    names = _names(ref)
    daily_df = _released_daily(spark, cfg, date_from, date_to)
    hourly_df = _between(
        lake.read_required(spark, cfg, tables.RELEASED_HOURLY, hint=HINT), date_from, date_to
    )
    released = _released_dates(daily_df)
    if not released:
        raise UserError(f"no released dates between {date_from} and {date_to}: {HINT}")
    days = [date_from + dt.timedelta(days=k) for k in range((date_to - date_from).days + 1)]
    figures = _compare_figures(daily_df, hourly_df, areas, names, days, released)
    figures.update(_part_figures(spark, cfg, areas, days, released))
    folder = cfg.path("reports") / "compare" / _slug("-".join(areas), str(date_from), str(date_to))
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


def _control_candidates(ref: pd.DataFrame, area: str, controls: list[str] | None) -> list[str]:
    """The given controls, or (auto) every other area of the treated area's region."""
    if controls is not None and area in controls:
        raise UserError(f"--controls must not include the treated area {area}")
    if controls is not None:
        return list(controls)
    region = ref.loc[ref[C.AREA_ID] == area, C.REGION_ID].iloc[0]
    return [a for a in ref.loc[ref[C.REGION_ID] == region, C.AREA_ID] if a != area]


def _chosen_controls(
    ranking: pd.DataFrame, ref: pd.DataFrame, area: str, controls: list[str] | None, window: str
) -> list[str]:
    """The controls of the estimate: the given ones, or the best ranked (marked in ranking)."""
    if controls is not None:
        ranking["chosen"] = ranking[C.AREA_ID].isin(controls)
        return controls
    chosen = list(ranking.loc[ranking["chosen"], C.AREA_ID])
    if not chosen:
        region = ref.loc[ref[C.AREA_ID] == area, C.REGION_ID].iloc[0]
        raise UserError(
            f"no control area for {area}: auto controls need areas of region {region} with "
            f"a released value on every released day from {window}, and {area} "
            "released on at least 2 pre days; pass --controls A,B,... or other dates"
        )
    log.info("auto controls for %s: %s", area, ", ".join(chosen))
    return chosen


def impact_measure(cfg: Config, visitor_class: str | None, dwell: list[str] | None) -> Measure:
    """What `impact` estimates: all daily visitors, one class's (--class) or the share of the
    dwell bands (--dwell); a UserError naming the allowed values for an unknown one."""
    if visitor_class is not None and dwell is not None:
        raise UserError("impact: give --class or --dwell, not both")
    if visitor_class is not None:
        if visitor_class not in C.VISITOR_CLASSES:
            raise UserError(f"--class {visitor_class}: one of {', '.join(C.VISITOR_CLASSES)}")
        return Measure(
            f"daily visitors of class {visitor_class}",
            tables.RELEASED_CLASS.name,
            f"class-{visitor_class}",
        )
    if dwell is not None:
        bands = band_labels(cfg["presence.dwell_bands_minutes"])
        unknown = [b for b in dwell if b not in bands]
        if unknown or not dwell:
            raise UserError(f"--dwell {','.join(dwell)}: bands among {', '.join(bands)}")
        return Measure(
            f"share of stays in dwell bands {', '.join(dwell)}",
            tables.RELEASED_DWELL.name,
            "dwell-" + "-".join(dwell),
            digits=3,
            share=True,
        )
    return Measure("daily visitors", tables.RELEASED_DAILY.name)


def _impact_rows(
    spark: SparkSession,
    cfg: Config,
    measure: Measure,
    areas: list[str],
    dwell: list[str] | None,
    d1: dt.date,
    d2: dt.date,
) -> tuple[pd.DataFrame, list[dt.date]]:
    """The daily values (date, area_id, visitors) of the measure and the released dates."""
    daily_df = _released_daily(spark, cfg, d1, d2)
    released = _released_dates(daily_df)
    if measure.table == tables.RELEASED_DAILY.name:
        df = daily_df.where(F.col(C.ORIGIN_ID) == C.ORIGIN_ALL).select(
            C.DATE, C.AREA_ID, C.VISITORS
        )
        return _sorted_pdf(df.where(F.col(C.AREA_ID).isin(areas)), [C.DATE, C.AREA_ID]), released
    table = tables.ALL[measure.table]
    part = table.keys[-1]
    df = _between(lake.read_required(spark, cfg, table, hint=HINT), d1, d2)
    rows = _sorted_pdf(
        df.where(F.col(C.AREA_ID).isin(areas)).select(C.DATE, C.AREA_ID, part, C.VISITORS),
        [C.DATE, C.AREA_ID, part],
    )
    if part == C.VISITOR_CLASS:
        return breakdowns.class_series(rows, measure.slug.removeprefix("class-")), released
    return breakdowns.share_series(rows, dwell or []), released


def run_impact(
    spark: SparkSession,
    cfg: Config,
    area: str,
    date: dt.date,
    controls: list[str] | None,
    before: int,
    after: int,
    visitor_class: str | None = None,
    dwell: list[str] | None = None,
) -> dict[str, Any]:
    """DiD estimate of the change in an area's daily visitors from `date` (or in one class's
    visitors, or in the share of some dwell bands); write the report."""
    measure = impact_measure(cfg, visitor_class, dwell)
    ref = _area_table(spark, cfg)
    _check_areas([area, *(controls or [])], ref)
    names = _names(ref)
    candidates = _control_candidates(ref, area, controls)
    pre, post = impact.window_days(date, before, after)
    rows, released = _impact_rows(spark, cfg, measure, [area, *candidates], dwell, pre[0], post[-1])
    n = impact.AUTO_CONTROLS if controls is None else len(candidates)
    ranking = impact.choose_controls(
        rows, area, candidates, date, before, after, n=n, released_dates=released
    )
    chosen = _chosen_controls(ranking, ref, area, controls, f"{pre[0]} to {post[-1]}")
    result = impact.estimate_impact(
        rows, area, chosen, date, before, after, released_dates=released
    )
    summary = impact_summary(result, names, measure)
    folder = cfg.path("reports") / "impact" / _slug(area, str(date), *filter(None, [measure.slug]))
    page = write_impact_report(
        folder,
        result=result,
        names=names,
        ranking=ranking,
        auto=controls is None,
        summary=summary,
        measure=measure,
    )
    log.info("impact report written to %s", page)
    return {
        "report": str(page),
        "area": area,
        "date": str(date),
        "measure": measure.label,
        "uplift": round(result.uplift, 4),
        "ci_low": round(result.ci_low, 4),
        "ci_high": round(result.ci_high, 4),
        "controls": ",".join(result.controls),
        "pretrend_ok": result.pretrend.ok,
        "days_dropped": len(result.dropped),
        "summary": summary,
    }


def impact_summary(
    result: impact.ImpactResult, names: dict[str, str], measure: Measure | None = None
) -> str:
    """The headline sentence of an impact report."""
    label = measure.label if measure else "daily visitors"
    name = f" ({names[result.treated]})" if names.get(result.treated) else ""
    verb = "rose" if result.uplift >= 0 else "fell"
    shown = ", ".join(result.controls[:6]) + (", ..." if len(result.controls) > 6 else "")
    n = len(result.controls)
    text = (
        f"{label[0].upper()}{label[1:]} in {result.treated}{name} {verb} "
        f"{abs(result.uplift):.0%}{' (relative)' if measure and measure.share else ''} "
        f"(95% CI {result.ci_low:+.0%} to {result.ci_high:+.0%}) from {result.date} on, against "
        f"{n} control area{'s' if n != 1 else ''} ({shown})."
    )
    if result.ci_low <= 0 <= result.ci_high:
        text += " The interval includes no change."
    if result.dropped:
        text += f" {len(result.dropped)} day(s) left out (suppressed or not released)."
    check = (
        "OK"
        if result.pretrend.ok
        else "WARNING: " + "; ".join(n for n in result.pretrend.notes if "too few" not in n)
    )
    return text + f" Pre-trend check: {check}."
