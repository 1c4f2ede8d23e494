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
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import footfall
from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.config import Config
from footfall.core.errors import GateBlocked, UserError
from footfall.gate import quality, report

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


def _on(df: DataFrame, date: dt.date) -> DataFrame:
    return df.where(F.col(C.DATE) == F.lit(date))


def gate_inputs(spark: SparkSession, cfg: Config, date: dt.date) -> dict[str, Any]:
    """Read the candidates of date and everything the checks compare them with."""
    d = date.isoformat()
    hint = f"run `footfall presence --date {d}` first"
    hourly = _on(lake.read_table(spark, cfg, tables.CANDIDATE_HOURLY), date).cache()
    daily = _on(lake.read_table(spark, cfg, tables.CANDIDATE_DAILY), date).cache()
    n_hourly, n_daily = hourly.count(), daily.count()
    if not n_hourly or not n_daily:
        hourly.unpersist()
        daily.unpersist()
        raise UserError(f"no candidate rows for {d}: {hint}")
    days = quality.feeding_landing_days(date, cfg["ingest.max_lateness_days"])
    ingest = lake.read_table(spark, cfg, tables.INGEST_LOG).where(
        F.col(C.LANDING_DATE).between(F.lit(days[0]), F.lit(days[-1]))
    )
    return {
        "hourly": hourly,
        "daily": daily,
        "rows": {"hourly": n_hourly, "daily": n_daily},
        "audit_hourly": _on(lake.read_required(spark, cfg, tables.AUDIT_HOURLY, hint), date),
        "audit_daily": _on(lake.read_required(spark, cfg, tables.AUDIT_DAILY, hint), date),
        "ingest": quality.ingest_measures(ingest).orderBy(C.LANDING_DATE).cache(),
        "landing_days": days,
        "area_ids": sorted(r[0] for r in lake.read_areas(spark, cfg).select(C.AREA_ID).collect()),
        "history": quality.history_totals(
            lake.read_table(spark, cfg, tables.RELEASED_DAILY), date, cfg["quality.volume_history"]
        ),
    }


def measure(spark: SparkSession, cfg: Config, date: dt.date, inp: dict[str, Any]) -> dict:
    """Frames the suites validate, their parameters, notes and the report's measures."""
    k_min = cfg["release.k_min"]
    hourly, daily = inp["hourly"], inp["daily"]
    group_h, group_d = [C.DATE, C.HOUR, C.AREA_ID], [C.DATE, C.AREA_ID]
    support_h = quality.with_support(hourly, inp["audit_hourly"], group_h).cache()
    support_d = quality.with_support(daily, inp["audit_daily"], group_d).cache()
    all_rows = daily.where(F.col(C.ORIGIN_ID) == C.ORIGIN_ALL)
    agg = all_rows.agg(F.sum(C.VISITORS), F.collect_set(C.AREA_ID)).first()
    covered = sorted(set(agg[1] or []) & set(inp["area_ids"]))
    share = len(covered) / len(inp["area_ids"]) if inp["area_ids"] else 0.0
    vol = quality.volume(int(agg[0] or 0), inp["history"])
    ingest_rows = [r.asDict() for r in inp["ingest"].drop("files", "failed_files").collect()]
    hours = sorted(r[0] for r in hourly.select(C.HOUR).distinct().collect())
    expected_hours = quality.local_hours(date, cfg.zone)
    summary = spark.createDataFrame(
        [(share, float(vol["deviation"]))], "coverage double, volume_deviation double"
    )
    frames = {
        tables.RELEASED_HOURLY.name: {"rows": hourly, "support": support_h},
        tables.RELEASED_DAILY.name: {"rows": daily, "support": support_d, "summary": summary},
        tables.INGEST_LOG.name: {"rows": inp["ingest"]},
    }
    params = {
        "date": date.isoformat(),  # GE compares value sets as text
        "zone": cfg.zone,
        "k_min": k_min,
        "rounding": cfg["release.rounding"],
        "origin_level": cfg["origins.level"],
        "area_ids": inp["area_ids"],
        "expected_hours": expected_hours,
        "expected_hours_count": len(expected_hours),
        "expected_hours_text": ", ".join(map(str, expected_hours)),
        "min_coverage": cfg["quality.min_coverage"],
        "volume_tolerance": cfg["quality.volume_tolerance"],
        "max_quarantine_rate": cfg["quality.max_quarantine_rate"],
        "landing_days": [d.isoformat() for d in inp["landing_days"]],
        "landing_days_text": ", ".join(d.isoformat() for d in inp["landing_days"]),
    }
    missing = sorted(set(expected_hours) - set(hours))
    stats_h = quality.support_stats(support_h, inp["audit_hourly"], k_min)
    stats_d = quality.support_stats(support_d, inp["audit_daily"], k_min)
    below_h = quality.below_k_min(support_h, k_min, group_h) if stats_h["below_k_min"] else ""
    below_d = quality.below_k_min(support_d, k_min, group_d) if stats_d["below_k_min"] else ""
    notes = {
        (tables.RELEASED_HOURLY.name, "hour_bins"): f"{len(hours)} distinct hours in the "
        f"candidates" + (f"; missing hour(s) {', '.join(map(str, missing))}." if missing else "."),
        (tables.RELEASED_DAILY.name, "coverage"): f"{len(covered)} of {len(inp['area_ids'])} "
        f"areas have a daily `all` value ({share:.1%}).",
        (tables.RELEASED_DAILY.name, "volume"): vol["note"] + ".",
        (tables.RELEASED_HOURLY.name, "k_min"): below_h,
        (tables.RELEASED_DAILY.name, "k_min"): below_d,
        (tables.INGEST_LOG.name, "conservation"): _ingest_note(ingest_rows, "conservation_gap"),
        (tables.INGEST_LOG.name, "quarantine_reasons"): _ingest_note(ingest_rows, "reason_gap"),
    }
    facts = {
        "rows": inp["rows"],
        "ingest": ingest_rows,
        "suppression": {"hourly": stats_h, "daily": stats_d},
        "coverage": {"covered": len(covered), "areas": len(inp["area_ids"]), "share": share},
        "volume": vol,
        "hours": {"observed": hours, "expected": expected_hours},
        "k_min": k_min,
        "rounding": cfg["release.rounding"],
        "volume_tolerance": cfg["quality.volume_tolerance"],
    }
    return {
        "frames": frames,
        "params": params,
        "notes": notes,
        "facts": facts,
        "cached": [support_h, support_d],
    }


