"""Release (METHOD 8, 9): write-audit-publish of one date's candidate tables behind the gate.

The candidates of a date are validated by the suites of expectations/; only when every critical
check passes are they published, each table atomically (replaceWhere on the date), so a re-release
replaces that date. Every attempt appends one row to `releases` and leaves a steward's report.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import footfall
from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.config import Config
from footfall.core.errors import GateBlocked
from footfall.gate import candidates, report, suites

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


@dataclass(frozen=True)
class Verdict:
    """The gate's outcome: the critical checks that failed and the warnings."""

    failed: list[dict[str, Any]]
    warnings: list[dict[str, Any]]

    @property
    def passed(self) -> bool:
        return not self.failed


def run_checks(m: candidates.Measured, docs: Path) -> tuple[list[dict[str, Any]], Verdict]:
    """Run the suites on the measured candidates (Data Docs into docs); the checks, the verdict."""
    shutil.rmtree(docs, ignore_errors=True)  # the folder shows the latest attempt only
    checks = suites.run_suites(m.frames, m.params, docs, m.notes)
    failed = [c for c in checks if c["critical"] and not c["passed"]]
    warnings = [c for c in checks if not c["critical"] and not c["passed"]]
    return checks, Verdict(failed, warnings)


def publish(
    cfg: Config, hourly: DataFrame, daily: DataFrame, date: dt.date, release_id: str
) -> dict[str, int | None]:
    """Replace the date in the released tables (one atomic Delta commit per table)."""
    versions = {}
    for df, table in ((hourly, tables.RELEASED_HOURLY), (daily, tables.RELEASED_DAILY)):
        rows = df.withColumn(C.RELEASE_ID, F.lit(release_id)).coalesce(1)  # one date: one file
        versions[table.name] = lake.replace_where(rows, cfg, table, lake.Rows(C.DATE, date))
        log.info(
            "release: published %s for %s (version %s)", table.name, date, versions[table.name]
        )
    return versions


def record(spark: SparkSession, cfg: Config, row: dict[str, Any]) -> None:
    """Append one attempt to the releases table."""
    df = spark.createDataFrame([row], tables.RELEASES.schema)
    lake.append(df, cfg, tables.RELEASES)


def run_release(spark: SparkSession, cfg: Config, date: dt.date) -> dict[str, Any]:
    """Validate date's candidates; publish them if every critical check passes, else block."""
    release_id = new_release_id(date)
    log.info("release %s: reading candidates of %s", release_id, date)
    folder = cfg.path("reports") / date.isoformat()
    with candidates.persisted() as cache:
        inp = candidates.gate_inputs(spark, cfg, date, cache)
        m = candidates.measure(spark, cfg, date, inp, cache)
        checks, verdict = run_checks(m, folder / "data_docs")
        passed = verdict.passed
        published = publish(cfg, inp.hourly, inp.daily, date, release_id) if passed else {}
        version = code_version()
        page = report.write_report(
            folder,
            date=date,
            release_id=release_id,
            passed=passed,
            checks=checks,
            facts=m.facts,
            data_docs=folder / "data_docs" / "index.html",
            meta={"config hash": cfg.hash(), "code version": version, "zone": cfg.zone},
        )
        row = _attempt(cfg, release_id, date, published, checks, passed, page, version)
        record(spark, cfg, row)
    summary = {
        "release_id": release_id,
        "date": date.isoformat(),
        "passed": passed,
        "checks_passed": sum(c["passed"] for c in checks),
        "checks_failed": len(verdict.failed),
        "warnings": len(verdict.warnings),
        "rows_hourly": inp.rows_hourly if passed else 0,
        "rows_daily": inp.rows_daily if passed else 0,
        "report": str(page),
    }
    if not passed:
        raise _blocked(release_id, date, verdict.failed, page)
    log.info(
        "release %s published %s: %d checks passed, %d warning(s); report %s",
        release_id,
        date,
        summary["checks_passed"],
        len(verdict.warnings),
        page,
    )
    return summary


def _attempt(
    cfg: Config,
    release_id: str,
    date: dt.date,
    published: dict[str, int | None],
    checks: list[dict[str, Any]],
    passed: bool,
    page: Path,
    version: str,
) -> dict[str, Any]:
    """The attempt's row of the releases table (METHOD 8)."""
    return {
        C.RELEASE_ID: release_id,
        C.DATE: date,
        "tables": json.dumps(published),
        "suite_results": json.dumps(checks, default=str),
        "passed": passed,
        "report_path": str(page),
        "config_hash": cfg.hash(),
        "code_version": version,
        "created_at": dt.datetime.now(dt.timezone.utc),
    }


def _blocked(
    release_id: str, date: dt.date, failed: list[dict[str, Any]], page: Path
) -> GateBlocked:
    """The error of a blocked release: each failed check, what it observed and expected."""
    why = "; ".join(
        f"{c['table']}.{c['check']} (observed {c['observed']}, expected {c['expected']}"
        + (f"; {c['note'].rstrip('.')}" if c.get("note") else "")
        + ")"
        for c in failed
    )
    log.error("release %s blocked: %s", release_id, why)
    return GateBlocked(
        f"release of {date} blocked by {len(failed)} critical check(s): {why}; "
        f"nothing published; report: {page}"
    )
