"""The instant of a landing row's event_time (METHOD 1.1, 3): ISO-8601 with an offset or epoch
milliseconds; anything else is bad_time. From Spark's built-ins, and from footfall's Spark
extension (`footfall_parse_instant`), which must give the same instant for every text."""

from __future__ import annotations

import datetime as dt
import itertools

from conftest import both_ways, require_function
from footfall.stages.ingest import NATIVE_INSTANT, parse_instant
from pyspark.sql import functions as F

UTC = dt.timezone.utc

# text -> the UTC instant, worked out by hand (None: bad_time)
CASES = {
    "2026-03-29T10:00:00+01:00": dt.datetime(2026, 3, 29, 9, 0, tzinfo=UTC),
    "2026-03-29T10:00:00+0100": dt.datetime(2026, 3, 29, 9, 0, tzinfo=UTC),
    "2026-03-29T09:00:00Z": dt.datetime(2026, 3, 29, 9, 0, tzinfo=UTC),
    "2026-03-29T09:00:00-00:00": dt.datetime(2026, 3, 29, 9, 0, tzinfo=UTC),
    "2026-03-29T04:30:00-05:30": dt.datetime(2026, 3, 29, 10, 0, tzinfo=UTC),
    "2026-03-29T15:30:00+0530": dt.datetime(2026, 3, 29, 10, 0, tzinfo=UTC),
    "2026-03-30T00:30:00+01:00": dt.datetime(2026, 3, 29, 23, 30, tzinfo=UTC),  # the day before
    "2026-03-29T13:00:00.5Z": dt.datetime(2026, 3, 29, 13, 0, 0, 500000, tzinfo=UTC),
    "2026-03-29T13:00:00.123456789+01:00": dt.datetime(2026, 3, 29, 12, 0, 0, 123456, tzinfo=UTC),
    "2026-03-29T13:05+01:00": dt.datetime(2026, 3, 29, 12, 5, tzinfo=UTC),  # HH:mm
    "2026-03-29T13:05Z": dt.datetime(2026, 3, 29, 13, 5, tzinfo=UTC),
    "2026-03-29T18:00:00+18:00": dt.datetime(2026, 3, 29, 0, 0, tzinfo=UTC),  # the largest offset
    "1774774800000": dt.datetime(2026, 3, 29, 9, 0, tzinfo=UTC),  # epoch milliseconds
    "2026-03-29T10:00:00+18:01": None,  # beyond +-18:00
    "2026-03-29T10:00:00+19:00": None,
    "2026-03-29T10:00:00+01:60": None,  # minutes over 59
    "2026-03-29T10:00:00": None,  # no offset
    "2026-02-30T10:00:00Z": None,  # no such day
    "2026-03-29T25:00:00+01:00": None,  # no such hour
    "tomorrow": None,
    "": None,
}


native = both_ways(NATIVE_INSTANT)


def test_parse_instant_reads_each_shape_to_its_utc_instant(spark, native):
    df = spark.createDataFrame([(t,) for t in CASES], "t string")
    got = {
        r["t"]: r["instant"]
        for r in df.select("t", parse_instant(F.col("t"), native).alias("instant")).collect()
    }
    # collected timestamps are naive local datetimes of the Python process: compare as UTC
    got = {t: v.astimezone(UTC) if v is not None else None for t, v in got.items()}
    assert got == CASES


# the pieces of a text: a date, a time and an offset, each well formed or just not
DATES = [
    "2026-03-17",
    "2024-02-29",
    "2026-02-29",
    "2026-04-31",
    "2026-13-01",
    "2026-00-10",
    "2026-03-00",
    "0000-01-01",
    "9999-12-31",
    "2026-3-17",
    "2026-03-17 ",
]
TIMES = [
    "T10:00",
    "T10:00:05",
    "T10:00:05.1",
    "T10:00:05.123456",
    "T10:00:05.1234567",
    "T10:00:05.123456789",
    "T10:00:05.1234567891",
    "T10:00:05.",
    "T24:00",
    "T23:60",
    "T23:59:60",
    "T10:0",
    "t10:00",
    " 10:00",
]
OFFSETS = [
    "Z",
    "z",
    "+00:00",
    "-00:00",
    "+01:00",
    "-05:30",
    "+0100",
    "-0530",
    "+18:00",
    "-18:00",
    "+18:01",
    "+19:00",
    "+05:60",
    "+01",
    "+01:0",
    "+01:00:00",
    "",
    " Z",
]
EPOCHS = ["0", "7", "1773705787156", "999999999999999", "1234567890123456", "-5", "12a", "1.5",
          " 1", "", "+1"]  # fmt: skip


def test_the_extension_reads_every_text_as_the_builtins_do(spark):
    require_function(spark, NATIVE_INSTANT)
    texts = [d + t + z for d, t, z in itertools.product(DATES, TIMES, OFFSETS)] + EPOCHS
    df = spark.createDataFrame([(t,) for t in [*texts, None]], "t string").select(
        "t",
        parse_instant(F.col("t")).alias("builtins"),
        parse_instant(F.col("t"), native=True).alias("extension"),
    )
    differ = df.where(~F.col("builtins").eqNullSafe(F.col("extension")))
    assert [
        tuple(r) for r in differ.select(*[F.col(c).cast("string") for c in df.columns]).collect()
    ] == []
    # instants: 4 dates (2026-03-17, 2024-02-29, 0000-01-01, 9999-12-31) x 6 times (up to
    # T10:00:05.123456789) x 9 offsets (Z to -18:00), and 4 epochs (up to 15 digits)
    assert df.where(F.col("builtins").isNotNull()).count() == 4 * 6 * 9 + 4
