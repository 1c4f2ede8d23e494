"""Origin-presence (METHOD 5), extrapolation (METHOD 6) and the presence job's tables."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from conftest import kept_rdds, text_schema
from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.core.errors import UserError
from footfall.runtime.session import session_conf
from footfall.stages.extrapolation import with_weights
from footfall.stages.origins import assign_origins
from footfall.stages.presence import SETTINGS as presence_settings
from footfall.stages.presence import (
    hourly_presence,
    present_hours,
    read_stay_events,
    run_presence,
    run_presence_days,
    subscriber_origins,
)
from footfall.stages.stay_rule import StayRule
from presence_data import (
    areas_frame,
    config_under,
    event,
    origins_rows,
    write_areas,
    write_events,
    write_origins,
)
from pyspark.sql import functions as F

DAY = dt.date(2026, 3, 10)
SPRING, AUTUMN = dt.date(2026, 3, 29), dt.date(2026, 10, 25)
HOME_MCCS = ["234", "235"]
# N = 5 domestic subscribers, K = 4 known homes: R1 (population 1000) has 2 of them, weight
# 1000 * 4 / (2 * 5) = 400; R2 (500) has 2: 500 * 4 / (2 * 5) = 200; an unknown home weighs
# P / N = 1500 / 5 = 300 (METHOD 6: 2 * 400 + 2 * 200 + 300 = 1500 = P); a roamer 1
HOMES = {"h1": "A1", "h2": "A1", "h3": "A3", "h4": "A3", "u1": None}


def _rows(table, date):
    return lambda spark, cfg: (
        lake.read_table(spark, cfg, table).where(F.col(C.DATE) == F.lit(date)).drop(C.ORIGIN_LEVEL)
    )


@pytest.fixture(scope="module")
def presence_run(spark, tmp_path_factory):
    """One date of events (and one of the next day that must not count), k_min 2. With stays
    (METHOD 5.1) h1 (09:10, 09:40, 10:30 in A1) is in A1 from 08:40 to 11:00: hours 8, 9, 10;
    a lone event at :30 covers its own hour only (30 min either side)."""
    cfg = config_under(
        tmp_path_factory.mktemp("presence"),
        release__k_min=2,
        release__rounding=10,
        origins__level="district",
    )
    write_areas(cfg)
    write_origins(spark, cfg, "2026-03", HOMES)
    write_events(
        spark,
        cfg,
        [
            event("h1", "2026-03-10", 9, "A1", minute=10),
            event("h1", "2026-03-10", 9, "A1", minute=40),  # same hour again: still one
            event("h2", "2026-03-10", 9, "A1"),
            event("u1", "2026-03-10", 9, "A1"),
            event("r1", "2026-03-10", 9, "A1", mcc="208"),
            event("h1", "2026-03-10", 10, "A1"),
            event("h4", "2026-03-10", 9, "A3"),
            event("h3", "2026-03-11", 9, "A1"),  # another date's partition
        ],
    )
    summary = run_presence(spark, cfg, DAY)
    return cfg, summary


def test_subscriber_weights_follow_home_region_population(spark):
    origins = spark.createDataFrame(origins_rows("2026-03", HOMES), text_schema(tables.ORIGINS))
    areas = areas_frame(spark)
    subscribers = spark.createDataFrame(
        [("h1", "234"), ("h3", "234"), ("u1", "235"), ("r1", "208"), ("late", "234")],
        f"{C.TOKEN} string, {C.MCC} string",
    )
    got = assign_origins(subscribers, origins, "district", HOME_MCCS).transform(
        lambda df: with_weights(df, origins, areas, HOME_MCCS)
    )
    weights = {r[C.TOKEN]: r[C.WEIGHT] for r in got.collect()}
    assert weights == {"h1": 400.0, "h3": 200.0, "u1": 300.0, "r1": 1.0, "late": 300.0}


def test_unknown_home_weight_is_population_over_subscribers_when_no_home_is_known(spark):
    origins = spark.createDataFrame(
        [("u1", "2026-03", None, None, None, 1, 0)], text_schema(tables.ORIGINS)
    )
    areas = areas_frame(spark)
    subscribers = spark.createDataFrame([("u1", "234")], f"{C.TOKEN} string, {C.MCC} string")
    got = assign_origins(subscribers, origins, "district", HOME_MCCS).transform(
        lambda df: with_weights(df, origins, areas, HOME_MCCS)
    )
    assert got.first()[C.WEIGHT] == 1500.0  # P / N with N = 1


def test_audit_hourly_counts_distinct_subscribers_per_origin_and_all(spark, presence_run):
    cfg, _ = presence_run
    got = _rows(tables.AUDIT_HOURLY, DAY)(spark, cfg)
    expected = spark.createDataFrame(
        [
            (DAY, 8, "A1", "D1", 1, 400.0),  # h1's edge before 09:10
            (DAY, 8, "A1", "all", 1, 400.0),
            (DAY, 9, "A1", "D1", 2, 800.0),
            (DAY, 9, "A1", "unknown", 1, 300.0),
            (DAY, 9, "A1", "roamer:208", 1, 1.0),
            (DAY, 9, "A1", "all", 4, 1101.0),
            (DAY, 10, "A1", "D1", 1, 400.0),
            (DAY, 10, "A1", "all", 1, 400.0),
            (DAY, 9, "A3", "D2", 1, 200.0),
            (DAY, 9, "A3", "all", 1, 200.0),
        ],
        got.schema,
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
    levels = lake.read_table(spark, cfg, tables.AUDIT_HOURLY).select(C.ORIGIN_LEVEL).distinct()
    assert [r[0] for r in levels.collect()] == ["district"]


def test_audit_daily_counts_each_subscriber_once_per_area_and_day(spark, presence_run):
    cfg, _ = presence_run
    got = _rows(tables.AUDIT_DAILY, DAY)(spark, cfg)
    expected = spark.createDataFrame(
        [
            (DAY, "A1", "D1", 2, 800.0),
            (DAY, "A1", "unknown", 1, 300.0),
            (DAY, "A1", "roamer:208", 1, 1.0),
            (DAY, "A1", "all", 4, 1101.0),
            (DAY, "A3", "D2", 1, 200.0),
            (DAY, "A3", "all", 1, 200.0),
        ],
        got.schema,
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


def test_candidates_are_disclosure_controlled_and_rounded(spark, presence_run):
    cfg, summary = presence_run
    hourly = _rows(tables.CANDIDATE_HOURLY, DAY)(spark, cfg)
    # k_min 2: unknown (1) and roamer:208 (1) merge into other (2, 301 -> 300); hours 8 and 10
    # and A3 have a total of 1 and release nothing
    expected = spark.createDataFrame(
        [(DAY, 9, "A1", "D1", 800), (DAY, 9, "A1", "other", 300), (DAY, 9, "A1", "all", 1100)],
        hourly.schema,
    )
    assert_df_equality(hourly, expected, ignore_row_order=True, ignore_nullable=True)
    daily = _rows(tables.CANDIDATE_DAILY, DAY)(spark, cfg)
    expected = spark.createDataFrame(
        [(DAY, "A1", "D1", 800), (DAY, "A1", "other", 300), (DAY, "A1", "all", 1100)],
        daily.schema,
    )
    assert_df_equality(daily, expected, ignore_row_order=True, ignore_nullable=True)
    assert summary["candidate_hourly_rows"] == 3 and summary["audit_hourly_rows"] == 10


def test_presence_rerun_is_idempotent(spark, presence_run):
    cfg, _ = presence_run
    before = {
        t.name: _rows(t, DAY)(spark, cfg).collect()
        for t in (tables.AUDIT_HOURLY, tables.AUDIT_DAILY, tables.CANDIDATE_HOURLY)
    }
    run_presence(spark, cfg, DAY)
    for t in (tables.AUDIT_HOURLY, tables.AUDIT_DAILY, tables.CANDIDATE_HOURLY):
        after = _rows(t, DAY)(spark, cfg)
        assert_df_equality(
            after, spark.createDataFrame(before[t.name], after.schema), ignore_row_order=True
        )


def _lake_with(spark, folder, rows, **overrides):
    """A lake under folder with the areas, March's origins (HOMES) and rows as its events;
    k_min 1, rounding 1."""
    cfg = config_under(folder, release__k_min=1, release__rounding=1, **overrides)
    write_areas(cfg)
    write_origins(spark, cfg, "2026-03", HOMES)
    write_events(spark, cfg, rows)
    return cfg


def _tables(spark, cfg, *which) -> dict[str, list[tuple]]:
    """Each table's rows, sorted."""
    return {
        t.name: sorted(tuple(r) for r in lake.read_table(spark, cfg, t).collect()) for t in which
    }


