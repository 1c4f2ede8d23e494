"""The instant of a landing row's event_time (METHOD 1.1, 3): ISO-8601 with an offset or epoch
milliseconds; anything else is bad_time."""

from __future__ import annotations

import datetime as dt

from footfall.stages.ingest import parse_instant
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


def test_parse_instant_reads_each_shape_to_its_utc_instant(spark):
    df = spark.createDataFrame([(t,) for t in CASES], "t string")
    got = {
        r["t"]: r["instant"]
        for r in df.select("t", parse_instant(F.col("t")).alias("instant")).collect()
    }
    # collected timestamps are naive local datetimes of the Python process: compare as UTC
    got = {t: v.astimezone(UTC) if v is not None else None for t, v in got.items()}
    assert got == CASES
