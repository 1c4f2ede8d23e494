"""Quality gate and write-audit-publish release (METHOD 8, 9) on tiny hand-made tables."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from footfall.core import calendar, inputs, lake, tables
from footfall.core import columns as C
from footfall.core.errors import GateBlocked, UserError
from footfall.gate import measures
from footfall.gate.release import run_release
from pyspark.sql import functions as F

D = dt.date(2026, 3, 29)  # spring-forward day in Europe/London: 23 local hours, no hour 1
HOURS = [h for h in range(24) if h != 1]
AREAS = (
    inputs.csv_header(inputs.AREAS_SCHEMA)
    + """
A1,One,D1,R1,1000
A2,Two,D1,R1,2000
A3,Three,D2,R2,500
"""
)
LEVEL = "district"
PUBLISHED = (  # the release tables of a date (METHOD 8), published together or not at all
    tables.RELEASED_HOURLY,
    tables.RELEASED_DAILY,
    tables.RELEASED_DWELL,
    tables.RELEASED_CLASS,
)
NOW = dt.datetime(2026, 4, 2, 6, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def gate_cfg(make_cfg):
    cfg = make_cfg(release__k_min=3, release__rounding=10)
    ref = cfg.path("reference")
    ref.mkdir(parents=True, exist_ok=True)
    (ref / "areas.csv").write_text(AREAS)
    return cfg


def hourly_rows(day=D, hours=HOURS, visitors=50):
    return [(day, h, a, LEVEL, C.ORIGIN_ALL, visitors) for a in ("A1", "A2") for h in hours]


# A1 releases D1 by name (12 subscribers) and merges D2 + D3 (4 + 4) into `other`.
DAILY = [
    (D, "A1", LEVEL, C.ORIGIN_ALL, 500),
    (D, "A1", LEVEL, "D1", 300),
    (D, "A1", LEVEL, C.ORIGIN_OTHER, 200),
    (D, "A2", LEVEL, C.ORIGIN_ALL, 500),
]
AUDIT_DAILY = [
    (D, "A1", LEVEL, C.ORIGIN_ALL, 20, 500.0),
    (D, "A1", LEVEL, "D1", 12, 300.0),
    (D, "A1", LEVEL, "D2", 4, 100.0),
    (D, "A1", LEVEL, "D3", 4, 100.0),
    (D, "A2", LEVEL, C.ORIGIN_ALL, 20, 500.0),
    (D, "A2", LEVEL, "D1", 20, 500.0),
]


def breakdown_rows(day=D, half=500, dwell_all=None, visitor=100) -> dict:
    """Dwell and visitor-class candidates and audit rows of day (METHOD 5.3) by table. Each
    group's `all` is the daily `all` (half, 20 subscribers) unless dwell_all says otherwise. A1:
    under_60 (12 subscribers), 60_180 (4), 360_plus (4); resident (12), worker (4), visitor (4).
    A2: 180_360 (20); worker (18) and visitor (2) merged into `other` (k_min 3, METHOD 7)."""
    top = half if dwell_all is None else dwell_all
    dwell = [("A1", "all", 20, top), ("A1", "under_60", 12, top - 200), ("A1", "60_180", 4, 100)]
    dwell += [("A1", "360_plus", 4, 100), ("A2", "all", 20, half), ("A2", "180_360", 20, half)]
    named = [("A1", "all", 20, half), ("A1", "resident", 12, half - 200)]
    named += [("A1", "worker", 4, 100), ("A1", "visitor", 4, visitor), ("A2", "all", 20, half)]
    merged = [("A2", "worker", 18, half - 50), ("A2", "visitor", 2, 50)]
    return {
        tables.CANDIDATE_DWELL: [(day, a, p, v) for a, p, _, v in dwell],
        tables.AUDIT_DWELL: [(day, a, p, n, float(v)) for a, p, n, v in dwell],
        tables.CANDIDATE_CLASS: [(day, a, p, v) for a, p, _, v in named]
        + [(day, "A2", C.ORIGIN_OTHER, half)],
        tables.AUDIT_CLASS: [(day, a, p, n, float(v)) for a, p, n, v in named + merged],
    }


def ingest_row(day=D, read=1000, valid=980, quarantined=12, duplicate=8):
    q = {"q_bad_imsi": 8, "q_malformed": 4}
    return {
        C.LANDING_DATE: day,
        "status": "ok",
        "rows_read": read,
        "rows_valid": valid,
        "rows_quarantined": quarantined,
        "rows_duplicate": duplicate,
        **{f"q_{r}": q.get(f"q_{r}", 0) for r in C.QUARANTINE_REASONS},
        "files": ["part-0.csv.gz"],
        "failed_files": [],
        "message": None,
        "ingested_at": NOW,
    }


def write_lake(spark, cfg, hourly=None, extra_hourly=(), extra_audit_hourly=(), ingest=None):
    """Candidates, audit and ingest log of D, as `footfall presence` and `ingest` leave them."""
    hourly = hourly_rows() if hourly is None else hourly
    audit_h = [(d, h, a, lv, o, 5, 50.0) for d, h, a, lv, o, _ in hourly]
    frames = [
        (hourly + list(extra_hourly), tables.CANDIDATE_HOURLY),
        (audit_h + list(extra_audit_hourly), tables.AUDIT_HOURLY),
        (DAILY, tables.CANDIDATE_DAILY),
        (AUDIT_DAILY, tables.AUDIT_DAILY),
    ]
    frames += [(rows, table) for table, rows in breakdown_rows().items()]
    for rows, table in frames:
        lake.append(spark.createDataFrame(rows, table.schema), cfg, table)
    log = [ingest or ingest_row()]
    lake.append(spark.createDataFrame(log, tables.INGEST_LOG.schema), cfg, tables.INGEST_LOG)


def releases(spark, cfg):
    return lake.read_table(spark, cfg, tables.RELEASES).collect()


def assert_blocked(spark, cfg, check: str, table: str) -> GateBlocked:
    """The gate raised GateBlocked naming the check, and recorded and reported the attempt."""
    with pytest.raises(GateBlocked) as blocked:
        run_release(spark, cfg, D)
    assert blocked.value.exit_code == 3
    assert f"{table}.{check}" in str(blocked.value)
    (attempt,) = releases(spark, cfg)
    assert attempt["passed"] is False
    results = {(r["table"], r["check"]): r for r in json.loads(attempt["suite_results"])}
    assert results[(table, check)]["passed"] is False
    assert json.loads(attempt["tables"]).get(tables.RELEASED_HOURLY.name) is None
    page = (cfg.path("reports") / D.isoformat() / "index.html").read_text()
    assert "BLOCKED" in page and f"{table}.{check}" in page
    return blocked.value


def test_spring_forward_day_has_23_local_hours_and_fall_back_day_24_bins():
    assert calendar.local_hours(D, "Europe/London") == HOURS
    assert calendar.local_hours(dt.date(2026, 10, 25), "Europe/London") == list(range(24))
    assert len(calendar.local_hours(dt.date(2026, 3, 30), "Europe/London")) == 24


def test_other_rests_on_the_origins_not_released_by_name(spark):
    cand = spark.createDataFrame(DAILY, tables.CANDIDATE_DAILY.schema)
    audit = spark.createDataFrame(AUDIT_DAILY, tables.AUDIT_DAILY.schema)
    support = measures.with_support(cand, audit, [C.DATE, C.AREA_ID])
    got = {(r[C.AREA_ID], r[C.ORIGIN_ID]): r[C.SUBSCRIBERS] for r in support.collect()}
    assert got == {("A1", "all"): 20, ("A1", "D1"): 12, ("A1", "other"): 8, ("A2", "all"): 20}


def test_missing_candidates_is_a_user_error_naming_the_presence_job(spark, gate_cfg):
    with pytest.raises(UserError, match="footfall presence --date 2026-03-29"):
        run_release(spark, gate_cfg, D)


def test_clean_candidate_is_published_once_even_when_released_twice(spark, gate_cfg):
    write_lake(spark, gate_cfg)
    first = run_release(spark, gate_cfg, D)
    assert first["passed"] is True and first["checks_failed"] == 0
    second = run_release(spark, gate_cfg, D)

    hourly = lake.read_table(spark, gate_cfg, tables.RELEASED_HOURLY)
    daily = lake.read_table(spark, gate_cfg, tables.RELEASED_DAILY)
    assert hourly.count() == 2 * 23  # 23 hour bins on the spring-forward day, not duplicated
    assert daily.count() == len(DAILY)
    dwell = lake.read_table(spark, gate_cfg, tables.RELEASED_DWELL)
    assert sorted(tuple(r) for r in dwell.drop(C.RELEASE_ID).collect()) == sorted(
        breakdown_rows()[tables.CANDIDATE_DWELL]
    )
    classes = lake.read_table(spark, gate_cfg, tables.RELEASED_CLASS).collect()
    assert {(r[C.AREA_ID], r[C.VISITOR_CLASS], r[C.VISITORS]) for r in classes} == {
        ("A1", "all", 500),
        ("A1", "resident", 300),
        ("A1", "worker", 100),
        ("A1", "visitor", 100),
        ("A2", "all", 500),
        ("A2", "other", 500),
    }
    assert {r[C.RELEASE_ID] for r in classes} == {second["release_id"]}
    assert {r[0] for r in hourly.select(C.RELEASE_ID).distinct().collect()} == {
        second["release_id"]
    }
    attempts = sorted(releases(spark, gate_cfg), key=lambda r: r["created_at"])
    assert [r["passed"] for r in attempts] == [True, True]
    assert attempts[0][C.RELEASE_ID] == first["release_id"]
    assert sorted(json.loads(attempts[1]["tables"])) == sorted(
        t.name for t in PUBLISHED
    )  # every release table has its Delta version
    assert attempts[1]["config_hash"] == gate_cfg.hash()
    checks = {(r["table"], r["check"]): r for r in json.loads(attempts[0]["suite_results"])}
    assert "no history" in checks[(tables.RELEASED_DAILY.name, "volume")]["message"]
    for table in (tables.RELEASED_DWELL.name, tables.RELEASED_CLASS.name):
        for check in ("schema", "k_min", "all_matches_daily", "parts_add_up"):
            assert checks[(table, check)]["passed"] is True, (table, check)
    late = checks[(tables.INGEST_LOG.name, "late_landing_days_ingested")]  # a warning only
    assert (late["critical"], late["passed"]) == (False, False)
    assert late["observed"] == "missing 2026-03-30, 2026-03-31, 2026-04-01"
    page = (gate_cfg.path("reports") / D.isoformat() / "index.html").read_text()
    assert "RELEASED" in page
    assert "expectations/dwell_daily.yaml" in page and "expectations/visitor_class_daily" in page
    assert not (gate_cfg.path("reports") / D.isoformat() / "data_docs").exists()  # offline page


def test_value_under_k_min_blocks_and_publishes_nothing(spark, gate_cfg):
    slipped = [(D, 5, "A1", LEVEL, "D1", 10)]  # a named origin resting on 2 subscribers
    write_lake(
        spark,
        gate_cfg,
        extra_hourly=slipped,
        extra_audit_hourly=[(D, 5, "A1", LEVEL, "D1", 2, 10.0)],
    )
    assert_blocked(spark, gate_cfg, "k_min", tables.RELEASED_HOURLY.name)
    for table in PUBLISHED:
        assert not lake.table_exists(spark, gate_cfg.table(table.name))


def test_missing_hour_bin_blocks_the_release(spark, gate_cfg):
    write_lake(spark, gate_cfg, hourly=hourly_rows(hours=[h for h in HOURS if h != 7]))
    blocked = assert_blocked(spark, gate_cfg, "hour_bins", tables.RELEASED_HOURLY.name)
    assert "missing hour(s) 7" in str(blocked)
    assert not lake.table_exists(spark, gate_cfg.table(tables.RELEASED_HOURLY.name))


def test_broken_ingest_conservation_blocks_the_release(spark, gate_cfg):
    write_lake(spark, gate_cfg, ingest=ingest_row(read=1003))
    blocked = assert_blocked(spark, gate_cfg, "conservation", tables.INGEST_LOG.name)
    assert "observed 3" in str(blocked)  # off by 3 rows
    assert not lake.table_exists(spark, gate_cfg.table(tables.RELEASED_DAILY.name))


def test_volume_drop_against_previous_releases_blocks_the_release(spark, gate_cfg):
    previous = [
        (d, a, LEVEL, C.ORIGIN_ALL, 2500, f"{d}-old")
        for d in (dt.date(2026, 3, 27), dt.date(2026, 3, 28))
        for a in ("A1", "A2")
    ]
    released = spark.createDataFrame(previous, tables.RELEASED_DAILY.schema)
    lake.append(released, gate_cfg, tables.RELEASED_DAILY)
    write_lake(spark, gate_cfg)
    blocked = assert_blocked(spark, gate_cfg, "volume", tables.RELEASED_DAILY.name)
    assert "observed 0.8" in str(blocked)  # 1000 against a median of 5000
    after = lake.read_table(spark, gate_cfg, tables.RELEASED_DAILY)
    assert after.count() == len(previous)
    assert after.where(F.col(C.DATE) == F.lit(D)).count() == 0