def test_presence_for_consecutive_dates_in_one_pass_equals_one_run_per_date(spark, tmp_path):
    days = [DAY, DAY + dt.timedelta(days=1)]
    rows = [
        event("h1", "2026-03-10", 9, "A1"),
        event("h2", "2026-03-10", 9, "A1"),
        event("h1", "2026-03-11", 9, "A1"),
        event("h1", "2026-03-11", 23, "A2"),
        event("h2", "2026-03-11", 9, "A1"),
        event("r1", "2026-03-11", 10, "A1", mcc="208"),
    ]
    got = {}
    for how in ("per_date", "batch"):
        cfg = _lake_with(spark, tmp_path / how, rows)
        if how == "batch":
            summaries = run_presence_days(spark, cfg, days)
        else:
            summaries = [run_presence(spark, cfg, d) for d in days]
        got[how] = _tables(
            spark, cfg, tables.AUDIT_HOURLY, tables.AUDIT_DAILY, tables.CANDIDATE_DAILY
        )
        got[how]["rows"] = [s["audit_daily_rows"] for s in summaries]
    # daily rows, `all` + origins: 03-10 A1 {all, D1}; 03-11 A1 {all, D1, roamer}, A2 {all, D1}
    assert got["batch"]["rows"] == [2, 5]
    assert got["batch"] == got["per_date"]


