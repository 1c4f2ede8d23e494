"""Ingest's local date, hour and period of an event (METHOD 2, 3): by the zone's offsets found
once on the driver within the landing window, by Spark's time-zone rules outside it; the same
values as Spark's `from_utc_timestamp` and `date_format` everywhere."""

from __future__ import annotations

import datetime as dt

from footfall.stages.local_clock import (
    local_date_hour,
    month_number,
    month_text,
    utc_offsets,
)
from pyspark.sql import functions as F

LONDON = "Europe/London"
UTC = dt.timezone.utc


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


# UTC instant -> (local date, local hour) in London, worked out by hand (GMT, or BST = GMT+1
# from 01:00 UTC on 29 March 2026)
LONDON_CASES = {
    "2026-03-28T23:30:00": ("2026-03-28", 23),
    "2026-03-29T00:59:59": ("2026-03-29", 0),
    "2026-03-29T01:00:00": ("2026-03-29", 2),  # 01:00 local is skipped
    "2026-03-29T23:00:00": ("2026-03-30", 0),  # BST: already the next day
    # far outside the window the offsets were found for: the zone's rules, not the nearest offset
    "2019-07-01T23:30:00": ("2019-07-02", 0),  # BST in 2019
    "2031-01-15T23:30:00": ("2031-01-15", 23),  # GMT in 2031
    "1960-06-01T12:00:00": ("1960-06-01", 13),  # BST before the epoch
}


def test_local_date_and_hour_inside_and_far_outside_the_window(spark):
    offsets = utc_offsets(LONDON, dt.date(2026, 3, 26), dt.date(2026, 3, 30))
    frame = spark.createDataFrame([(_at(t),) for t in LONDON_CASES], "t timestamp")
    date, hour = local_date_hour(F.col("t"), LONDON, offsets)
    got = {
        r["t"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"): (str(r["d"]), r["h"])
        for r in frame.select("t", date.alias("d"), hour.alias("h")).collect()
    }
    assert got == LONDON_CASES
    nulls = spark.createDataFrame([(None,)], "t timestamp").select(date.alias("d"), hour.alias("h"))
    assert tuple(nulls.first()) == (None, None)


def test_local_date_and_hour_equal_the_zone_rules_every_7_minutes_over_a_dst_change(spark):
    first, last = dt.date(2026, 10, 24), dt.date(2026, 10, 26)  # back an hour at 01:00 UTC
    offsets = utc_offsets(LONDON, first, last)
    start = _at("2026-10-10T00:00:00")  # from two weeks before to two weeks after: past the
    n = 28 * 24 * 60 // 7  # window the offsets were found for, on both sides
    frame = spark.createDataFrame(
        [(start + dt.timedelta(minutes=7 * i),) for i in range(n)], "t timestamp"
    )
    date, hour = local_date_hour(F.col("t"), LONDON, offsets)
    wall = F.from_utc_timestamp(F.col("t"), LONDON)
    differ = (date != F.to_date(wall)) | (hour != F.hour(wall))
    assert frame.where(differ).count() == 0


def test_month_text_and_number_are_the_year_and_month_of_any_date(spark):
    dates = ["2026-02-28", "2026-03-01", "2026-03-31", "2026-04-30", "2026-05-01", "1999-12-31"]
    rows = [(dt.date.fromisoformat(d),) for d in dates] + [(None,)]
    frame = spark.createDataFrame(rows, "d date")
    first, last = dt.date(2026, 3, 10), dt.date(2026, 4, 2)
    text, number = month_text(F.col("d"), first, last), month_number(F.col("d"), first, last)
    months = frame.select("d", text.alias("m"), number.alias("n")).collect()
    got = {str(r["d"]): r["m"] for r in months}
    assert {str(r["d"]): r["n"] for r in months} == {
        "2026-02-28": 2026 * 12 + 2,
        "2026-03-01": 2026 * 12 + 3,
        "2026-03-31": 2026 * 12 + 3,
        "2026-04-30": 2026 * 12 + 4,
        "2026-05-01": 2026 * 12 + 5,
        "1999-12-31": 1999 * 12 + 12,
        "None": None,
    }
    assert got == {
        "2026-02-28": "2026-02",  # before the first month: date_format
        "2026-03-01": "2026-03",
        "2026-03-31": "2026-03",
        "2026-04-30": "2026-04",
        "2026-05-01": "2026-05",  # after the last month: date_format
        "1999-12-31": "1999-12",
        "None": None,
    }
