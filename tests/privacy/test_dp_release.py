"""DP mode in Spark (METHOD 7.1): contribution bounding, the public domain's zeros, `all` as
the sum of its origins, and the presence job's DP candidates."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac

import pytest
from conftest import TEST_KEY
from footfall.core import columns as C
from footfall.core import lake, tables
from footfall.privacy import dp
from footfall.privacy.disclosure import round_half_up
from footfall.privacy.dp_bound import bound_daily, bound_hourly
from footfall.privacy.dp_release import extrapolated, noised, public_domain
from footfall.privacy.tokens import period_key, period_keys_frame
from footfall.stages.presence import run_presence
from presence_data import config_under, event, write_areas, write_events, write_origins
from pyspark.sql import functions as F

DAY = dt.date(2026, 3, 10)
TOKEN = "0123456789abcdef0123456789abcdef"  # the text form of a token (METHOD 3.1)
STORED, OTHER = bytes.fromhex(TOKEN), bytes.fromhex("f" * 32)  # the 16 bytes tables hold
PRESENT = f"{C.DATE} date, {C.HOUR} int, {C.AREA_ID} string, {C.TOKEN} binary"


def _keys(spark):
    return period_keys_frame(spark, TEST_KEY, ["2026-03"])


def _hmac(message: str) -> str:
    return hmac.new(period_key(TEST_KEY, "2026-03"), message.encode(), hashlib.sha256).hexdigest()


def test_subscriber_with_40_hourly_cells_keeps_the_same_24(spark):
    """40 (hour, area) cells in one day: 24 kept, those with the smallest
    HMAC(K_p, token|h|date|HH|area) (computed here with Python's hmac), twice the same; a
    second subscriber with 3 cells keeps all of them."""
    cells = [(DAY, h, a, STORED) for h in range(20) for a in ("A1", "A2")]
    small = [(DAY, 5, "A1", OTHER), (DAY, 6, "A1", OTHER), (DAY, 7, "A3", OTHER)]
    rows = spark.createDataFrame(cells + small, PRESENT)

    def kept():
        out = rows.transform(bound_hourly(_keys(spark), 24)).collect()
        return sorted((bytes(r[C.TOKEN]), r[C.HOUR], r[C.AREA_ID]) for r in out)

    first, again = kept(), kept()
    assert first == again
    mine = [(h, a) for t, h, a in first if t == STORED]
    assert len(mine) == 24
    expected = sorted(
        ((h, a) for _, h, a, _ in cells), key=lambda c: _hmac(f"{TOKEN}|h|{DAY}|{c[0]:02d}|{c[1]}")
    )[:24]
    assert sorted(mine) == sorted(expected)
    assert [(h, a) for t, h, a in first if t != STORED] == [(5, "A1"), (6, "A1"), (7, "A3")]


def test_daily_areas_bounded_to_four(spark):
    rows = spark.createDataFrame(
        [(DAY, a, STORED) for a in ("A1", "A2", "A3", "A4", "A5", "A6")],
        f"{C.DATE} date, {C.AREA_ID} string, {C.TOKEN} binary",
    )
    kept = sorted(r[C.AREA_ID] for r in rows.transform(bound_daily(_keys(spark), 4)).collect())
    areas = sorted(
        ("A1", "A2", "A3", "A4", "A5", "A6"), key=lambda a: _hmac(f"{TOKEN}|d|{DAY}|{a}")
    )
    assert kept == sorted(areas[:4])


def _plan(mechanism=dp.GAUSSIAN):
    budget = 0.5 if mechanism == dp.GAUSSIAN else 1.0
    return dp.DpPlan(mechanism, budget, 0.5, 24, 4, 0.1, 1e-9, 15.0, test_seed=5)


@pytest.mark.parametrize("mechanism", [dp.GAUSSIAN, dp.LAPLACE])
def test_every_cell_of_the_public_domain_is_noised_zeros_included(spark, mechanism):
    """2 areas x 24 hours x 3 origins = 144 cells, of which one holds a count: all 144 come
    back, most with nonzero noise on their zero; re-running with the test seed repeats it."""
    domain = public_domain(spark, ["A1", "A2"], ["D1", "unknown", "roamer"], [DAY], "UTC", "hourly")
    counts = spark.createDataFrame(
        [(DAY, 9, "A1", "D1", 7)],
        f"{C.DATE} date, {C.HOUR} int, {C.AREA_ID} string, {C.ORIGIN_ID} string, "
        f"{C.SUBSCRIBERS} long",
    )
    cells = counts.transform(noised(domain, _plan(mechanism), dp.HOURLY))
    rows = cells.collect()
    assert len(rows) == 144
    assert sum(r[C.SUBSCRIBERS] for r in rows) == 7
    assert sum(r[dp.NOISY] != r[C.SUBSCRIBERS] for r in rows) > 100  # sigma 6.9 / scale 48
    assert sorted(tuple(r) for r in rows) == sorted(tuple(r) for r in cells.collect())


def test_opendp_noise_runs_on_the_executors(spark):
    """Without a test seed the Python workers import OpenDP (the driver's environment in
    local mode) and noise every cell: 1 area x 24 hours x 1 origin, all zeros."""
    domain = public_domain(spark, ["A1"], ["D1"], [DAY], "UTC", "hourly")
    counts = spark.createDataFrame([], f"{C.DATE} date, {C.HOUR} int, {C.AREA_ID} string, "
                                   f"{C.ORIGIN_ID} string, {C.SUBSCRIBERS} long")  # fmt: skip
    plan = dataclasses.replace(_plan(), test_seed=None)
    rows = counts.transform(noised(domain, plan, dp.HOURLY)).collect()
    assert len(rows) == 24 and {r[C.SUBSCRIBERS] for r in rows} == {0}
    assert len({r[dp.NOISY] for r in rows}) > 3  # sigma 6.9: not all the same


def test_spring_forward_day_has_23_hour_bins_in_the_domain(spark):
    domain = public_domain(
        spark, ["A1"], ["all"], [dt.date(2026, 3, 29)], "Europe/London", "hourly"
    )
    assert sorted(r[C.HOUR] for r in domain.collect()) == [h for h in range(24) if h != 1]


def test_all_is_the_sum_of_its_origins_then_clamped_and_rounded(spark):
    """Noisy counts D1 = 3, unknown = -2, roamer = 4 with weights 10, 15 and 1: origins
    30 -> 30, -30 -> 0, 4 -> 0 (rounded to 10); all = 30 - 30 + 4 = 4 -> 0. A second group:
    D1 = 5 (50), unknown = 1 (15 -> 20), roamer 0: all = 65 -> 70."""
    cells = spark.createDataFrame(
        [
            (DAY, "A1", "D1", 3),
            (DAY, "A1", "unknown", -2),
            (DAY, "A1", "roamer", 4),
            (DAY, "A2", "D1", 5),
            (DAY, "A2", "unknown", 1),
            (DAY, "A2", "roamer", 0),
        ],
        f"{C.DATE} date, {C.AREA_ID} string, {C.ORIGIN_ID} string, {dp.NOISY} long",
    )
    weights = {"D1": 10.0, "unknown": 15.0, "roamer": 1.0}
    out = cells.transform(extrapolated(weights, [C.DATE, C.AREA_ID], "district", 10))
    got = {(r[C.AREA_ID], r[C.ORIGIN_ID]): r[C.VISITORS] for r in out.collect()}
    assert got == {
        ("A1", "D1"): 30,
        ("A1", "unknown"): 0,
        ("A1", "roamer"): 0,
        ("A1", "all"): 0,
        ("A2", "D1"): 50,
        ("A2", "unknown"): 20,
        ("A2", "roamer"): 0,
        ("A2", "all"): 70,
    }
    # `all` is exactly the (unrounded) sum of its origins: the same rule on Spark's own sum
    sums = cells.groupBy(C.AREA_ID).agg(
        round_half_up(
            F.greatest(
                F.sum(F.col(dp.NOISY) * F.when(F.col(C.ORIGIN_ID) == "D1", 10.0)
                      .when(F.col(C.ORIGIN_ID) == "unknown", 15.0).otherwise(1.0)),
                F.lit(0.0),
            ),
            10,
        ).alias("v")
    )  # fmt: skip
    assert {r[C.AREA_ID]: r["v"] for r in sums.collect()} == {"A1": 0, "A2": 70}


@pytest.fixture(scope="module")
def dp_presence(spark, tmp_path_factory):
    """The presence job in DP mode on one date: h1 in A1 (hours 8-10 by stays), h3 in A3 at
    12:30 (hour 12), a roamer in A2 at 15:30, u1 (no home) in A2 at 18:30."""
    cfg = config_under(
        tmp_path_factory.mktemp("dp_presence"),
        release__privacy="dp",
        dp__test_seed=9,
        origins__level="district",
    )
    write_areas(cfg)
    write_events(
        spark,
        cfg,
        [
            event("h1", "2026-03-10", 9, "A1", minute=10),
            event("h1", "2026-03-10", 9, "A1", minute=40),
            event("h1", "2026-03-10", 10, "A1", minute=30),
            event("h3", "2026-03-10", 12, "A3"),
            event("r1", "2026-03-10", 15, "A2", mcc="208"),
            event("u1", "2026-03-10", 18, "A2"),
        ],
    )
    write_origins(spark, cfg, "2026-03", {"h1": "A1", "h3": "A3", "u1": None})
    summary = run_presence(spark, cfg, DAY)
    return cfg, summary


def test_dp_presence_releases_the_whole_domain_and_keeps_exact_audit(spark, dp_presence):
    cfg, summary = dp_presence
    hourly = lake.read_table(spark, cfg, tables.CANDIDATE_HOURLY)
    daily = lake.read_table(spark, cfg, tables.CANDIDATE_DAILY)
    # 3 areas x 24 hours x (D1, D2, unknown, roamer, all) and 3 areas x 5
    assert hourly.count() == 3 * 24 * 5 == summary["candidate_hourly_rows"]
    assert daily.count() == 3 * 5
    assert {r[C.ORIGIN_ID] for r in daily.collect()} == {"D1", "D2", "unknown", "roamer", "all"}
    assert hourly.where(F.col(C.VISITORS) < 0).count() == 0
    assert hourly.where(F.col(C.VISITORS) % 10 != 0).count() == 0
    # the audit keeps exact counts (the roamer under its MCC, as in k-anonymity mode)
    audit = lake.read_table(spark, cfg, tables.AUDIT_DAILY).where(F.col(C.ORIGIN_ID) != "all")
    exact = {(r[C.AREA_ID], r[C.ORIGIN_ID]): r[C.SUBSCRIBERS] for r in audit.collect()}
    assert exact == {
        ("A1", "D1"): 1,
        ("A3", "D2"): 1,
        ("A2", "roamer:208"): 1,
        ("A2", "unknown"): 1,
    }
    # the 5.3 breakdowns get no candidates in DP mode; the period's residents were noised once
    assert summary["candidate_dwell_rows"] == 0
    residents = lake.read_table(spark, cfg, tables.DP_RESIDENTS).collect()
    assert sorted(r[C.REGION_ID] for r in residents) == ["R1", "R2", "unknown"]
