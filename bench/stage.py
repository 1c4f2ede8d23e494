"""One benchmark stage in one fresh Spark driver process (started by bench/run.py).

    stage.py STAGE --conf C [--set K=V ...] --items A,B,... --out result.json
    stage.py check --conf C [--set K=V ...] --items LANDING_DAYS --date D --out result.json

STAGE is ingest, origins, presence or release: each item (a landing day, period or date) is one
`footfall STAGE` command (an item FIRST..LAST: one `--from FIRST --to LAST` command) run through
footfall.cli.main in this process, so all of a stage's
commands share one driver JVM, the way an operator's scheduler would run a stage's backlog.
`check` asserts the meaning of the bench run (ingest conservation, exact presence counts) and
exits 1 with the reasons when it does not hold.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

FLAGS = {"ingest": "--date", "origins": "--period", "presence": "--date", "release": "--date"}
# exit 3 (quality gate blocked) is a result of the release stage, not a failure of the harness
OK_CODES = {0, 3}


def _session(conf: str, sets: list[str], stage: str | None = None):
    """The stage's driver, started as `footfall STAGE` starts its own (job_settings)."""
    from footfall.core.config import load_config
    from footfall.runtime.session import build_spark, job_settings

    cfg = load_config(conf, sets)
    return cfg, build_spark(job_settings(stage, cfg.spark))


def run_stage(stage: str, conf: str, sets: list[str], items: list[str]) -> dict:
    """Start the session (timed apart), then one CLI command per item; stop the session."""
    from footfall import cli

    t0 = time.monotonic()
    cfg, spark = _session(conf, sets, stage)
    startup = time.monotonic() - t0
    app_id = spark.sparkContext.applicationId
    base = ["--conf", conf, *[a for s in sets for a in ("--set", s)]]
    commands, failed = [], None
    for item in items:
        t = time.monotonic()
        # FIRST..LAST: one command for a range (ingest and presence, in run.batch_days passes)
        span = ["--from", *item.split("..")[:1], "--to", item.split("..")[-1]]
        rc = cli.main([stage, *base, *(span if ".." in item else [FLAGS[stage], item])])
        commands.append({"item": item, "rc": rc, "wall_s": round(time.monotonic() - t, 3)})
        if rc not in OK_CODES:
            failed = f"footfall {stage} {FLAGS[stage]} {item} exited {rc}"
            break
    t = time.monotonic()
    spark.stop()  # finalises the event log (renames it from .inprogress)
    return {
        "stage": stage,
        "app_id": app_id,
        "startup_s": round(startup, 3),
        "stop_s": round(time.monotonic() - t, 3),
        "commands": commands,
        "blocked": [c["item"] for c in commands if c["rc"] == 3],
        "failed": failed,
    }


