"""Releases of several dates in one pass (METHOD 8, 9): each date's verdict its own."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass, field

import pytest
from conftest import config_under
from footfall.core import calendar, lake, tables
from footfall.core import columns as C
from footfall.core.errors import GateBlocked
from footfall.gate.release import raise_blocked, run_release, run_release_days
from test_release import AREAS, AUDIT_DAILY, LEVEL, PUBLISHED, breakdown_rows, ingest_row

D1, D2, D3, D4 = (dt.date(2026, 3, d) for d in (26, 27, 28, 29))  # D4: spring-forward, 23 hours
ZONE = "Europe/London"


@dataclass
class Day:
    """One date's candidates, as `footfall presence` leaves them; total = its daily `all`."""

    date: dt.date
    total: int = 1000
    missing_hour: int | None = None
    extra_hourly: list[tuple] = field(default_factory=list)  # (hour, area, level, origin, support)
    dwell_all: int | None = None  # A1's dwell `all`, when not the daily `all`
    visitor: int = 100  # A1's visitor class visitors (its parts add up to `all` with 100)


def write_days(spark, cfg, days: list[Day], landing_days: list[dt.date]) -> None:
    """Candidates, audit and ingest log of the days (one commit per table)."""
    ref = cfg.path("reference")
    ref.mkdir(parents=True, exist_ok=True)
    (ref / "areas.csv").write_text(AREAS)
    rows = {t: [] for t in ("ch", "ah", "cd", "ad")}
    parts: dict = {}
    for day in days:
        hours = [h for h in calendar.local_hours(day.date, ZONE) if h != day.missing_hour]
        for a in ("A1", "A2"):
            for h in hours:
                rows["ch"].append((day.date, h, a, LEVEL, C.ORIGIN_ALL, 50))
                rows["ah"].append((day.date, h, a, LEVEL, C.ORIGIN_ALL, 5, 50.0))
        for h, a, level, origin, support in day.extra_hourly:
            rows["ch"].append((day.date, h, a, level, origin, 10))
            rows["ah"].append((day.date, h, a, level, origin, support, 10.0))
        half = day.total // 2
        rows["cd"] += [
            (day.date, "A1", LEVEL, C.ORIGIN_ALL, half),
            (day.date, "A1", LEVEL, "D1", 300),
            (day.date, "A1", LEVEL, C.ORIGIN_OTHER, 200),
            (day.date, "A2", LEVEL, C.ORIGIN_ALL, half),
        ]
        rows["ad"] += [(day.date, *r[1:]) for r in AUDIT_DAILY]
        for table, more in breakdown_rows(day.date, half, day.dwell_all, day.visitor).items():
            parts.setdefault(table, []).extend(more)
    for key, table in (
        ("ch", tables.CANDIDATE_HOURLY),
        ("ah", tables.AUDIT_HOURLY),
        ("cd", tables.CANDIDATE_DAILY),
        ("ad", tables.AUDIT_DAILY),
    ):
        lake.append(spark.createDataFrame(rows[key], table.schema), cfg, table)
    for table, more in parts.items():
        lake.append(spark.createDataFrame(more, table.schema), cfg, table)
    log = [ingest_row(day=d) for d in landing_days]
    lake.append(spark.createDataFrame(log, tables.INGEST_LOG.schema), cfg, tables.INGEST_LOG)


