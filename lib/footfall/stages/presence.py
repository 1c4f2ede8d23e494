"""Origin-presence per date (METHOD 5.2) from stays (5.1), extrapolated (METHOD 6), disclosure
controlled (METHOD 7): the audit and candidate tables of METHOD 8."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.calendar import consecutive, period_bounds, period_of, span
from footfall.core.config import Config
from footfall.core.errors import UserError
from footfall.privacy import disclosure, dp
from footfall.runtime.concurrent import run_together
from footfall.runtime.kept_rows import keep
from footfall.runtime.session import UNCOMPRESSED_CACHE, session_conf
from footfall.stages import dp_presence
from footfall.stages.dp_presence import DpCandidates
from footfall.stages.dwell import breakdown, counts_with_all, daily_stays
from footfall.stages.extrapolation import with_weights
from footfall.stages.origins import assign_origins
from footfall.stages.stay_rule import StayRule, stay_settings, within_reach
from footfall.stages.stays import present_hours

log = logging.getLogger(__name__)


def subscriber_origins(
    origins: DataFrame,
    areas: DataFrame,
    level: str,
    home_mccs: list[str],
    work: DataFrame | None = None,
) -> Callable[[DataFrame], DataFrame]:
    """Present rows -> the same rows with origin_id, weight, home_area_id and work_area_id of
    their token (origins, weights and work areas of one period: the period of the rows' dates)."""

    def _apply(present: DataFrame) -> DataFrame:
        # joined on the token straight from the distinct rows: one shuffle by token, whose
        # partitioning the daily dedup then reuses; region and national weights are broadcast
        rows = (
            assign_origins(present, origins, level, home_mccs)
            .transform(lambda df: with_weights(df, origins, areas, home_mccs))
            .drop(C.HOME_REGION_ID, C.MCC)
        )
        if work is None:
            return rows.withColumn(C.WORK_AREA_ID, F.lit(None).cast("string"))
        return rows.join(work.select(C.TOKEN, C.WORK_AREA_ID), C.TOKEN, "left")

    return _apply


def _aggregate(rows: DataFrame, keys: list[str], level: str) -> DataFrame:
    """Per-origin and `all` counts (`counts_with_all`); rows are distinct per token within
    keys, so count(*) is the exact distinct subscriber count."""
    return counts_with_all(rows, keys, C.ORIGIN_ID).select(
        *keys, F.lit(level).alias(C.ORIGIN_LEVEL), C.ORIGIN_ID, C.SUBSCRIBERS, C.EXTRAPOLATED
    )


def hourly_presence(level: str) -> Callable[[DataFrame], DataFrame]:
    """Weighted present rows -> audit hourly rows (every origin and `all`)."""
    return lambda rows: _aggregate(rows, [C.DATE, C.HOUR, C.AREA_ID], level)


def daily_presence(level: str) -> Callable[[DataFrame], DataFrame]:
    """Daily stay rows (one per date, area and token: `daily_stays`) -> audit daily rows (every
    origin and `all`)."""
    return lambda daily: _aggregate(daily, [C.DATE, C.AREA_ID], level)


def read_stay_events(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date) -> DataFrame:
    """The events that presence of first..last reads: the partitions of those dates and of the
    dates next to them within the same period (a stay may reach into the next or previous date;
    tokens of another period are never linked, METHOD 5.1), and of the dates next to them only
    the rows whose stays can reach first..last (`within_reach`: with the default limits the
    14 hours next to them, so one date's presence shuffles ~2.2 days of events, not three)."""
    period_first, period_last = period_bounds(period_of(first))
    before = max(first - dt.timedelta(days=1), period_first)
    after = min(last + dt.timedelta(days=1), period_last)
    reach = within_reach(StayRule.from_config(cfg), cfg.zone, first, last)
    return lake.read_events(spark, cfg, before, after).where(reach)


def run_presence(spark: SparkSession, cfg: Config, date: dt.date) -> dict:
    """Audit and candidate origin-presence tables for one local date."""
    return run_presence_days(spark, cfg, [date])[0]


def _period_origins(spark: SparkSession, cfg: Config, period: str, text: str) -> DataFrame:
    """The period's origins rows; a UserError naming the job to run when there are none."""
    origins = lake.read_slice(spark, cfg, tables.ORIGINS, lake.Rows(C.PERIOD, period))
    stats = origins.agg(F.count("*").alias("n"), F.count(C.HOME_AREA_ID).alias("known")).first()
    if not stats["n"]:
        raise UserError(
            f"no origins for period {period}: run `footfall origins --period {period}` first"
        )
    if not stats["known"]:
        log.warning("presence %s: no known homes in %s; every weight is P / N", text, period)
    return origins


@dataclass(frozen=True)
class _Output:
    """One aggregate of the weighted present rows and the two tables it is written to."""

    name: str
    aggregate: Callable[[Config], Callable[[DataFrame], DataFrame]]
    audit: tables.Table
    candidate: tables.Table
    group: tuple[str, ...]
    part: str = C.ORIGIN_ID
    daily: bool = True  # aggregates the daily stay rows, not the hourly present rows


OUTPUTS = (
    _Output("hourly", lambda cfg: hourly_presence(cfg["origins.level"]), tables.AUDIT_HOURLY,
            tables.CANDIDATE_HOURLY, disclosure.HOURLY_GROUP, daily=False),
    _Output("daily", lambda cfg: daily_presence(cfg["origins.level"]), tables.AUDIT_DAILY,
            tables.CANDIDATE_DAILY, disclosure.DAILY_GROUP),
    _Output("dwell", lambda cfg: breakdown(C.DWELL_BAND), tables.AUDIT_DWELL,
            tables.CANDIDATE_DWELL, disclosure.BREAKDOWN_GROUP, C.DWELL_BAND),
    _Output("class", lambda cfg: breakdown(C.VISITOR_CLASS), tables.AUDIT_CLASS,
            tables.CANDIDATE_CLASS, disclosure.BREAKDOWN_GROUP, C.VISITOR_CLASS),
)  # fmt: skip


def _write_output(
    rows: DataFrame,
    daily: DataFrame,
    cfg: Config,
    out: _Output,
    where: lake.Rows,
    written: dict[str, DataFrame],
    dp_mode: DpCandidates | None = None,
) -> dict[str, int | None]:
    """Audit rows of out (from the weighted hourly present rows, or the daily stay rows of
    `daily_stays`), then the disclosure-controlled candidates computed from exactly the audit
    rows written (so every candidate traces to them); Delta versions. Each frame is cached and
    put in written under its summary name as soon as it is (the caller counts and unpersists
    them). In DP mode (METHOD 7.1) the audit rows stay exact and the hourly and daily
    candidates are the noised cells of the bounded rows; the 5.3 breakdowns get no candidates
    (not DP yet)."""
    k_min, rounding = cfg["release.k_min"], cfg["release.rounding"]
    # one task (so one file) per date: a date's rows are few (area x hour x origin), and the
    # release reads them date by date
    audit = (daily if out.daily else rows).transform(out.aggregate(cfg)).repartition(C.DATE)
    audit = audit.persist(StorageLevel.MEMORY_AND_DISK)
    written[f"audit_{out.name}_rows"] = audit
    versions = {f"audit_{out.name}": lake.replace_where(audit, cfg, out.audit, where)}
    if dp_mode is None:
        candidates = disclosure.control(audit, out.group, k_min, rounding, out.part)
    elif out.name in (dp.HOURLY, dp.DAILY):
        candidates = dp_mode.candidates(rows, out.name)
    else:  # a k-anonymous breakdown beside DP tables would void their guarantee: none (and
        # none left from an earlier k-anonymity run of these dates)
        candidates = rows.sparkSession.createDataFrame([], out.candidate.schema)
    candidates = candidates.repartition(C.DATE).persist(StorageLevel.MEMORY_AND_DISK)
    written[f"candidate_{out.name}_rows"] = candidates
    versions[f"candidate_{out.name}"] = lake.replace_where(candidates, cfg, out.candidate, where)
    return versions


# AQE sizes the partitions of the cached hourly and daily rows (and of each cached output) to
# their data, as it does every other stage's. By default Spark keeps a cached plan's last
# shuffle at spark.sql.shuffle.partitions, which conf/cluster.yaml sets as an upper bound for
# AQE to coalesce: every output then ran that many tasks over the cached rows. One date of the
# 10M bench at 80 partitions: 2,991 tasks and 102 executor CPU s, 625 and 62 with this
# (bench/README.md, sixth pass).
# The cached frames are built uncompressed, as ingest's (`UNCOMPRESSED_CACHE`): 14 dates in one
# pass, 100M 266 -> 251 s, executor time 483 -> 451 s; 10M 87.6 -> 81.9 s of executor time (two
# pairs; bench/README.md, eighth pass). Both settings are read when a frame is persisted.
SETTINGS = {
    "spark.sql.optimizer.canChangeCachedPlanOutputPartitioning": "true",
    **UNCOMPRESSED_CACHE,
}


def run_presence_days(spark: SparkSession, cfg: Config, dates: list[dt.date]) -> list[dict]:
    """Audit and candidate origin-presence tables for consecutive local dates of one period, in
    one Spark pass (the same rows as one run per date); a summary per date."""
    with session_conf(spark, {**SETTINGS, **stay_settings(cfg)}):
        return _presence_pass(spark, cfg, sorted(dates))


def _presence_pass(spark: SparkSession, cfg: Config, dates: list[dt.date]) -> list[dict]:
    period, level = period_of(dates[0]), cfg["origins.level"]
    if not consecutive(dates) or any(period_of(d) != period for d in dates):
        raise ValueError(f"presence dates must be consecutive, in one period: {dates}")
    text = span(dates)
    origins = _period_origins(spark, cfg, period, text)
    work = lake.read_slice(spark, cfg, tables.WORK_AREAS, lake.Rows(C.PERIOD, period))
    home_mccs = cfg["subscribers.home_mccs"]
    rows = (
        read_stay_events(spark, cfg, dates[0], dates[-1])
        .transform(present_hours(StayRule.from_config(cfg), cfg.zone, dates[0], dates[-1]))
        .transform(subscriber_origins(origins, lake.read_areas(spark, cfg), level, home_mccs, work))
    )
    log.info("presence %s: writing audit and candidate tables (origin level %s)", text, level)
    # the weighted hourly rows feed the hourly table and the daily stay rows, which feed the
    # three daily tables (one row per date, area and token): both kept (`presence.keep_rows`),
    # so the events are read and the hours summed into days once
    rows, free_rows = keep(rows, cfg["presence.keep_rows"])
    daily, free_daily = keep(
        rows.transform(daily_stays(cfg["presence.dwell_bands_minutes"])),
        cfg["presence.keep_rows"],
    )
    versions: dict[str, int | None] = {}
    written: dict[str, DataFrame] = {}  # the outputs' cached audit and candidate frames
    where = lake.Rows(C.DATE, dates[0], dates[-1])
    try:
        dp_mode = None
        if cfg["release.privacy"] == "dp":
            dp_mode = dp_presence.prepare(spark, cfg, dates, period, origins)
        # the four outputs write eight tables, each from the kept rows: at once
        # (`run.write_threads`); in turn in DP mode, not measured that way (its noise is drawn
        # by OpenDP in Python workers, and two of its outputs have no candidates)
        threads = 1 if dp_mode is not None else cfg["run.write_threads"]
        for out_versions in run_together(
            spark,
            [
                partial(_write_output, rows, daily, cfg, out, where, written, dp_mode)
                for out in OUTPUTS
            ],
            threads,
        ):
            versions.update(out_versions)
        counts = lake.rows_per_date(written)
    finally:
        free_rows()
        free_daily()
        for frame in written.values():
            frame.unpersist()
    return [_summary(d, period, level, counts, versions) for d in dates]


def _summary(
    date: dt.date, period: str, level: str, counts: dict, versions: dict[str, int | None]
) -> dict:
    summary: dict = {"date": str(date), "period": period, "origin_level": level}
    for what in ("audit", "candidate"):
        for name in (out.name for out in OUTPUTS):
            key = f"{what}_{name}_rows"
            summary[key] = counts.get((date, key), 0)
    summary.update({f"{name}_version": v for name, v in versions.items()})
    log.info("presence %s: %s", date, summary)
    return summary