def test_both_ways_of_keeping_presence_rows_write_the_same_tables_and_free_them(spark, tmp_path):
    rows = [
        event("h1", "2026-03-10", 9, "A1"),
        event("h2", "2026-03-10", 9, "A1"),
        event("h1", "2026-03-10", 23, "A2"),
        event("r1", "2026-03-10", 10, "A1", mcc="208"),
    ]
    got = {}
    for how in ("checkpoint", "cache"):
        cfg = _lake_with(spark, tmp_path / how, rows, presence__keep_rows=how)
        before = kept_rdds(spark)
        (summary,) = run_presence_days(spark, cfg, [DAY])
        assert kept_rdds(spark) == before  # the pass's rows are freed when it ends
        got[how] = _tables(
            spark,
            cfg,
            tables.AUDIT_HOURLY,
            tables.AUDIT_DAILY,
            tables.AUDIT_DWELL,
            tables.CANDIDATE_DAILY,
        )
    # daily: A1 {all, D1, roamer}, A2 {all, D1}
    assert summary["audit_daily_rows"] == 5
    # the daily sums of weights may be added in another order (equal to the last bits only)
    assert got["checkpoint"].keys() == got["cache"].keys()
    for name, kept in got["checkpoint"].items():
        assert [r[:-1] for r in kept] == [r[:-1] for r in got["cache"][name]], name
        assert [r[-1] for r in kept] == pytest.approx([r[-1] for r in got["cache"][name]]), name


def test_presence_reads_its_dates_and_the_events_within_reach_of_them(spark, presence_run):
    cfg, _ = presence_run
    plan = read_stay_events(spark, cfg, DAY, DAY)._jdf.queryExecution().executedPlan().toString()
    assert "event_date" in plan.split("PartitionFilters")[1].split("]")[0]
    # and only the neighbours' rows within reach of the date (a constant range: pushed down)
    assert "event_time" in plan.split("PushedFilters")[1].split("]")[0]


def test_a_presence_pass_caches_its_rows_in_partitions_sized_to_them(spark):
    # 10 and 11 rows in 3 groups, aggregated with 40 shuffle partitions: cached as they are,
    # the 40 partitions stay (37 of them empty, each a task of every output); under presence's
    # settings AQE coalesces them like any other stage, here into one
    def grouped(n):
        return spark.range(n).groupBy((F.col("id") % 3).alias("k")).count()

    with session_conf(spark, {"spark.sql.shuffle.partitions": "40"}):
        plain = grouped(10).persist()
        with session_conf(spark, presence_settings):
            sized = grouped(11).persist()
    try:
        assert (plain.count(), sized.count()) == (3, 3)
        assert plain.rdd.getNumPartitions() == 40
        assert sized.rdd.getNumPartitions() == 1
    finally:
        plain.unpersist()
        sized.unpersist()


def test_a_presence_pass_caches_its_rows_uncompressed(spark):
    # 20,000 rows of one 10-character area: compressed, the cache keeps the value once per batch
    # (run length or dictionary); under presence's settings it keeps every copy, >= 10 bytes each
    def cached_bytes(area):
        df = spark.range(20_000).select(F.lit(area).alias("area")).persist()
        try:
            assert df.count() == 20_000
            relation = df._jdf.queryExecution().withCachedData().collectLeaves().head()
            rdd = relation.cacheBuilder().cachedColumnBuffers().id()
            infos = spark.sparkContext._jsc.sc().getRDDStorageInfo()
            return sum(i.memSize() + i.diskSize() for i in infos if i.id() == rdd)
        finally:
            df.unpersist()

    plain = cached_bytes("A0000000-0")
    with session_conf(spark, presence_settings):
        raw = cached_bytes("A0000000-1")
    assert plain < 20_000
    assert raw >= 20_000 * 10


def test_presence_without_origins_for_the_period_says_what_to_run(spark, make_cfg):
    cfg = make_cfg()
    write_areas(cfg)
    write_events(spark, cfg, [event("h1", "2026-04-02", 9, "A1")])
    write_origins(spark, cfg, "2026-03", {"h1": "A1"})
    with pytest.raises(UserError, match="footfall origins --period 2026-04"):
        run_presence(spark, cfg, dt.date(2026, 4, 2))


