"""One rule for what looks like an identifier, in table fields and in messages (METHOD 3)."""

from __future__ import annotations

import pytest
from footfall.privacy.identifiers import scrub, scrubbed
from pyspark.sql import functions as F

# (field text, looks like an identifier): 10+ digits, spaces inside and a leading + allowed
CASES = [
    ("234150000000001", True),  # an IMSI
    ("+44 7700 900001", True),  # an MSISDN as typed
    ("+ 447700900001", True),
    ("35000000000001", True),  # an IMEI
    ("123456789", False),  # 9 digits
    ("234-10-1-1", False),  # a cell id
    ("data", False),
]


@pytest.mark.parametrize(("text", "identifier"), CASES)
def test_a_message_masks_exactly_the_fields_the_tables_scrub(spark, text, identifier):
    field = spark.createDataFrame([(text,)], "v string").select(scrubbed(F.col("v")).alias("v"))
    field = field.first()["v"]
    assert (field != text) == identifier
    assert (scrub(f"failed on {text} here") != f"failed on {text} here") == identifier


def test_an_epoch_millisecond_time_stays_readable_but_a_15_digit_one_does_not(spark):
    got = spark.createDataFrame([("1774744200000",), ("234150000000001",)], "v string")
    got = got.select(scrubbed(F.col("v"), is_time=True).alias("v")).collect()
    assert [r["v"] for r in got] == ["1774744200000", "digits:15"]
