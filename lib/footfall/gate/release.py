"""Release (METHOD 8, 9): write-audit-publish of dates' candidate tables behind the gate.

The candidates of a batch of dates are validated by the suites of expectations/ in one pass
(gate.split, gate.verdicts), each date's verdict its own; the dates whose critical checks all pass
are published, each table in one atomic commit (replaceWhere on those dates), so a re-release
replaces them. Every attempt appends one row to `releases` and leaves a steward's report.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import uuid
from functools import partial
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import footfall
from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.calendar import span
from footfall.core.config import Config
from footfall.core.errors import GateBlocked
from footfall.gate import breakdowns, candidates, dp_gate, measured, outcomes, report, suites
from footfall.gate.verdicts import Verdict, judge
from footfall.runtime.concurrent import run_together

log = logging.getLogger(__name__)


def code_version() -> str:
    """footfall's version, plus the git short sha of the checkout when there is one."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(footfall.__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{footfall.__version__}+g{sha}" if sha else footfall.__version__


def new_release_id(date: dt.date) -> str:
    """A release id: the date and a short random suffix (one per attempt)."""
    return f"{date.isoformat()}-{uuid.uuid4().hex[:8]}"


def publish(
    cfg: Config, frames: list[tuple[DataFrame, tables.Table]], ids: dict[dt.date, str]
) -> dict:
    """Replace the dates of ids in the released tables (candidate frame, released table), their
    rows tagged with the date's release id: one atomic Delta commit per table for all of them
    (METHOD 8), the tables' commits at once. A date's rows go in every table or, if a commit
    fails, in the tables whose commits succeeded (the attempt is not recorded and the command
    fails); a re-release replaces them."""
    spark, dates = frames[0][0].sparkSession, sorted(ids)
    tags = F.broadcast(
        spark.createDataFrame(sorted(ids.items()), f"{C.DATE} date, {C.RELEASE_ID} string")
    )

    def _publish(df: DataFrame, table: tables.Table) -> int | None:
        rows = df.join(tags, C.DATE).repartition(C.DATE)  # one file per date
        version = lake.replace_where(rows, cfg, table, lake.Dates(C.DATE, dates))
        log.info(
            "release: published %s for %s (version %s)",
            table.name,
            ", ".join(map(str, dates)),
            version,
        )
        return version

    # the tables' commits at once (`run.write_threads`)
    published = run_together(
        spark, [partial(_publish, df, table) for df, table in frames], cfg["run.write_threads"]
    )
    return {table.name: v for (_, table), v in zip(frames, published, strict=True)}


def record(spark: SparkSession, cfg: Config, rows: list[dict[str, Any]]) -> None:
    """Append the attempts to the releases table (one commit)."""
    df = spark.createDataFrame(rows, tables.RELEASES.schema)
    lake.append(df, cfg, tables.RELEASES)


def run_release(spark: SparkSession, cfg: Config, date: dt.date) -> dict[str, Any]:
    """Validate date's candidates; publish them if every critical check passes, else block."""
    (summary,) = run_release_days(spark, cfg, [date])
    raise_blocked([summary])
    return summary


