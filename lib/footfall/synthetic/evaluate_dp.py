"""Accuracy of the DP mode (METHOD 7.1) on the demo data, for `footfall evaluate` in DP mode.

Next to the released tables' own figures (the mode and mechanism the run used, with bounding),
the same median absolute % error of hourly and daily `all` visitors is computed for:
k-anonymity (METHOD 7 applied to the audit tables, as a k-anonymity run releases them) and
both DP mechanisms at the configured budget, simulated from the audit's exact counts (the
released DP code path, `privacy.dp_release`, on every cell of the public domain, with the
period's noised residents; the audit's counts are not bounded, which at the default bounds
changes few subscriber-days). A chart shows the error against the day's budget for one area,
from the same exact counts plus noise drawn at several budgets (no pipeline re-run).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import statistics
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.calendar import period_of
from footfall.core.config import Config
from footfall.privacy import disclosure, dp, dp_release
from footfall.privacy.dp_release import dp_origin
from footfall.stages.dp_presence import LEVEL_COLUMNS, period_residents

CHART = "evaluation_dp_budget.png"
BUDGET_FACTORS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0)  # times the configured day budget
CHART_REPEATS = 50
GROUPS = {dp.HOURLY: [C.DATE, C.HOUR, C.AREA_ID], dp.DAILY: [C.DATE, C.AREA_ID]}


def _plan(cfg: Config, mechanism: str, factor: float = 1.0) -> dp.DpPlan:
    base = dp.DpPlan.from_config(cfg.with_overrides(dp__mechanism=mechanism))
    return dataclasses.replace(base, day_budget=base.day_budget * factor)


def _exact_counts(audit: DataFrame, table: str) -> DataFrame:
    """Audit rows -> exact subscribers per DP cell (roamers merged, `all` left out)."""
    return (
        audit.where(F.col(C.ORIGIN_ID) != C.ORIGIN_ALL)
        .withColumn(C.ORIGIN_ID, dp_origin(F.col(C.ORIGIN_ID)))
        .groupBy(*GROUPS[table], C.ORIGIN_ID)
        .agg(F.sum(C.SUBSCRIBERS).cast("long").alias(C.SUBSCRIBERS))
    )


@dataclasses.dataclass(frozen=True)
class _Period:
    dates: list[dt.date]
    weights: dict[str, float]


def _periods(spark: SparkSession, cfg: Config, dates: list[dt.date], areas: list[dict]):
    level = cfg["origins.level"]
    regions = sorted({str(a[C.REGION_ID]) for a in areas})
    out = []
    for period in sorted({period_of(d) for d in dates}):
        origins = lake.read_slice(spark, cfg, tables.ORIGINS, lake.Rows(C.PERIOD, period))
        residents = period_residents(spark, cfg, period, origins, regions)
        days = [d for d in dates if period_of(d) == period]
        out.append(_Period(days, dp_release.origin_weights(residents, areas, level)))
    return out


def simulated(
    spark: SparkSession,
    cfg: Config,
    audit: DataFrame,
    table: str,
    plan: dp.DpPlan,
    periods: list[_Period],
    areas: list[dict],
) -> DataFrame:
    """DP candidate rows of the table from the audit's exact counts at the plan's budget."""
    level = cfg["origins.level"]
    origins = dp_release.origin_ids([str(a[LEVEL_COLUMNS[level]]) for a in areas])
    area_ids = [str(a[C.AREA_ID]) for a in areas]
    frames = []
    for p in periods:
        domain = dp_release.public_domain(spark, area_ids, origins, p.dates, cfg.zone, table)
        counts = _exact_counts(audit.where(F.col(C.DATE).isin(p.dates)), table)
        frames.append(
            counts.transform(dp_release.noised(domain, plan, table)).transform(
                dp_release.extrapolated(p.weights, GROUPS[table], level, cfg["release.rounding"])
            )
        )
    out = frames[0]
    for f in frames[1:]:
        out = out.unionByName(f)
    return out


def dp_accuracy(
    spark: SparkSession,
    cfg: Config,
    dates: list[dt.date],
    truth: dict[str, DataFrame],
    errors,  # evaluate.error_figures over evaluate.cell_errors: (released, truth, keys) -> row
    folder: Path,
) -> tuple[dict, list[str]]:
    """The figures (k-anonymity, both DP mechanisms) and the markdown lines of the chart."""
    areas = [r.asDict() for r in lake.read_areas(spark, cfg).collect()]
    periods = _periods(spark, cfg, dates, areas)
    audits = {
        dp.HOURLY: lake.read_table(spark, cfg, tables.AUDIT_HOURLY),
        dp.DAILY: lake.read_table(spark, cfg, tables.AUDIT_DAILY),
    }
    audits = {t: a.where(F.col(C.DATE).isin(dates)).cache() for t, a in audits.items()}
    result: dict = {}
    for table, audit in audits.items():
        group = disclosure.HOURLY_GROUP if table == dp.HOURLY else disclosure.DAILY_GROUP
        kanon = disclosure.control(audit, group, cfg["release.k_min"], cfg["release.rounding"])
        result[f"k_anonymity_{table}_median_ape_pct"] = errors(kanon, truth[table], GROUPS[table])
    for mechanism in (dp.GAUSSIAN, dp.LAPLACE):
        plan = _plan(cfg, mechanism)
        for table, audit in audits.items():
            rows = simulated(spark, cfg, audit, table, plan, periods, areas)
            key = f"dp_{mechanism}_{table}_median_ape_pct_simulated"
            result[key] = errors(rows, truth[table], GROUPS[table])
    result["dp_budget_per_day"] = (
        f"rho {cfg['dp.rho_per_day']} (gaussian), epsilon {cfg['dp.epsilon_per_day']} (laplace)"
    )
    area = cfg["generate.intervention_area"] or sorted(a[C.AREA_ID] for a in areas)[0]
    lines = _budget_chart(cfg, audits[dp.DAILY], truth[dp.DAILY], area, periods, areas, folder)
    for a in audits.values():
        a.unpersist()
    return result, lines


def _budget_chart(
    cfg: Config,
    audit: DataFrame,
    truth: DataFrame,
    area: str,
    periods: list[_Period],
    areas: list[dict],
    folder: Path,
) -> list[str]:
    """Median abs % error of the area's daily `all` against the day's budget (both
    mechanisms), from its exact counts plus noise drawn at each budget on the driver (a few
    hundred cells); the chart and its markdown lines."""
    level, rounding = cfg["origins.level"], cfg["release.rounding"]
    origins = dp_release.origin_ids([str(a[LEVEL_COLUMNS[level]]) for a in areas])
    rows = _exact_counts(audit.where(F.col(C.AREA_ID) == area), dp.DAILY).collect()
    counts = {(r[C.DATE], r[C.ORIGIN_ID]): int(r[C.SUBSCRIBERS]) for r in rows}
    true = {r[C.DATE]: r["people"] for r in truth.where(F.col(C.AREA_ID) == area).collect()}

    def error(noisy: list[int], p: _Period, d: dt.date) -> float:
        total = sum(n * p.weights[o] for n, o in zip(noisy, origins, strict=True))
        released = math.floor(max(total, 0.0) / rounding + 0.5) * rounding
        return abs(released - true[d]) / true[d]

    days = [(p, d) for p in periods for d in p.dates if true.get(d)]
    exact = [error([counts.get((d, o), 0) for o in origins], p, d) for p, d in days]
    floor = 100 * statistics.median(exact) if exact else None
    points: dict[str, list[tuple[float, float]]] = {}
    for mechanism in (dp.GAUSSIAN, dp.LAPLACE):
        for factor in BUDGET_FACTORS:
            plan = _plan(cfg, mechanism, factor)
            draw = dp.sampler(mechanism, plan.scale(dp.DAILY), plan.test_seed)
            errs = []
            for rep in range(CHART_REPEATS):  # many draws: a stable median
                for p, d in days:
                    cells = [f"chart|{rep}|{factor}|{d}|{area}|{o}" for o in origins]
                    errs.append(error(draw([counts.get((d, o), 0) for o in origins], cells), p, d))
            if errs:
                points.setdefault(mechanism, []).append(
                    (plan.day_budget, 100 * statistics.median(errs))
                )
    _chart(folder / CHART, points, area, floor)
    lines = [
        "",
        f"## DP: error against the day's budget (area {area}, daily visitors)",
        "",
        f"Simulated from the audit's exact counts plus noise at each budget ({CHART_REPEATS} draws",
        "per date; every origin of the public domain, weights from the period's noised",
        "residents). Without noise the error is "
        + (f"{floor:.2f}%" if floor is not None else "n/a")
        + " (extrapolation and rounding alone; the dashed line).",
        "",
        f"![median abs % error against the budget]({CHART})",
        "",
        "| mechanism | budget per day | median abs. error % |",
        "|---|---:|---:|",
    ]
    for mechanism, pts in points.items():
        m = "rho" if mechanism == dp.GAUSSIAN else "epsilon"
        lines += [f"| {mechanism} | {m} {b:g} | {e:.2f} |" for b, e in pts]
    return lines


def _chart(
    path: Path, points: dict[str, list[tuple[float, float]]], area: str, floor: float | None
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.8), dpi=110)
    for mechanism, pts in points.items():
        unit = "rho" if mechanism == dp.GAUSSIAN else "epsilon"
        ax.plot([b for b, _ in pts], [e for _, e in pts], marker="o", label=f"{mechanism} ({unit})")
    if floor is not None:
        ax.axhline(floor, color="#555555", linestyle="--", linewidth=0.8, label="no noise")
    ax.set_xscale("log")
    ax.set_xlabel("budget per subscriber-day (rho or epsilon, log scale)")
    ax.set_ylabel("median abs. error % (daily visitors)")
    ax.set_title(f"DP error against the budget, area {area}")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
