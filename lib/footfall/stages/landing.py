"""Landing files (METHOD 1.1): find a landing day's files, check them, split rows into fields.

CSV is read as text, not with Spark's CSV reader, because that reader silently pads short rows
and drops extra fields, which would hide `malformed` rows (METHOD 3). Each file's header is read
on the driver (one line of a gzip stream), so files with an unreadable or wrong header are named
before any Spark work.
"""

from __future__ import annotations

import datetime as dt
import gzip
import zlib
from collections.abc import Callable
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from footfall.core import columns as C
from footfall.core.config import Config
from footfall.core.errors import UserError
from footfall.runtime.session import has_function

LINE = "_line"
PARTS = "_parts"
FIELDS = "fields"  # how many fields the row split into; -1 for broken quoting
# a comma outside double quotes: an even number of quotes follows it to the end of the line
QUOTED_SPLIT = ',(?=(?:[^"]*"[^"]*")*[^"]*$)'
# what the header comparison ignores: whitespace, quotes and a UTF-8 byte order mark
HEADER_NOISE = '[\\s"\\x{FEFF}]'
HEADER_MARK = "y"  # in `event_type`
NATIVE_SPLIT = "footfall_split_fields"  # registered by footfall's Spark extension (jvm/)
assert HEADER_MARK in ",".join(C.RAW_COLUMNS)
ISO_OUT = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX"
DAY_FOLDER = "date"  # a landing day's folder is date=YYYY-MM-DD (METHOD 1.1)
LINES_WITH_DAY = T.StructType(
    [T.StructField("value", T.StringType()), T.StructField(DAY_FOLDER, T.DateType())]
)

Transform = Callable[[DataFrame], DataFrame]


def landing_files(cfg: Config, landing_date: dt.date) -> list[Path]:
    """The landing day's files, sorted; UserError naming the folder when there are none."""
    folder = cfg.path("landing") / "events" / f"{DAY_FOLDER}={landing_date.isoformat()}"
    parquet = cfg["ingest.input_format"] == "parquet"
    patterns = ("*.parquet",) if parquet else ("*.csv.gz", "*.csv")
    if not folder.is_dir():
        raise UserError(f"landing folder not found: {folder} (check paths.landing and --date)")
    files = sorted({p for pat in patterns for p in folder.glob(pat) if p.is_file()})
    if not files:
        raise UserError(f"no {' or '.join(patterns)} files in landing folder {folder}")
    return files