def run_release_days(spark: SparkSession, cfg: Config, dates: list[dt.date]) -> list[dict]:
    """Validate the candidates of the dates in one pass, publish the dates whose critical checks
    all pass (one Delta commit per table), record every attempt; a summary per date, oldest
    first. A blocked date publishes nothing of itself (its summary says why); the others go."""
    dates = sorted(set(dates))
    ids = {d: new_release_id(d) for d in dates}
    suites.prefetch_imports()  # while the candidates are read
    log.info("release %s: reading candidates", span(dates))
    with candidates.persisted() as cache:
        inp = candidates.gate_inputs(spark, cfg, dates, cache)
        m = measured.measure(spark, cfg, inp, cache)
        checker = suites.Checker()
        verdicts = judge(cfg, checker, inp, m, dp_gate.skipped_checks(cfg))
        spends = {}
        if dp_gate.enabled(cfg):  # METHOD 7.1: the public domain and the period's budget
            verdicts, spends = dp_gate.judge(spark, cfg, inp, verdicts)
        passing = {d: ids[d] for d in dates if verdicts[d].passed}
        frames = [(inp.hourly, tables.RELEASED_HOURLY), (inp.daily, tables.RELEASED_DAILY)]
        frames += [(inp.parts[b.released.name][0], b.released) for b in breakdowns.BREAKDOWNS]
        published = publish(cfg, frames, passing) if passing else {}
        if spends:
            dp_gate.record(spark, cfg, spends, passing)
        version = code_version()
        meta = {"config hash": cfg.hash(), "code version": version, "zone": cfg.zone}
        if len(dates) > 1:
            meta["validated with"] = f"the batch {span(dates)}"
        rows, out = [], []
        for d in dates:
            v = verdicts[d]
            page = report.write_report(
                _folder(cfg, d),
                date=d,
                release_id=ids[d],
                passed=v.passed,
                checks=v.checks,
                facts=v.facts,
                meta=meta,
                privacy=dp_gate.report_section(cfg, spends[d]) if spends else None,
            )
            rows.append(
                _attempt(cfg, ids[d], d, published if v.passed else {}, v.checks, page, version)
            )
            out.append(_summary(ids[d], d, v, page))
        record(spark, cfg, rows)
    return out


def _folder(cfg: Config, date: dt.date) -> Path:
    return cfg.path("reports") / date.isoformat()


def _summary(release_id: str, date: dt.date, v: Verdict, page: Path) -> dict[str, Any]:
    """A date's summary (logged); a blocked date's says why in `blocked`."""
    summary = {
        "release_id": release_id,
        "date": date.isoformat(),
        "passed": v.passed,
        "checks_passed": sum(c["passed"] for c in v.checks),
        "checks_failed": len(v.failed),
        "warnings": len(v.warnings),
        "rows_hourly": v.facts.rows_hourly if v.passed else 0,
        "rows_daily": v.facts.rows_daily if v.passed else 0,
        **{f"rows_{t}": n if v.passed else 0 for t, n in v.facts.rows_parts.items()},
        "report": str(page),
    }
    if not v.passed:
        summary["blocked"] = _blocked(release_id, date, v.failed, page)
    else:
        log.info(
            "release %s published %s: %d checks passed, %d warning(s); report %s",
            release_id,
            date,
            summary["checks_passed"],
            summary["warnings"],
            page,
        )
    return summary


def raise_blocked(summaries: list[dict[str, Any]]) -> None:
    """GateBlocked (exit 3) if any date was blocked: one date's reasons, or the dates."""
    blocked = [s for s in summaries if not s["passed"]]
    if len(blocked) == 1:
        raise GateBlocked(blocked[0]["blocked"])
    if blocked:
        raise GateBlocked(
            f"release blocked for {', '.join(s['date'] for s in blocked)}; "
            f"see the reports: {', '.join(s['report'] for s in blocked)}"
        )


def _attempt(
    cfg: Config,
    release_id: str,
    date: dt.date,
    published: dict[str, int | None],
    checks: list[dict[str, Any]],
    page: Path,
    version: str,
) -> dict[str, Any]:
    """The attempt's row of the releases table (METHOD 8)."""
    return {
        C.RELEASE_ID: release_id,
        C.DATE: date,
        "tables": json.dumps(published),
        "suite_results": json.dumps(checks, default=str),
        "passed": not outcomes.failed(checks),
        "report_path": str(page),
        "config_hash": cfg.hash(),
        "code_version": version,
        "created_at": dt.datetime.now(dt.timezone.utc),
    }


def _blocked(release_id: str, date: dt.date, failed: list[dict[str, Any]], page: Path) -> str:
    """The error of a blocked release: each failed check, what it observed and expected."""
    why = "; ".join(
        f"{c['table']}.{c['check']} (observed {c['observed']}, expected {c['expected']}"
        + (f"; {c['note'].rstrip('.')}" if c.get("note") else "")
        + ")"
        for c in failed
    )
    log.error("release %s blocked: %s", release_id, why)
    return (
        f"release of {date} blocked by {len(failed)} critical check(s): {why}; "
        f"nothing published; report: {page}"
    )