def run_check(conf: str, sets: list[str], landing_days: list[str], date: str) -> dict:
    """Conservation per landing day (ingest_log and events) and exact presence 'all' counts."""
    import datetime as dt

    from footfall.core import columns as C
    from footfall.core import lake, tables
    from pyspark.sql import functions as F

    cfg, spark = _session(conf, sets)
    problems: list[str] = []
    day = dt.date.fromisoformat(date)

    # 1. ingest_log: rows_read = valid + quarantined + duplicate, per landing day (METHOD 3)
    rows = lake.read_table(spark, cfg, tables.INGEST_LOG).collect()
    logs = {str(r[C.LANDING_DATE]): r for r in rows}
    missing = sorted(set(landing_days) - set(logs))
    if missing:
        problems.append(f"ingest_log has no row for landing days {missing}")
    events = lake.read_table(spark, cfg, tables.EVENTS)
    per_landing = {
        str(r[C.LANDING_DATE]): r["n"]
        for r in events.groupBy(C.LANDING_DATE).agg(F.count("*").alias("n")).collect()
    }
    totals = {"rows_read": 0, "rows_valid": 0, "rows_quarantined": 0, "rows_duplicate": 0}
    for d, r in sorted(logs.items()):
        if r["status"] != "ok":
            problems.append(f"ingest_log {d}: status {r['status']}")
            continue
        parts = r["rows_valid"] + r["rows_quarantined"] + r["rows_duplicate"]
        if r["rows_read"] != parts:
            problems.append(f"ingest_log {d}: rows_read {r['rows_read']} != valid+quar+dup {parts}")
        reasons = sum(r[f"q_{q}"] for q in C.QUARANTINE_REASONS)
        if reasons != r["rows_quarantined"]:
            problems.append(f"ingest_log {d}: per-reason sum {reasons} != {r['rows_quarantined']}")
        if per_landing.get(d, 0) != r["rows_valid"]:
            n = per_landing.get(d, 0)
            problems.append(f"events {d}: {n} rows != rows_valid {r['rows_valid']}")
        for k in totals:
            totals[k] += r[k]

    # 2. presence 'all' (METHOD 5, stays) bracketed per (date, area) and (date, hour, area) by two
    #    counts made here straight from the events table, independently of footfall.stages:
    #    - at least the subscribers with an event there (METHOD 5.2 keeps every one of them);
    #    - at most those with an event in that area from 12 h before the bin (the longest
    #      same-area bridge, presence.bridge_same_area_minutes) to 1 h after it (half the longest
    #      move, presence.bridge_other_area_minutes / 2; edges are 30 min).
    #    Local clock arithmetic: exact for a date without a clock change (the bench's middle date).
    checks = {}
    local = F.from_utc_timestamp(F.col(C.EVENT_TIME), cfg.zone)
    near = events.where(
        F.col(C.EVENT_DATE).between(
            F.lit(day - dt.timedelta(days=1)), F.lit(day + dt.timedelta(days=1))
        )
    ).select(C.TOKEN, C.AREA_ID, C.EVENT_DATE, C.EVENT_HOUR, local.alias("_local"))
    midnight = F.lit(dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone.utc))
    hours = F.sequence(F.lit(0), F.lit(23))
    for name, keys, bins in (
        ("daily", [C.AREA_ID], None),
        ("hourly", [C.HOUR, C.AREA_ID], hours),
    ):
        audit_t = tables.AUDIT_DAILY if name == "daily" else tables.AUDIT_HOURLY
        if bins is None:
            start, length = midnight, 24
            framed = near
            own = F.col(C.EVENT_DATE) == F.lit(day)
        else:
            framed = near.withColumn(C.HOUR, F.explode(bins))
            start = midnight + F.make_interval(hours=F.col(C.HOUR))
            length = 1
            own = (F.col(C.EVENT_DATE) == F.lit(day)) & (F.col(C.EVENT_HOUR) == F.col(C.HOUR))
        lo = start - F.expr("INTERVAL 12 HOURS")
        hi = start + F.make_interval(hours=F.lit(length + 1))
        inside = (F.col("_local") > lo) & (F.col("_local") < hi)
        bounds = (
            framed.where(inside)
            .groupBy(*keys)
            .agg(
                F.count_distinct(F.when(own, F.col(C.TOKEN))).alias("at_least"),
                F.count_distinct(C.TOKEN).alias("at_most"),
            )
        )
        audit = (
            lake.read_table(spark, cfg, audit_t)
            .where((F.col(C.DATE) == F.lit(day)) & (F.col(C.ORIGIN_ID) == C.ORIGIN_ALL))
            .select(*keys, F.col(C.SUBSCRIBERS).alias("audit"))
        )
        joined = bounds.join(audit, keys, "full_outer")
        value = F.coalesce(F.col("audit"), F.lit(0))
        out = (value < F.coalesce(F.col("at_least"), F.lit(0))) | (
            value > F.coalesce(F.col("at_most"), F.lit(0))
        )
        diff = joined.where(out)
        n_groups, n_diff = joined.count(), diff.count()
        checks[name] = {"groups": n_groups, "outside_bounds": n_diff}
        if n_groups == 0:
            problems.append(f"presence {name} {date}: no groups at all")
        if n_diff:
            sample = [r.asDict() for r in diff.limit(5).collect()]
            problems.append(f"presence {name} {date}: {n_diff} groups out of bounds, e.g. {sample}")
    released = (
        lake.read_table(spark, cfg, tables.RELEASED_DAILY)
        .where(F.col(C.DATE) == F.lit(day))
        .count()
    )
    result = {
        "landing_days": len(logs),
        "ingest_totals": totals,
        "events_rows": sum(per_landing.values()),
        "presence_date": date,
        "presence": checks,
        "released_daily_rows": released,
        "problems": problems,
        "passed": not problems,
    }
    spark.stop()
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("stage", choices=[*FLAGS, "check"])
    p.add_argument("--conf", required=True)
    p.add_argument("--set", dest="sets", action="append", default=[])
    p.add_argument("--items", required=True, help="comma-separated days / periods")
    p.add_argument("--date", help="check: the date whose presence is counted exactly")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    items = [i for i in a.items.split(",") if i]
    if a.stage == "check":
        result = run_check(a.conf, a.sets, items, a.date)
        bad = not result["passed"]
    else:
        result = run_stage(a.stage, a.conf, a.sets, items)
        bad = bool(result["failed"])
    Path(a.out).write_text(json.dumps(result, indent=2, default=str))
    if bad:
        print(f"bench {a.stage}: {result.get('failed') or result.get('problems')}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