def _ingest_note(rows: list[dict], column: str) -> str:
    bad = [f"{r[C.LANDING_DATE]} off by {r[column]}" for r in rows if (r[column] or 0) > 0]
    return f"Landing day(s): {', '.join(bad)}." if bad else ""


def publish(
    cfg: Config, hourly: DataFrame, daily: DataFrame, date: dt.date, release_id: str
) -> dict[str, int | None]:
    """Replace the date in the released tables (one atomic Delta commit per table)."""
    predicate = f"{C.DATE} = '{date.isoformat()}'"
    versions = {}
    for df, table in ((hourly, tables.RELEASED_HOURLY), (daily, tables.RELEASED_DAILY)):
        rows = df.withColumn(C.RELEASE_ID, F.lit(release_id)).coalesce(1)  # one date: one file
        versions[table.name] = lake.replace_where(rows, cfg, table, predicate)
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
    inp = gate_inputs(spark, cfg, date)
    m = measure(spark, cfg, date, inp)
    folder = cfg.path("reports") / date.isoformat()
    docs = folder / "data_docs"
    shutil.rmtree(docs, ignore_errors=True)  # the folder shows the latest attempt only
    checks = quality.run_suites(m["frames"], m["params"], docs, m["notes"])
    failed = [c for c in checks if c["critical"] and not c["passed"]]
    warnings = [c for c in checks if not c["critical"] and not c["passed"]]
    passed = not failed
    published = publish(cfg, inp["hourly"], inp["daily"], date, release_id) if passed else {}
    page = report.write_report(
        folder,
        date=date,
        release_id=release_id,
        passed=passed,
        checks=checks,
        facts=m["facts"],
        data_docs=docs / "index.html",
        meta={"config hash": cfg.hash(), "code version": code_version(), "zone": cfg.zone},
    )
    record(
        spark,
        cfg,
        {
            C.RELEASE_ID: release_id,
            C.DATE: date,
            "tables": json.dumps(published),
            "suite_results": json.dumps(checks, default=str),
            "passed": passed,
            "report_path": str(page),
            "config_hash": cfg.hash(),
            "code_version": code_version(),
            "created_at": dt.datetime.now(dt.timezone.utc),
        },
    )
    for df in (inp["hourly"], inp["daily"], inp["ingest"], *m["cached"]):
        df.unpersist()
    summary = {
        "release_id": release_id,
        "date": date.isoformat(),
        "passed": passed,
        "checks_passed": sum(c["passed"] for c in checks),
        "checks_failed": len(failed),
        "warnings": len(warnings),
        "rows_hourly": inp["rows"]["hourly"] if passed else 0,
        "rows_daily": inp["rows"]["daily"] if passed else 0,
        "report": str(page),
    }
    if not passed:
        why = "; ".join(
            f"{c['table']}.{c['check']} (observed {c['observed']}, expected {c['expected']}"
            + (f"; {c['note'].rstrip('.')}" if c.get("note") else "")
            + ")"
            for c in failed
        )
        log.error("release %s blocked: %s", release_id, why)
        raise GateBlocked(
            f"release of {date} blocked by {len(failed)} critical check(s): {why}; "
            f"nothing published; report: {page}"
        )
    log.info(
        "release %s published %s: %d checks passed, %d warning(s); report %s",
        release_id,
        date,
        summary["checks_passed"],
        len(warnings),
        page,
    )
    return summary