def test_dst_days_have_23_hour_bins_in_spring_and_one_repeated_bin_in_autumn(spark):
    # tokens are per period, so the autumn subscribers carry other tokens than the spring one
    origins = spark.createDataFrame(
        origins_rows("2026-03", {"h1": "A1"}) + origins_rows("2026-10", {"a1": "A1", "a2": "A1"}),
        text_schema(tables.ORIGINS),
    )
    spring = [event("h1", "2026-03-29", h, "A1") for h in range(24) if h != 1]  # 01:00 skipped
    autumn = [
        event("a1", "2026-10-25", 1, "A1", fold=0),  # 01:30 BST = 00:30 UTC
        event("a1", "2026-10-25", 1, "A1", fold=1),  # 01:30 GMT = 01:30 UTC, same bin
        event("a2", "2026-10-25", 1, "A1", fold=1),
    ]
    assert autumn[0][1] != autumn[1][1]  # two instants, one local hour
    hourly = (
        spark.createDataFrame(spring + autumn, text_schema(tables.EVENTS))
        .transform(present_hours(StayRule(), "Europe/London", SPRING, AUTUMN))
        .transform(subscriber_origins(origins, areas_frame(spark), "district", HOME_MCCS))
        .transform(hourly_presence("district"))
        .where(F.col(C.ORIGIN_ID) == "all")
    )
    bins = {(r[C.DATE], r[C.HOUR]): r[C.SUBSCRIBERS] for r in hourly.collect()}
    spring_hours = sorted(h for d, h in bins if d == dt.date(2026, 3, 29))
    assert spring_hours == [0, *range(2, 24)]
    assert {h: n for (d, h), n in bins.items() if d == dt.date(2026, 10, 25)} == {1: 2}


def test_presence_of_a_date_bridges_from_the_previous_evening(spark, make_cfg):
    # 22:30 and 07:30 in A1, 9 h apart: present on 03-11 from midnight to 08:00 (METHOD 5.1)
    cfg = make_cfg(release__k_min=1, release__rounding=1)
    write_areas(cfg)
    write_origins(spark, cfg, "2026-03", HOMES)
    write_events(
        spark, cfg, [event("h1", "2026-03-10", 22, "A1"), event("h1", "2026-03-11", 7, "A1")]
    )
    run_presence(spark, cfg, dt.date(2026, 3, 11))
    got = _rows(tables.AUDIT_HOURLY, dt.date(2026, 3, 11))(spark, cfg)
    hours = sorted(r[C.HOUR] for r in got.where(F.col(C.ORIGIN_ID) == "all").collect())
    assert hours == list(range(8))


def test_presence_of_a_period_first_date_reads_no_event_of_the_previous_period(spark, make_cfg):
    # m1's last March event at 23:50 has an edge to 00:20 on 04-01, but its token is March's
    cfg = make_cfg(release__k_min=1, release__rounding=1)
    write_areas(cfg)
    write_origins(spark, cfg, "2026-04", {"p1": "A1"})
    write_events(
        spark,
        cfg,
        [event("m1", "2026-03-31", 23, "A1", minute=50), event("p1", "2026-04-01", 10, "A1")],
    )
    run_presence(spark, cfg, dt.date(2026, 4, 1))
    got = _rows(tables.AUDIT_HOURLY, dt.date(2026, 4, 1))(spark, cfg)
    assert sorted(
        (r[C.HOUR], r[C.SUBSCRIBERS]) for r in got.collect() if r[C.ORIGIN_ID] == "all"
    ) == [(10, 1)]


def test_domestic_weights_add_up_to_the_population_when_most_homes_are_unknown(spark):
    # N = 10, K = 2 (one home in each region): R1 1000 * 2 / (1 * 10) = 200, R2 500 * 2 /
    # (1 * 10) = 100, each of the 8 unknown 1500 / 10 = 150: 200 + 100 + 1200 = 1500 = P
    homes = {"k1": "A1", "k2": "A3", **{f"u{i}": None for i in range(8)}}
    origins = spark.createDataFrame(origins_rows("2026-03", homes), text_schema(tables.ORIGINS))
    subscribers = spark.createDataFrame(
        [(t, "234") for t in homes], f"{C.TOKEN} string, {C.MCC} string"
    )
    got = assign_origins(subscribers, origins, "district", HOME_MCCS).transform(
        lambda df: with_weights(df, origins, areas_frame(spark), HOME_MCCS)
    )
    weights = {r[C.TOKEN]: r[C.WEIGHT] for r in got.collect()}
    assert (weights["k1"], weights["k2"], weights["u0"]) == (200.0, 100.0, 150.0)
    assert sum(weights.values()) == 1500.0
