"""`footfall run`: ingest every landing day, origins for every period touched, presence and
release for every date, in order; each step is idempotent so a re-run replaces, never duplicates."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from pyspark.sql import SparkSession

from footfall.core.calendar import batches, dates_between, periods_of, span
from footfall.core.config import Config
from footfall.core.errors import GateBlocked

log = logging.getLogger(__name__)


def _ingest_all(
    spark: SparkSession,
    cfg: Config,
    ingest_batches: list[list[dt.date]],
    master_key: bytes,
    progress: Callable[[str], None],
) -> int:
    """Ingest every batch of landing days, a progress step each; the rows read in all."""
    from footfall.stages.ingest_job import run_ingest_days

    rows = 0
    for batch in ingest_batches:
        summaries = run_ingest_days(spark, cfg, batch, master_key)
        read = sum(s.rows_read for s in summaries)
        valid = sum(s.rows_valid for s in summaries)
        rows += read
        progress(f"ingest {span(batch)}: {valid} valid of {read}")
    return rows


def run_range(
    spark: SparkSession, cfg: Config, d1: dt.date, d2: dt.date, master_key: bytes
) -> dict:
    """Run the whole pipeline for d1..d2; raise GateBlocked at the end if any date was blocked."""
    from footfall.stages.origins import run_origins
    from footfall.stages.presence import run_presence_days

    dates = dates_between(d1, d2)
    periods = periods_of(dates)
    size = cfg["run.batch_days"]
    ingest_batches, presence_batches = batches(dates, size), batches(dates, size, by_period=True)
    started = time.monotonic()
    steps = len(ingest_batches) + len(periods) + len(presence_batches)
    release_batches = batches(dates, size) if cfg["run.release"] else []
    steps += len(release_batches)
    done = 0

    def progress(what: str) -> None:
        nonlocal done
        done += 1
        log.info("[%d/%d] %s (%.0f s elapsed)", done, steps, what, time.monotonic() - started)

    rows = _ingest_all(spark, cfg, ingest_batches, master_key, progress)
    for p in periods:
        summary = run_origins(spark, cfg, p)
        progress(f"origins {p}: {summary}")
    for batch in presence_batches:
        run_presence_days(spark, cfg, batch)
        progress(f"presence {span(batch)}")

    released, blocked = [], []
    if release_batches:
        from footfall.gate.release import run_release_days

        for batch in release_batches:  # a blocked date is logged; the others are published
            summaries = run_release_days(spark, cfg, batch)
            released += [s["date"] for s in summaries if s["passed"]]
            blocked += [s["date"] for s in summaries if not s["passed"]]
            progress(f"release {span(batch)}: {sum(s['passed'] for s in summaries)} released")
    result = {
        "dates": f"{d1} .. {d2} ({len(dates)} days)",
        "periods": ", ".join(periods),
        "rows_read": rows,
        "released": len(released),
        "blocked": ", ".join(blocked) or "none",
        "lake": str(cfg.path("lake")),
        "reports": str(cfg.path("reports")),
        "seconds": round(time.monotonic() - started, 1),
    }
    if blocked:
        raise GateBlocked(f"release blocked for {', '.join(blocked)}; see {cfg.path('reports')}")
    return result
