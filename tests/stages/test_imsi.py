"""A landing row's IMSI is exactly 15 digits or the row is bad_imsi (METHOD 1.1, 3). From Spark's
built-in regular expression, and from footfall's Spark extension (`footfall_digits`), which must
give the same answer for every text."""

from __future__ import annotations

import itertools

from conftest import both_ways, require_function
from footfall.stages.ingest import NATIVE_DIGITS, is_imsi
from pyspark.sql import functions as F

# text -> is it an IMSI, by hand
CASES = {
    "234150000000001": True,
    "001010123456789": True,  # a test network's MCC: leading zeros are digits
    "23415000000000": False,  # 14 digits
    "2341500000000011": False,  # 16
    "23415000000000a": False,
    "+34150000000001": False,
    "-34150000000001": False,
    "2341500000.0001": False,
    " 34150000000001": False,
    "234150000000001\u2028": False,  # a line separator after 15 digits (regex `$` took it)
    "234150000000001\u0085": False,  # next line, likewise
    "234150000000001\n": False,
    "23415000000000\u0661": False,  # an Arabic-Indic one: 15 characters, not 15 ASCII digits
    "\uff12\uff13\uff14150000000001": False,  # full-width digits
    "": False,
}


native = both_ways(NATIVE_DIGITS)


def imsi_test(spark, texts, native):
    df = spark.createDataFrame([(t,) for t in texts], "text string")
    return {
        r["text"]: r["ok"]
        for r in df.select("text", is_imsi(F.col("text"), native).alias("ok")).collect()
    }


def test_hand_worked_texts(spark, native):
    assert imsi_test(spark, list(CASES), native) == CASES


def test_null_is_null(spark, native):
    assert imsi_test(spark, [None], native) == {None: None}


def test_both_ways_agree_on_generated_texts(spark):
    require_function(spark, NATIVE_DIGITS)
    # every text of up to 16 pieces' lengths around 15, from digits and the characters that fool
    # a digit test: a sign, a point, a space, a letter, a line separator, a non-ASCII digit
    pieces = ["0", "9", "5", "+", ".", " ", "a", "\u2028", "\u0661"]
    texts = {"".join(p) for n in (1, 2) for p in itertools.product(pieces, repeat=n)}
    texts |= {"2" * k + p + "3" * (14 - k) for k in range(15) for p in pieces}
    texts |= {"2" * k + p + "3" * (15 - k) for k in range(16) for p in pieces}
    assert imsi_test(spark, sorted(texts), False) == imsi_test(spark, sorted(texts), True)
    # IMSIs: only the 15-character texts with a digit piece (3 digits at 15 places)
    assert sum(imsi_test(spark, sorted(texts), True).values()) == 45
