"""The candidates of a batch of dates before the quality gate (METHOD 9): read them.

`gate_inputs` reads the candidate tables of the dates and everything the checks compare them with
(audit tables, ingest log, areas, previous releases), each once for the batch; `gate.measured`
turns them into what the suites validate and the reports show. Frames cached here are cached
through `persisted`, which releases them when the release attempt ends, however it ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall.core import calendar, lake, tables
from footfall.core import columns as C
from footfall.core.config import Config
from footfall.core.errors import UserError
from footfall.gate import breakdowns, measures
from footfall.gate.breakdowns import BREAKDOWNS
from footfall.runtime.concurrent import run_together

Cache = Callable[[DataFrame], DataFrame]
GROUP_HOURLY = (C.DATE, C.HOUR, C.AREA_ID)  # disclosure groups (METHOD 7)
GROUP_DAILY = (C.DATE, C.AREA_ID)
# The gate's frames are aggregates: in one cached partition (demo scale: a few MB) no check
# shuffles; national-scale batches get a partition per this many bytes of candidate files.
BYTES_PER_PARTITION = 64 * 1024 * 1024


@contextlib.contextmanager
def persisted() -> Iterator[Cache]:
    """A `cache` function for the block: every frame it caches is unpersisted when it ends."""
    frames: list[DataFrame] = []

    def cache(df: DataFrame) -> DataFrame:
        frames.append(df.cache())
        return frames[-1]

    try:
        yield cache
    finally:
        for df in frames:
            df.unpersist()


@dataclass(frozen=True)
class DateCounts:
    """What one pass over the candidates says of a date."""

    rows_hourly: int
    rows_daily: int
    hours: list[int]  # distinct local hours of the hourly candidates
    covered: list[str]  # areas with a daily `all` value
    total: int  # the daily `all` visitors of every area


@dataclass(frozen=True)
class GateInputs:
    """The candidates of a batch of dates and everything the checks compare them with."""

    dates: list[dt.date]
    hourly: DataFrame  # candidate rows of the dates (cached)
    daily: DataFrame  # (cached)
    audit_hourly: DataFrame
    audit_daily: DataFrame
    ingest: DataFrame  # ingest log of the feeding landing days, with its measures (cached)
    counts: dict[dt.date, DateCounts]
    landing_days: dict[dt.date, list[dt.date]]  # per date, the landing days feeding it
    area_ids: list[str]
    released: dict[dt.date, int]  # daily `all` totals of the releases before the last date
    # per breakdown (its released table's name): candidate and audit rows of the dates (cached)
    parts: dict[str, tuple[DataFrame, DataFrame]]
    part_rows: dict[dt.date, dict[str, int]]  # per date, candidate rows of each breakdown


def gate_inputs(spark: SparkSession, cfg: Config, dates: list[dt.date], cache: Cache) -> GateInputs:
    """Read the candidates of the dates and everything the checks compare them with."""
    day = lake.Dates(C.DATE, tuple(dates))
    hint = f"run `footfall presence --date {dates[0].isoformat()}` first"
    lateness = cfg["ingest.max_lateness_days"]
    feeding = {d: calendar.feeding_landing_days(d, lateness) for d in dates}
    landing = lake.Dates(C.LANDING_DATE, tuple({x for days in feeding.values() for x in days}))
    # every table read (its Delta snapshot and its scan planned: a few small Spark jobs each) at
    # once (`run.write_threads`); the slices of the dates cached (planned now, filled when used)
    audited = [tables.AUDIT_HOURLY, tables.AUDIT_DAILY]
    audited += [t for b in BREAKDOWNS for t in (b.candidate, b.audit)]
    read = run_together(
        spark,
        [
            lambda: cache(lake.read_slice(spark, cfg, tables.CANDIDATE_HOURLY, day)),
            lambda: cache(lake.read_slice(spark, cfg, tables.CANDIDATE_DAILY, day)),
            lambda: lake.read_slice(spark, cfg, tables.INGEST_LOG, landing),
            lambda: lake.read_table(spark, cfg, tables.RELEASED_DAILY),
            *[partial(_cached_slice, spark, cfg, t, hint, day, cache) for t in audited],
        ],
        cfg["run.write_threads"],
    )
    hourly, daily, ingest, released = read[:4]
    sliced = dict(zip([t.name for t in audited], read[4:], strict=True))
    partitions = max(1, math.ceil(lake.size_bytes(hourly) / BYTES_PER_PARTITION))
    hourly = hourly.coalesce(partitions)  # over the cache: a narrow step, no second scan
    daily = daily.coalesce(partitions)
    counts = _counts(hourly, daily)
    _require_candidates(dates, counts)
    audit = [sliced[t.name].coalesce(partitions) for t in audited[:2]]
    parts = {
        b.released.name: (
            sliced[b.candidate.name].coalesce(partitions),
            sliced[b.audit.name].coalesce(partitions),
        )
        for b in BREAKDOWNS
    }
    span_days = (dates[-1] - dates[0]).days + 1  # enough for each date's history (measures)
    return GateInputs(
        dates=dates,
        hourly=hourly,
        daily=daily,
        audit_hourly=audit[0],
        audit_daily=audit[1],
        ingest=cache(
            measures.ingest_measures(ingest).coalesce(1).sortWithinPartitions(C.LANDING_DATE)
        ),
        counts=counts,
        landing_days=feeding,
        area_ids=sorted(r[0] for r in lake.read_areas(spark, cfg).select(C.AREA_ID).collect()),
        released=measures.released_totals(
            released, dates[-1], cfg["quality.volume_history"] + span_days
        ),
        parts=parts,
        part_rows=breakdowns.part_rows(dates, {name: rows for name, (rows, _) in parts.items()}),
    )


def _require_candidates(dates: list[dt.date], counts: dict[dt.date, DateCounts]) -> None:
    """UserError naming the presence run to do when a date has no candidate rows."""
    missing = [d for d in dates if d not in counts]
    if missing:
        run = f"footfall presence --date {missing[0].isoformat()}"
        raise UserError(
            f"no candidate rows for {', '.join(d.isoformat() for d in missing)}: run `{run}` "
            + ("first" if len(missing) == 1 else "(and for the other dates) first")
        )


def _cached_slice(
    spark: SparkSession, cfg: Config, table: tables.Table, hint: str, day: lake.Dates, cache: Cache
) -> DataFrame:
    """The dates' rows of a table the presence job writes (UserError with hint when missing),
    cached."""
    return cache(lake.where(lake.read_required(spark, cfg, table, hint), day))


def _counts(hourly: DataFrame, daily: DataFrame) -> dict[dt.date, DateCounts]:
    """Rows, hours, covered areas and `all` total of every date (one pass per table)."""
    hours = {
        r[C.DATE]: (r["n"], sorted(r["hours"]))
        for r in hourly.groupBy(C.DATE)
        .agg(F.count(F.lit(1)).alias("n"), F.collect_set(C.HOUR).alias("hours"))
        .collect()
    }
    is_all = F.col(C.ORIGIN_ID) == C.ORIGIN_ALL
    out = {}
    for r in (
        daily.groupBy(C.DATE)
        .agg(
            F.count(F.lit(1)).alias("n"),
            F.collect_set(F.when(is_all, F.col(C.AREA_ID))).alias("covered"),
            F.sum(F.when(is_all, F.col(C.VISITORS))).alias("total"),
        )
        .collect()
    ):
        if r[C.DATE] in hours:
            n_hourly, hs = hours[r[C.DATE]]
            out[r[C.DATE]] = DateCounts(n_hourly, r["n"], hs, r["covered"], int(r["total"] or 0))
    return out
