"""`footfall run`: ingest every landing day, origins for every period touched, presence and
release for every date, in order; each step is idempotent so a re-run replaces, never duplicates."""

from __future__ import annotations

import datetime as dt
import logging
import time

from pyspark.sql import SparkSession

from footfall.core.calendar import batches, dates_between, periods_of, span
from footfall.core.config import Config
from footfall.core.errors import GateBlocked

log = logging.getLogger(__name__)


def run_range(
    spark: SparkSession, cfg: Config, d1: dt.date, d2: dt.date, master_key: bytes
) -> dict:
    """Run the whole pipeline for d1..d2; raise GateBlocked at the end if any date was blocked."""
    from footfall.stages.ingest import run_ingest_days
    from footfall.stages.origins import run_origins
    from footfall.stages.presence import run_presence_days

    dates = dates_between(d1, d2)
    periods = periods_of(dates)
    size = cfg["run.batch_days"]
    ingest_batches, presence_batches = batches(dates, size), batches(dates, size, by_period=True)
    started = time.monotonic()
    steps = len(ingest_batches) + len(periods) + len(presence_batches)
    steps += len(dates) if cfg["run.release"] else 0
    done = 0

    def progress(what: str) -> None:
        nonlocal done
        done += 1
        log.info("[%d/%d] %s (%.0f s elapsed)", done, steps, what, time.monotonic() - started)

    rows = 0
    for batch in ingest_batches:
        summaries = run_ingest_days(spark, cfg, batch, master_key)
        read = sum(int(s.get("rows_read", 0)) for s in summaries)
        valid = sum(int(s.get("rows_valid", 0)) for s in summaries)
        rows += read
        progress(f"ingest {span(batch)}: {valid} valid of {read}")
    for p in periods:
        summary = run_origins(spark, cfg, p)
        progress(f"origins {p}: {summary}")
    for batch in presence_batches:
        run_presence_days(spark, cfg, batch)
        progress(f"presence {span(batch)}")

    released, blocked, reports = [], [], []
    if cfg["run.release"]:
        from footfall.gate.release import run_release

        for d in dates:
            try:
                summary = run_release(spark, cfg, d)
                released.append(str(d))
                reports.append(summary.get("report"))
            except GateBlocked as exc:
                log.error("release %s blocked: %s", d, exc)
                blocked.append(str(d))
            progress(f"release {d}")
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
