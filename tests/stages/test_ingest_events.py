"""The events of ingest (METHOD 3, 3.2): each landing day's duplicates dropped in the one shuffle
that clusters the events files, with a landing day's own date salted over several tasks, and the
local hour and the period added after it."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from conftest import plan_nodes
from footfall.core import columns as C
from footfall.core import tables
from footfall.stages.cells import AREA_CODE, REGION_CODE
from footfall.stages.ingest import INSTANT, salt_buckets, valid_events
from pyspark.sql import functions as F
from pyspark.sql import types as T

LANDING = dt.date(2026, 3, 29)
LATE = dt.date(2026, 3, 27)
KEY = [C.LANDING_DATE, C.TOKEN, INSTANT, C.CELL_ID, C.EVENT_TYPE]
ZONE = "Europe/London"  # 2026-03-29: BST from 01:00 UTC
DERIVED = (C.EVENT_HOUR, C.PERIOD)
EXCHANGE = "ShuffleExchangeExec"


def _names(spark):
    """The area and region of each area code (`CellSlots.names`): A1 in R0, A2 in R1."""
    schema = f"{AREA_CODE} int, {C.AREA_ID} string, {C.REGION_ID} string"
    return spark.createDataFrame([(0, "A1", "R0"), (1, "A2", "R1")], schema)


def _valid(spark, buckets):
    return valid_events(buckets, ZONE, LATE, LANDING, _names(spark))


CODED = {C.AREA_ID: (AREA_CODE, T.IntegerType()), C.REGION_ID: (REGION_CODE, T.IntegerType())}


def _classified(spark):
    """Valid rows (reason null) of 12 tokens on the landing day and a late day, each event 1 to
    3 times, and a quarantined row; areas and regions as their codes, as `classify` leaves
    them."""
    schema = T.StructType(
        [T.StructField(C.REASON, T.StringType()), T.StructField(INSTANT, T.TimestampType())]
        + [
            T.StructField(*CODED.get(f.name, (f.name, f.dataType)))
            for f in tables.EVENTS.schema
            if f.name not in (C.EVENT_TIME, *DERIVED)
        ]
    )
    rows = []
    for i in range(12):
        for day, copies in ((LANDING, 1 + i % 3), (LATE, 1 + i % 2)):
            at = dt.datetime.combine(day, dt.time(i))
            area = region = i % 2  # A1 in R0, A2 in R1
            token = i.to_bytes(16, "big")  # a token as the tables store it: 16 bytes
            event = (None, at, token, day, "c1", area, region, "234", "data", LANDING)
            rows += [event] * copies
    rows.append(("bad_time", None, None, LANDING, "c1", 0, 0, "234", "data", LANDING))
    return spark.createDataFrame(rows, schema)


@pytest.mark.parametrize("buckets", [1, 4])
def test_copies_of_an_event_are_dropped_when_its_landing_day_is_spread_over_tasks(spark, buckets):
    classified = _classified(spark)
    expected = (
        classified.where(F.col(C.REASON).isNull())
        .dropDuplicates(KEY)
        .join(_names(spark), AREA_CODE)
        .withColumn(C.EVENT_TIME, F.col(INSTANT))
        .withColumn(C.EVENT_HOUR, F.hour(F.from_utc_timestamp(INSTANT, ZONE)))
        .withColumn(C.PERIOD, F.lit("2026-03"))
        .select(*tables.EVENTS.columns)
    )
    got = classified.transform(_valid(spark, buckets))
    assert got.count() == 24
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


@pytest.mark.parametrize("buckets", [1, 4])  # 1: a salt of one bucket must not add an exchange
def test_dedup_needs_no_exchange_beyond_the_file_partitioning(spark, capsys, buckets):
    _classified(spark).transform(_valid(spark, buckets)).explain()
    plan = capsys.readouterr().out
    assert plan.count("Exchange hashpartitioning") == 1
    assert "hashpartitioning(event_date" in plan
    # the areas' and regions' text joined above the dedup (a plan prints parents first)
    assert plan.index("BroadcastHashJoin") < plan.index("HashAggregate") < plan.index("Exchange")


def test_the_local_hour_and_the_period_come_after_the_dedup(spark):
    got = _classified(spark).transform(_valid(spark, 1))
    hours = {
        (r[C.EVENT_DATE], r[C.EVENT_TIME].hour): (r[C.EVENT_HOUR], r[C.PERIOD])
        for r in got.collect()
    }
    # 03-27 is GMT (local = UTC); on 03-29 00:00 UTC is 00:00 GMT, 01:00 UTC is 02:00 BST
    assert [hours[(LATE, i)] for i in (0, 1, 11)] == [(0, "2026-03"), (1, "2026-03"),
                                                       (11, "2026-03")]  # fmt: skip
    assert [hours[(LANDING, i)][0] for i in (0, 1, 2, 11)] == [0, 2, 3, 12]
    # neither is shuffled or hashed: the exchange's input has no such column
    (exchange,) = [n for n in plan_nodes(got) if n.getClass().getSimpleName() == EXCHANGE]
    output = exchange.child().output()
    shuffled = {output.apply(i).name() for i in range(output.size())}
    assert C.TOKEN in shuffled
    assert not shuffled & set(DERIVED)


def test_salt_buckets_fill_the_shuffle_partitions_with_the_days_regions():
    assert salt_buckets(400, 1, 4) == 100
    assert salt_buckets(8, 10, 4) == 1
    assert salt_buckets(80, 3, 4) == 7
    assert salt_buckets(8, 1, 0) == 8


# every METHOD event type, each with an mcc (an IMSI's first three digits), leading zeros too
TYPED = list(zip(C.EVENT_TYPES, ("001", "010", "234", "999", "310", "100", "235"), strict=True))


def test_types_mccs_areas_and_regions_cross_the_shuffle_as_numbers_and_come_back_as_text(spark):
    at = dt.datetime(2026, 3, 29, 9)
    rows = [(None, at, bytes(16), LANDING, "c1", 1, 1, mcc, kind, LANDING) for kind, mcc in TYPED]
    got = spark.createDataFrame(rows, _classified(spark).schema).transform(_valid(spark, 1))
    assert sorted((r[C.EVENT_TYPE], r[C.MCC]) for r in got.collect()) == sorted(TYPED)
    assert {(r[C.AREA_ID], r[C.REGION_ID]) for r in got.collect()} == {("A2", "R1")}  # code 1
    text = {C.EVENT_TYPE, C.MCC, C.AREA_ID, C.REGION_ID}
    assert {t for c, t in got.dtypes if c in text} == {"string"}
    # through the exchange (and the dedup's keys) as numbers: 8 or more bytes less a row each
    (exchange,) = [n for n in plan_nodes(got) if n.getClass().getSimpleName() == EXCHANGE]
    output = exchange.child().output()
    shuffled = {
        f.name(): f.dataType().simpleString() for f in map(output.apply, range(output.size()))
    }
    assert (shuffled[C.EVENT_TYPE], shuffled[C.MCC]) == ("tinyint", "smallint")
    assert (shuffled[AREA_CODE], shuffled[REGION_CODE]) == ("int", "int")
    assert not shuffled.keys() & {C.AREA_ID, C.REGION_ID}