def read_header(path: Path) -> list[str] | None:
    """A CSV file's column names (its first line), or None when unreadable or not the contract."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
    except (OSError, EOFError, zlib.error, UnicodeDecodeError):
        return None
    names = [n.strip().strip('"').strip() for n in first.strip().split(",")]
    return names if sorted(names) == sorted(C.RAW_COLUMNS) else None


def group_by_header(files: list[Path]) -> tuple[dict[tuple[str, ...], list[Path]], list[str]]:
    """CSV files grouped by their header, and the names of files without a readable header."""
    groups: dict[tuple[str, ...], list[Path]] = {}
    bad: list[str] = []
    for f in files:
        header = read_header(f)
        if header is None:
            bad.append(f.name)
        else:
            groups.setdefault(tuple(header), []).append(f)
    return groups, bad


def gzip_failures(files: list[Path]) -> list[str]:
    """Names of gzip files that do not decompress to their end (driver side: failure path only)."""
    bad = []
    for f in files:
        if f.suffix != ".gz":
            continue
        try:
            with gzip.open(f, "rb") as fh:
                while fh.read(1 << 20):
                    pass
        except (OSError, EOFError, zlib.error):
            bad.append(f.name)
    return bad


def file_name() -> Column:
    """The name of the file a row was read from: the file source's `_metadata.file_name`, a
    constant of each file (input_file_name() with its last segment cut per row was 1.3% of
    ingest's CPU in a 10M profile)."""
    return F.col("_metadata.file_name")


def read_lines(spark: SparkSession, files: list[Path], header: tuple[str, ...]) -> DataFrame:
    """Data lines of CSV files sharing one header, with each file's landing day (the `date=`
    folder it is in, `landing_files`): blank lines and header lines dropped.

    One scan for the files of every landing day: the day is a partition value of the scan, set
    once per file. A scan per day joined by a union ran each day's split in generated code of
    its own (`GeneratedIteratorForCodegenStage4` to `17` in a 14-day profile: classes HotSpot
    warms up and compiles one by one, each for a 14th of the rows), then copied each row for
    the classification's code. Three pairs on the 10M bench, one core each at the same time:
    ingest 94.2 -> 90.1, 95.2 -> 92.8 and 98.8 -> 91.2 executor s, the same tables."""
    header_text = ",".join(header)
    line = F.col(LINE)
    # a header line starts with a letter of a column name once HEADER_NOISE is removed, and
    # holds every letter of the header: a line starting with a digit (every IMSI) is data
    # without a scan; the others skip the regex unless they hold HEADER_MARK (a sparse letter:
    # no event type or number has it). `contains`, not `instr`: instr compares the needle at
    # every position of the line (7% of ingest's CPU with the quote test below, 10M profile)
    digit_first = F.ascii(line).between(ord("0"), ord("9"))
    maybe_header = ~digit_first & line.contains(HEADER_MARK)
    is_header = maybe_header & (F.regexp_replace(line, HEADER_NOISE, "") == F.lit(header_text))
    # every file sits in <landing>/events/date=<day>/ (landing_files): that folder's parent is
    # the scan's base, and its `date` the partition column, typed by the schema
    base = files[0].parent.parent
    return (
        spark.read.schema(LINES_WITH_DAY)
        .option("basePath", str(base))
        .text([str(f) for f in files])
        .select(
            F.col("value").alias(LINE),
            file_name().alias(C.SOURCE_FILE),
            F.col(DAY_FOLDER).alias(C.LANDING_DATE),
        )
        .where(digit_first | (F.trim(line) != F.lit("")))  # a data line is not blank: no copy
        .where(~is_header)
    )


def split_fields(header: tuple[str, ...], native: bool | None = None) -> Transform:
    """Split each line into the header's columns (quote-aware, unescaped, trimmed) plus `fields`.
    native: footfall_split_fields (jvm/footfall/spark/SplitFields.java), the same fields from one
    pass over the bytes (tested on every shape against the built-ins); None: when the session
    has it."""

    def _split(lines: DataFrame) -> DataFrame:
        line = F.col(LINE)
        quoted = line.contains('"')
        # quotes counted as characters of the decoded line, as the split sees them (a difference
        # of lengths miscounted a quote after a byte that is not UTF-8: C3 22 gave 0)
        quotes = F.size(F.split(line, '"', -1)) - 1
        use_native = has_function(lines.sparkSession, NATIVE_SPLIT) if native is None else native
        if use_native:
            parts = F.call_function(NATIVE_SPLIT, line)
        else:  # most lines have no quote at all: they skip the quote-aware split
            split = F.split(line, QUOTED_SPLIT, -1)
            parts = F.when(quoted, split).otherwise(F.split(line, ",", -1))
        out = (
            lines.withColumn("_quoted", quoted)
            .withColumn(PARTS, parts)
            .withColumn(
                FIELDS,
                F.when(F.col("_quoted") & (quotes % 2 == 1), F.lit(-1)).otherwise(F.size(PARTS)),
            )
        )
        for i, name in enumerate(header):
            out = out.withColumn(name, F.get(F.col(PARTS), i))
            if not use_native:  # trimmed; in a line with quotes, unquoted and trimmed again
                raw = F.trim(F.col(name))
                in_quotes = raw.startswith('"') & raw.endswith('"') & (F.length(raw) >= 2)
                unquoted = F.regexp_replace(F.substring(raw, 2, F.length(raw) - 2), '""', '"')
                out = out.withColumn(
                    name, F.when(F.col("_quoted") & in_quotes, F.trim(unquoted)).otherwise(raw)
                )
        # the lines' other columns: the source file, and the landing day when read with it
        return out.select(*C.RAW_COLUMNS, FIELDS, *[c for c in lines.columns if c != LINE])

    return _split


def csv_rows(spark: SparkSession, groups: dict[tuple[str, ...], list[Path]]) -> DataFrame:
    """All CSV data rows as the six raw columns (by each file's header), `fields`, source file
    and landing day (`read_lines`): one scan per header, whatever the days."""
    frames = [read_lines(spark, g, h).transform(split_fields(h)) for h, g in groups.items()]
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame)
    return out


def parquet_schemas(
    spark: SparkSession, files: list[Path]
) -> tuple[dict[str, list[Path]], list[str]]:
    """Parquet files grouped by schema, and names of files unreadable or missing a column."""
    groups: dict[str, list[Path]] = {}
    bad: list[str] = []
    for f in files:
        try:
            schema = spark.read.parquet(str(f)).schema
        except Exception:  # a footer that cannot be read: the file is corrupt
            bad.append(f.name)
            continue
        if not set(C.RAW_COLUMNS) <= set(schema.fieldNames()):
            bad.append(f.name)
            continue
        groups.setdefault(schema.simpleString(), []).append(f)
    return groups, bad


def _as_text(field: T.StructField) -> Column:
    col = F.col(field.name)
    if isinstance(field.dataType, T.TimestampType):  # an instant: keep it unambiguous
        col = F.date_format(col, ISO_OUT)
    return F.trim(col.cast("string")).alias(field.name)


def parquet_rows(spark: SparkSession, groups: dict[str, list[Path]]) -> DataFrame:
    """All Parquet rows as the six raw columns as trimmed text, `fields` = 6 and source file."""
    out = None
    for group in groups.values():
        df = spark.read.parquet(*[str(f) for f in group])
        by_name = {f.name: f for f in df.schema.fields}
        frame = df.select(
            *[_as_text(by_name[c]) for c in C.RAW_COLUMNS],
            F.lit(len(C.RAW_COLUMNS)).alias(FIELDS),
            file_name().alias(C.SOURCE_FILE),
        )
        out = frame if out is None else out.unionByName(frame)
    return out
