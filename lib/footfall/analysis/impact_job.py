"""The analysts' `impact` command on the released tables only: a difference-in-differences
estimate of the change in an area's daily visitors (or in one class's, or in the share of some
dwell bands) from a date on, against control areas, with its report.

It reads the released slices through analysis.jobs, as `compare` does: a day with a suppressed or
unreleased value is left out, never taken as zero.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pandas as pd
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from footfall.analysis import breakdowns, impact
from footfall.analysis.breakdowns import Measure
from footfall.analysis.impact_report import write_impact_report
from footfall.analysis.jobs import (
    HINT,
    area_names,
    area_table,
    between,
    check_areas,
    released_daily,
    released_dates,
    slug,
    sorted_pdf,
)
from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.config import Config
from footfall.core.errors import UserError
from footfall.stages.dwell import band_labels

# the job's log lines keep the name they had before impact left analysis.jobs
log = logging.getLogger("footfall.analysis.jobs")


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
    daily_df = released_daily(spark, cfg, d1, d2)
    released = released_dates(daily_df)
    if measure.table == tables.RELEASED_DAILY.name:
        df = daily_df.where(F.col(C.ORIGIN_ID) == C.ORIGIN_ALL).select(
            C.DATE, C.AREA_ID, C.VISITORS
        )
        return sorted_pdf(df.where(F.col(C.AREA_ID).isin(areas)), [C.DATE, C.AREA_ID]), released
    table = tables.ALL[measure.table]
    part = table.keys[-1]
    df = between(lake.read_required(spark, cfg, table, hint=HINT), d1, d2)
    rows = sorted_pdf(
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
    ref = area_table(spark, cfg)
    check_areas([area, *(controls or [])], ref)
    names = area_names(ref)
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
    folder = cfg.path("reports") / "impact" / slug(area, str(date), *filter(None, [measure.slug]))
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
