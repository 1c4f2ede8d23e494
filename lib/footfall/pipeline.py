"""`footfall run`: ingest every landing day, origins for every period touched, presence and
release for every date, in order; each step is idempotent so a re-run replaces, never duplicates."""

from __future__ import annotations

import datetime as dt
import logging
import time

from pyspark.sql import SparkSession

from footfall.config import Config
from footfall.errors import GateBlocked

log = logging.getLogger(__name__)


def dates_between(d1: dt.date, d2: dt.date) -> list[dt.date]:
    """Every date from d1 to d2 inclusive."""
    return [d1 + dt.timedelta(days=i) for i in range((d2 - d1).days + 1)]


def periods_of(dates: list[dt.date]) -> list[str]:
    """The YYYY-MM periods the dates touch, in order."""
    return sorted({d.strftime("%Y-%m") for d in dates})


def run_range(
    spark: SparkSession, cfg: Config, d1: dt.date, d2: dt.date, master_key: bytes
) -> dict:
    """Run the whole pipeline for d1..d2; raise GateBlocked at the end if any date was blocked."""
    from footfall.ingest import run_ingest
    from footfall.origins import run_origins
    from footfall.presence import run_presence

    dates = dates_between(d1, d2)
    periods = periods_of(dates)
    started = time.monotonic()
    steps = len(dates) * (3 if cfg["run.release"] else 2) + len(periods)
    done = 0

    def progress(what: str) -> None:
        nonlocal done
        done += 1
        log.info("[%d/%d] %s (%.0f s elapsed)", done, steps, what, time.monotonic() - started)

    rows = 0
    for d in dates:
        summary = run_ingest(spark, cfg, d, master_key)
        rows += int(summary.get("rows_read", 0))
        progress(f"ingest {d}: {summary.get('rows_valid')} valid of {summary.get('rows_read')}")
    for p in periods:
        summary = run_origins(spark, cfg, p)
        progress(f"origins {p}: {summary}")
    for d in dates:
        run_presence(spark, cfg, d)
        progress(f"presence {d}")

    released, blocked, reports = [], [], []
    if cfg["run.release"]:
        from footfall.release import run_release

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