def released_before(spark, cfg, date: dt.date, total: int) -> None:
    """An earlier release of date (daily `all` total), so the released tables exist."""
    daily = [(date, a, LEVEL, C.ORIGIN_ALL, total // 2, f"{date}-old") for a in ("A1", "A2")]
    hourly = [(date, 0, a, LEVEL, C.ORIGIN_ALL, 50, f"{date}-old") for a in ("A1", "A2")]
    for rows, table in ((hourly, tables.RELEASED_HOURLY), (daily, tables.RELEASED_DAILY)):
        lake.append(spark.createDataFrame(rows, table.schema), cfg, table)


def attempts(spark, cfg) -> dict[dt.date, dict]:
    return {r[C.DATE]: r.asDict() for r in lake.read_table(spark, cfg, tables.RELEASES).collect()}


def version(spark, cfg, table) -> int | None:
    return lake.delta_version(spark, cfg.table(table.name))


def released(spark, cfg, table) -> list[tuple]:
    rows = lake.read_table(spark, cfg, table).drop(C.RELEASE_ID).collect()
    return sorted(tuple(r) for r in rows)


@pytest.fixture
def batch_cfg(make_cfg):
    return make_cfg(release__k_min=3, release__rounding=10)


def test_a_blocked_date_publishes_nothing_and_the_others_go_in_one_commit_per_table(
    spark, batch_cfg
):
    slipped = [(5, "A1", LEVEL, "D1", 2)]  # a named origin resting on 2 subscribers
    write_days(spark, batch_cfg, [Day(D1), Day(D2, extra_hourly=slipped), Day(D3)], [D1, D2, D3])
    released_before(spark, batch_cfg, dt.date(2026, 3, 20), 1000)
    before = {t.name: version(spark, batch_cfg, t) for t in PUBLISHED}

    summaries = run_release_days(spark, batch_cfg, [D3, D1, D2])

    assert [(s["date"], s["passed"]) for s in summaries] == [
        (str(D1), True),
        (str(D2), False),
        (str(D3), True),
    ]
    assert "origin_presence_hourly.k_min" in summaries[1]["blocked"]
    after = {t.name: version(spark, batch_cfg, t) for t in PUBLISHED}
    before = {t: -1 if v is None else v for t, v in before.items()}  # None: a new table
    assert {t: after[t] - before[t] for t in after} == {t: 1 for t in after}
    assert version(spark, batch_cfg, tables.RELEASES) == 0  # one append for the three attempts
    hourly = lake.read_table(spark, batch_cfg, tables.RELEASED_HOURLY)
    dates = {r[C.DATE]: r[1] for r in hourly.groupBy(C.DATE).count().collect()}
    assert dates == {dt.date(2026, 3, 20): 2, D1: 48, D3: 48}
    ids = {r[C.DATE]: r[C.RELEASE_ID] for r in hourly.select(C.DATE, C.RELEASE_ID).collect()}
    assert ids[D1] == summaries[0]["release_id"] and ids[D3] == summaries[2]["release_id"]
    rows = attempts(spark, batch_cfg)
    assert [rows[d]["passed"] for d in (D1, D2, D3)] == [True, False, True]
    assert json.loads(rows[D2]["tables"]) == {}
    assert json.loads(rows[D1]["tables"]) == after
    for d, word in ((D1, "RELEASED"), (D2, "BLOCKED"), (D3, "RELEASED")):
        folder = batch_cfg.path("reports") / d.isoformat()
        assert word in (folder / "index.html").read_text()
        assert not (folder / "data_docs").exists()
    with pytest.raises(GateBlocked, match="2026-03-27") as blocked:
        raise_blocked(summaries)
    assert blocked.value.exit_code == 3


def test_batch_and_one_by_one_give_the_same_released_rows_and_verdicts(spark, tmp_path):
    # D2 misses hour 7 (an aggregate check: the batch has all 24 hours, D2 is blocked); D3 has
    # a row at another origin level (a row-wise warning); D4 is the spring-forward day (its own
    # group); landing days end at D4, so the late landing days of D2..D4 are missing.
    days = [
        Day(D1),
        Day(D2, missing_hour=7),
        Day(D3, extra_hourly=[(5, "A1", "area", "D9", 20)]),
        Day(D4),
    ]
    together, alone = (config_under(tmp_path / n, release__k_min=3) for n in ("batch", "alone"))
    for cfg in (together, alone):
        write_days(spark, cfg, days, [D1, D2, D3, D4])

    summaries = run_release_days(spark, together, [d.date for d in days])
    for d in days:
        with contextlib.suppress(GateBlocked):
            run_release(spark, alone, d.date)

    assert [s["passed"] for s in summaries] == [True, False, True, True]
    for table in (tables.RELEASED_HOURLY, tables.RELEASED_DAILY):
        assert released(spark, together, table) == released(spark, alone, table)
    batch, one_by_one = attempts(spark, together), attempts(spark, alone)
    assert sorted(batch) == sorted(one_by_one) == [D1, D2, D3, D4]
    for d in batch:
        assert batch[d]["passed"] == one_by_one[d]["passed"]
        assert json.loads(batch[d]["suite_results"]) == json.loads(one_by_one[d]["suite_results"])
    checks = {
        d: {(c["table"], c["check"]): c for c in json.loads(batch[d]["suite_results"])}
        for d in batch
    }
    hourly, ingest = tables.RELEASED_HOURLY.name, tables.INGEST_LOG.name
    assert checks[D2][(hourly, "hour_bins")]["observed"] == "23"
    assert [checks[d][(hourly, "origin_level")]["passed"] for d in (D1, D2, D3)] == [
        True,
        True,
        False,
    ]
    late = [checks[d][(ingest, "late_landing_days_ingested")]["observed"] for d in (D1, D2, D3)]
    assert late == ["as expected", "missing 2026-03-30", "missing 2026-03-30, 2026-03-31"]


def test_volume_history_in_a_batch_holds_the_earlier_dates_of_the_batch_that_pass(spark, batch_cfg):
    # before the batch: one release with 1000. D1 (1400) passes against 1000; D2 (1600) passes
    # against the median of 1000 and D1's 1400 (it would not against 1000 alone); D3 is blocked
    # (k_min), so D4's history is the earlier release, D1 and D2: three, not four.
    slipped = [(5, "A1", LEVEL, "D1", 2)]
    days = [Day(D1, 1400), Day(D2, 1600), Day(D3, 1000, extra_hourly=slipped), Day(D4, 1500)]
    write_days(spark, batch_cfg, days, [D1, D2, D3, D4])
    released_before(spark, batch_cfg, dt.date(2026, 3, 25), 1000)

    summaries = run_release_days(spark, batch_cfg, [d.date for d in days])

    assert [s["passed"] for s in summaries] == [True, True, False, True]
    rows = attempts(spark, batch_cfg)
    volume = {
        d: next(c for c in json.loads(rows[d]["suite_results"]) if c["check"] == "volume")
        for d in rows
    }
    assert "total 1400 vs median 1000 of 1 previous release(s) (+40.0%)" in volume[D1]["note"]
    assert "total 1600 vs median 1200 of 2 previous release(s) (+33.3%)" in volume[D2]["note"]
    assert "total 1500 vs median 1400 of 3 previous release(s) (+7.1%)" in volume[D4]["note"]


def test_a_date_blocked_by_a_dwell_or_class_check_publishes_none_of_its_four_tables(
    spark, batch_cfg
):
    # D1: class parts 300 + 100 + 100 + 80 = 480 vs `all` 500: 20 apart, within the rounding of
    # 3 parts and `all` (4 x 10 / 2); D2: A1's dwell `all` 600 vs its daily `all` 500 (parts
    # 400 + 100 + 100 add up to 600); D3: class parts 470 vs 500, 30 apart.
    days = [Day(D1, visitor=80), Day(D2, dwell_all=600), Day(D3, visitor=70)]
    write_days(spark, batch_cfg, days, [D1, D2, D3])

    summaries = run_release_days(spark, batch_cfg, [D1, D2, D3])

    assert [s["passed"] for s in summaries] == [True, False, False]
    assert summaries[0]["rows_dwell_daily"] == 6 and summaries[0]["rows_visitor_class_daily"] == 6
    rows = attempts(spark, batch_cfg)
    checks = {
        d: {(c["table"], c["check"]): c for c in json.loads(rows[d]["suite_results"])} for d in rows
    }
    dwell, cls = tables.RELEASED_DWELL.name, tables.RELEASED_CLASS.name
    failed = {d: sorted(k for k, c in checks[d].items() if not c["passed"]) for d in rows}
    late = (tables.INGEST_LOG.name, "late_landing_days_ingested")  # a warning only
    assert failed == {
        D1: [late],
        D2: [(dwell, "all_matches_daily"), late],
        D3: [late, (cls, "parts_add_up")],
    }
    assert (
        "A1: all 600, parts 600 (3), daily all 500"
        in checks[D2][(dwell, "all_matches_daily")]["note"]
    )
    assert "A1: all 500, parts 470 (3), daily all 500" in checks[D3][(cls, "parts_add_up")]["note"]
    assert "dwell_daily.all_matches_daily (observed 1 row(s)" in summaries[1]["blocked"]
    for table in PUBLISHED:
        dates = {r[C.DATE] for r in lake.read_table(spark, batch_cfg, table).collect()}
        assert dates == {D1}, table.name
    assert sorted(json.loads(rows[D1]["tables"])) == sorted(t.name for t in PUBLISHED)
    assert json.loads(rows[D2]["tables"]) == json.loads(rows[D3]["tables"]) == {}
