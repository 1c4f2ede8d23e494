"""A landing line's fields (METHOD 1.1): split at commas outside double quotes, trimmed of
spaces, unquoted; `fields` counts them, -1 for broken quoting. From Spark's built-ins, and from
footfall's Spark extension (`footfall_split_fields`), which must give the same fields for every
line."""

from __future__ import annotations

import itertools

from conftest import both_ways, require_function
from footfall.core import columns as C
from footfall.stages.landing import FIELDS, LINE, NATIVE_SPLIT, split_fields
from pyspark.sql import functions as F

# line -> (fields, the first six fields), worked out by hand
CASES = {
    "1,2,3,4,5,6": (6, ["1", "2", "3", "4", "5", "6"]),
    " 1 , 2,3 ,4,5,6  ": (6, ["1", "2", "3", "4", "5", "6"]),  # spaces trimmed
    "\t1,2,3,4,5,6": (6, ["\t1", "2", "3", "4", "5", "6"]),  # only spaces are trimmed
    "1,,3,,5,": (6, ["1", "", "3", "", "5", ""]),  # empty fields kept, the last one too
    "1,2,3,4,5,6,7": (7, ["1", "2", "3", "4", "5", "6"]),
    "1,2,3": (3, ["1", "2", "3", None, None, None]),
    "": (1, ["", None, None, None, None, None]),
    ",": (2, ["", "", None, None, None, None]),
    # a comma in quotes
    '1,"+44 7700, 900",3,4,5,6': (6, ["1", "+44 7700, 900", "3", "4", "5", "6"]),
    '1, " 2 " ,3,4,5,6': (6, ["1", "2", "3", "4", "5", "6"]),  # trimmed, unquoted, trimmed again
    '1,"say ""hi""",3,4,5,6': (6, ["1", 'say "hi"', "3", "4", "5", "6"]),  # "" is one quote
    '"""",""""""""': (2, ['"', '"""', None, None, None, None]),
    '"""x",2': (2, ['"x', "2", None, None, None, None]),
    '1,a""b,3': (3, ["1", 'a""b', "3", None, None, None]),  # quotes inside, not around: kept
    '1,"",3': (3, ["1", "", "3", None, None, None]),
    '1,",3': (-1, None),  # an odd number of quotes: broken
    '1,"2",3"': (-1, None),
    "café,ü,3": (3, ["café", "ü", "3", None, None, None]),
    'ü,"é, ü",3': (3, ["ü", "é, ü", "3", None, None, None]),
}
# bytes that are not UTF-8 (0xC3, "(", ",", "a"): the field's bytes become U+FFFD's (EF BF BD)
# then "(", as Java decodes them
INVALID_UTF8 = ("C3282C61", ["EFBFBD28", "61"])
# lines with bytes that are not UTF-8 next to a quote or a comma (hex) -> fields: the quotes and
# commas count as they are (a decoder takes no ASCII byte into a bad sequence)
INVALID_UTF8_FIELDS = {
    "C322": -1,  # C3 ": one quote, broken
    "C322222C61": 2,  # C3 "" , a
    "E22C226122": 2,  # E2 , "a"
    "F0902C2C": 3,  # F0 90 , ,
}


native = both_ways(NATIVE_SPLIT)


def _split(spark, lines, native):
    rows = lines.withColumn(C.SOURCE_FILE, F.lit("f.csv.gz"))
    out = rows.transform(split_fields(C.RAW_COLUMNS, native))
    return [(r[FIELDS], [r[c] for c in C.RAW_COLUMNS]) for r in out.collect()]


def test_each_line_splits_into_its_fields(spark, native):
    lines = list(CASES)
    got = _split(spark, spark.createDataFrame([(x,) for x in lines], f"{LINE} string"), native)
    by_line = dict(zip(lines, got, strict=True))
    for line, (fields, values) in CASES.items():
        assert by_line[line][0] == fields, line
        if values is not None:  # a broken line is malformed whatever its fields
            assert by_line[line][1] == values, line


def test_bytes_that_are_not_utf8_read_as_replacement_characters(spark, native):
    hex_bytes, expected = INVALID_UTF8
    lines = spark.range(1).select(
        F.unhex(F.lit(hex_bytes)).cast("string").alias(LINE), F.lit("f.csv").alias(C.SOURCE_FILE)
    )
    out = lines.transform(split_fields(C.RAW_COLUMNS, native))
    first_two = [F.hex(F.col(c).cast("binary")) for c in C.RAW_COLUMNS[:2]]
    assert list(out.select(*first_two).first()) == expected


def test_fields_count_quotes_and_commas_next_to_bytes_that_are_not_utf8(spark, native):
    # each line's hex as its source file, to tell the rows apart
    lines = spark.createDataFrame([(h,) for h in INVALID_UTF8_FIELDS], "hex string").select(
        F.unhex("hex").cast("string").alias(LINE), F.col("hex").alias(C.SOURCE_FILE)
    )
    out = lines.transform(split_fields(C.RAW_COLUMNS, native))
    got = {r[C.SOURCE_FILE]: r[FIELDS] for r in out.collect()}
    assert got == INVALID_UTF8_FIELDS


# pieces of a line: plain, spaced, quoted, with commas or doubled quotes in quotes, a lone quote
PIECES = ["", "a", " b ", '"c"', '" d,e "', '"f""g"', '""', '"', "ü", " ", 'x"y']


def test_the_extension_splits_every_line_of_generated_pieces_as_the_builtins(spark):
    require_function(spark, NATIVE_SPLIT)
    lines = [",".join(p) for p in itertools.product(PIECES, repeat=3)]
    lines += ["".join(p) for p in itertools.product(PIECES, repeat=3)]
    # each line's number as its source file, to pair the two splits' rows
    schema = f"{LINE} string, {C.SOURCE_FILE} string"
    frame = spark.createDataFrame([(x, str(i)) for i, x in enumerate(lines)], schema)
    builtins = frame.transform(split_fields(C.RAW_COLUMNS, False))
    native = frame.transform(split_fields(C.RAW_COLUMNS, True))
    assert builtins.count() == native.count() == len(lines) == 2 * 11**3
    assert builtins.exceptAll(native).count() == 0 and native.exceptAll(builtins).count() == 0
    broken = builtins.where(F.col(FIELDS) == -1).count()  # lines with an odd number of quotes
    assert 0 < broken < len(lines)
