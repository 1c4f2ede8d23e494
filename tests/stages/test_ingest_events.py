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
from footfall.stages.ingest import INSTANT, salt_buckets, valid_events
from pyspark.sql import functions as F
from pyspark.sql import types as T

LANDING = dt.date(2026, 3, 29)
LATE = dt.date(2026, 3, 27)
KEY = [C.LANDING_DATE, C.TOKEN, INSTANT, C.CELL_ID, C.EVENT_TYPE]
ZONE = "Europe/London"  # 2026-03-29: BST from 01:00 UTC
DERIVED = (C.EVENT_HOUR, C.PERIOD)
EXCHANGE = "ShuffleExchangeExec"


def _valid(buckets):
    return valid_events(buckets, ZONE, LATE, LANDING)


def _classified(spark):
    """Valid rows (reason null) of 12 tokens on the landing day and a late day, each event 1 to
    3 times, and a quarantined row."""
    schema = T.StructType(
        [T.StructField(C.REASON, T.StringType()), T.StructField(INSTANT, T.TimestampType())]
        + [
            T.StructField(f.name, f.dataType)
            for f in tables.EVENTS.schema
            if f.name not in (C.EVENT_TIME, *DERIVED)
        ]
    )
    rows = []
    for i in range(12):
        for day, copies in ((LANDING, 1 + i % 3), (LATE, 1 + i % 2)):
            at = dt.datetime.combine(day, dt.time(i))
            region = f"R{i % 2}"
            token = i.to_bytes(16, "big")  # a token as the tables store it: 16 bytes
            event = (None, at, token, day, "c1", "A1", region, "234", "data", LANDING)
            rows += [event] * copies
    rows.append(("bad_time", None, None, LANDING, "c1", "A1", "R0", "234", "data", LANDING))
    return spark.createDataFrame(rows, schema)


@pytest.mark.parametrize("buckets", [1, 4])
def test_copies_of_an_event_are_dropped_when_its_landing_day_is_spread_over_tasks(spark, buckets):
    classified = _classified(spark)
    expected = (
        classified.where(F.col(C.REASON).isNull())
        .dropDuplicates(KEY)
        .withColumn(C.EVENT_TIME, F.col(INSTANT))
        .withColumn(C.EVENT_HOUR, F.hour(F.from_utc_timestamp(INSTANT, ZONE)))
        .withColumn(C.PERIOD, F.lit("2026-03"))
        .select(*tables.EVENTS.columns)
    )
    got = classified.transform(_valid(buckets))
    assert got.count() == 24
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


@pytest.mark.parametrize("buckets", [1, 4])  # 1: a salt of one bucket must not add an exchange
def test_dedup_needs_no_exchange_beyond_the_file_partitioning(spark, capsys, buckets):
    _classified(spark).transform(_valid(buckets)).explain()
    plan = capsys.readouterr().out
    assert plan.count("Exchange hashpartitioning") == 1
    assert "hashpartitioning(event_date" in plan


def test_the_local_hour_and_the_period_come_after_the_dedup(spark):
    got = _classified(spark).transform(_valid(1))
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


def test_event_types_and_mccs_cross_the_shuffle_as_small_numbers_and_come_back_as_text(spark):
    at = dt.datetime(2026, 3, 29, 9)
    rows = [
        (None, at, bytes(16), LANDING, "c1", "A1", "R0", mcc, kind, LANDING) for kind, mcc in TYPED
    ]
    got = spark.createDataFrame(rows, _classified(spark).schema).transform(_valid(1))
    assert sorted((r[C.EVENT_TYPE], r[C.MCC]) for r in got.collect()) == sorted(TYPED)
    assert dict(got.dtypes)[C.EVENT_TYPE] == dict(got.dtypes)[C.MCC] == "string"
    # through the exchange (and the dedup's keys) as a byte and a short: 16 bytes less a row
    (exchange,) = [n for n in plan_nodes(got) if n.getClass().getSimpleName() == EXCHANGE]
    output = exchange.child().output()
    shuffled = {
        f.name(): f.dataType().simpleString() for f in map(output.apply, range(output.size()))
    }
    assert (shuffled[C.EVENT_TYPE], shuffled[C.MCC]) == ("tinyint", "smallint")
