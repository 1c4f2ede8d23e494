"""Ingest (METHOD 3): parse, validate in order, quarantine, drop duplicates, tokenise, map cells.

Landing CSV is read as text so a wrong field count is visible (Spark's CSV reader pads or drops
fields silently). Raw identifiers are replaced by tokens and shapes right after validation; only
tokens and shapes are cached, counted or written.
"""

from __future__ import annotations

import datetime as dt
import gzip
import logging
import re
import zlib
from pathlib import Path

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from footfall import columns as C
from footfall import io, tables
from footfall.config import Config
from footfall.errors import LandingFileError, UserError
from footfall.tokens import period_keys_frame, with_tokens

log = logging.getLogger(__name__)

LINE = "_line"
FIELDS = "fields"
REASON = C.REASON
INSTANT = "_instant"
LOCAL = "_local"
# a comma outside double quotes (an even number of quotes follows it)
QUOTED_SPLIT = ',(?=(?:[^"]*"[^"]*")*[^"]*$)'
ISO_WITH_OFFSET = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$"
ISO_FORMATS = (
    "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX",
    "yyyy-MM-dd'T'HH:mm:ssXXX",
    "yyyy-MM-dd'T'HH:mmXXX",
    "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXX",
    "yyyy-MM-dd'T'HH:mm:ssXX",
    "yyyy-MM-dd'T'HH:mmXX",
)
ID_LIKE = r"^\+?[0-9 ]{10,}$"


# ---------------------------------------------------------------- landing files


def landing_files(cfg: Config, landing_date: dt.date) -> list[Path]:
    """The landing day's files; UserError when the folder or its files are missing."""
    folder = cfg.path("landing") / "events" / f"date={landing_date.isoformat()}"
    pattern = "*.csv.gz" if cfg["ingest.input_format"] == "csv" else "*.parquet"
    if not folder.is_dir():
        raise UserError(f"landing folder not found: {folder} (check paths.landing and --date)")
    files = sorted(p for p in folder.glob(pattern) if p.is_file())
    files += sorted(p for p in folder.glob("*.csv") if p.is_file()) if pattern == "*.csv.gz" else []
    if not files:
        raise UserError(f"no {pattern} files in {folder}")
    return files


def read_header(path: Path) -> list[str]:
    """A file's header (its first line); LandingFileError when unreadable or not the contract."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as fh:
            first = fh.readline()
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise LandingFileError(f"unreadable landing file {path.name}: {type(exc).__name__}") from None
    names = [n.strip().strip('"') for n in first.strip().split(",")]
    if sorted(names) != sorted(C.RAW_COLUMNS):
        raise LandingFileError(
            f"landing file {path.name} has no valid header (expected the columns "
            f"{','.join(C.RAW_COLUMNS)} in any order)"
        )
    return names


def read_lines(spark: SparkSession, files: list[Path], header: list[str]) -> DataFrame:
    """Data lines of CSV files sharing one header, with the source file and the header dropped."""
    header_text = ",".join(header)
    return (
        spark.read.text([str(f) for f in files])
        .select(F.col("value").alias(LINE), F.input_file_name().alias(C.SOURCE_FILE))
        .where(F.trim(F.col(LINE)) != F.lit(""))
        .where(F.regexp_replace(F.col(LINE), r'[\s"]', "") != F.lit(header_text.replace(" ", "")))
    )


# ---------------------------------------------------------------- transforms


def split_fields(header: list[str]) -> callable:
    """Split each line into the header's columns (quote-aware), trimmed; `fields` = count or -1."""

    def _split(lines: DataFrame) -> DataFrame:
        quotes = F.length(LINE) - F.length(F.regexp_replace(LINE, '"', ""))
        parts = F.when(F.instr(LINE, '"') > 0, F.split(LINE, QUOTED_SPLIT, -1)).otherwise(
            F.split(LINE, ",", -1)
        )
        count = F.when(quotes % 2 == 1, F.lit(-1)).otherwise(F.size(parts))
        out = lines.withColumn("_parts", parts).withColumn(FIELDS, count)
        for i, name in enumerate(header):
            raw = F.trim(F.get(F.col("_parts"), i))
            inner = F.regexp_extract(raw, r'^"(.*)"$', 1)
            unquoted = F.when(raw.rlike(r'^".*"$'), F.regexp_replace(inner, '""', '"'))
            unquoted = unquoted.otherwise(raw)
            out = out.withColumn(name, F.trim(unquoted))
        return out.drop("_parts", LINE)

    return _split


def parse_instant(text: Column) -> Column:
    """UTC instant of an ISO-8601-with-offset or epoch-milliseconds string; null otherwise."""
    epoch = F.when(text.rlike(r"^\d{1,15}$"), F.timestamp_millis(text.try_cast("long")))
    iso = F.coalesce(*[F.try_to_timestamp(text, F.lit(fmt)) for fmt in ISO_FORMATS])
    return F.when(text.rlike(ISO_WITH_OFFSET), iso).otherwise(epoch)


def classify(landing_date: dt.date, zone: str, max_lateness: int, cells: DataFrame) -> callable:
    """Add instant, local date/hour, period, the cell version's area/region, and the reason."""
    first_ok = landing_date - dt.timedelta(days=max_lateness)

    def _classify(rows: DataFrame) -> DataFrame:
        instant = parse_instant(F.col(C.EVENT_TIME))
        rows = (
            rows.withColumn(INSTANT, F.when(F.col(FIELDS) == len(C.RAW_COLUMNS), instant))
            .withColumn(LOCAL, F.from_utc_timestamp(F.col(INSTANT), zone))
            .withColumn(C.EVENT_DATE, F.to_date(LOCAL))
            .withColumn(C.EVENT_HOUR, F.hour(LOCAL))
            .withColumn(C.PERIOD, F.date_format(C.EVENT_DATE, "yyyy-MM"))
        )
        versions = cells.select(
            F.col(C.CELL_ID).alias("_cell"),
            F.col(C.AREA_ID),
            F.col(C.REGION_ID),
            F.col(C.VALID_FROM).alias("_from"),
            F.coalesce(F.col(C.VALID_TO), F.lit(dt.date(9999, 12, 31))).alias("_to"),
        )
        joined = rows.join(
            F.broadcast(versions),
            (rows[C.CELL_ID] == versions["_cell"])
            & (rows[C.EVENT_DATE] >= versions["_from"])
            & (rows[C.EVENT_DATE] <= versions["_to"]),
            "left",
        ).drop("_cell", "_from", "_to")
        reason = (
            F.when(F.col(FIELDS) != len(C.RAW_COLUMNS), "malformed")
            .when(~F.coalesce(F.col(C.IMSI).rlike(r"^\d{15}$"), F.lit(False)), "bad_imsi")
            .when(F.col(INSTANT).isNull(), "bad_time")
            .when(
                (F.col(C.EVENT_DATE) > F.lit(landing_date)) | (F.col(C.EVENT_DATE) < F.lit(first_ok)),
                "out_of_window",
            )
            .when(~F.coalesce(F.col(C.EVENT_TYPE).isin(*C.EVENT_TYPES), F.lit(False)), "bad_event_type")
            .when(F.col(C.AREA_ID).isNull(), "unknown_cell")
        )
        return joined.withColumn(REASON, reason)

    return _classify


def shape(col: Column) -> Column:
    """A value's shape, never the value: empty, digits:N, plus_digits:N or chars:N."""
    return (
        F.when(col.isNull() | (col == ""), F.lit("empty"))
        .when(col.rlike(r"^\d+$"), F.concat(F.lit("digits:"), F.length(col)))
        .when(col.rlike(r"^\+\d+$"), F.concat(F.lit("plus_digits:"), F.length(col) - 1))
        .otherwise(F.concat(F.lit("chars:"), F.length(col)))
    )


def scrubbed(col: Column) -> Column:
    """Keep a non-identifier text field, but only the shape of anything that looks like one."""
    epoch_ms = col.rlike(r"^\d{13}$")
    return F.when(col.rlike(ID_LIKE) & ~epoch_ms, shape(col)).otherwise(col)


def anonymise(keys: DataFrame, landing_period: str) -> callable:
    """Tokenise valid IMSIs (event period, else the landing day's) and drop raw identifiers."""

    def _anonymise(rows: DataFrame) -> DataFrame:
        valid_imsi = F.coalesce(F.col(C.IMSI).rlike(r"^\d{15}$"), F.lit(False))
        rows = rows.withColumn(
            "_token_period", F.when(valid_imsi, F.coalesce(F.col(C.PERIOD), F.lit(landing_period)))
        )
        rows = with_tokens(rows, keys, C.IMSI, "_token_period", C.TOKEN)
        return (
            rows.withColumn(C.MCC, F.when(valid_imsi, F.substring(C.IMSI, 1, 3)))
            .withColumn("imsi_shape", shape(F.col(C.IMSI)))
            .withColumn("msisdn_shape", shape(F.col(C.MSISDN)))
            .withColumn("imei_shape", shape(F.col(C.IMEI)))
            .drop(C.IMSI, C.MSISDN, C.IMEI, "_token_period")
        )

    return _anonymise


def valid_events(classified: DataFrame, landing_date: dt.date) -> DataFrame:
    """Valid rows, one per (token, instant, cell, type): METHOD 3 duplicates dropped."""
    return (
        classified.where(F.col(REASON).isNull())
        .dropDuplicates([C.TOKEN, INSTANT, C.CELL_ID, C.EVENT_TYPE])
        .withColumn(C.EVENT_TIME, F.col(INSTANT))
        .withColumn(C.LANDING_DATE, F.lit(landing_date))
    )


def quarantined(classified: DataFrame, landing_date: dt.date) -> DataFrame:
    """Quarantine rows: reason, token where known, shapes, scrubbed text fields, source file."""
    malformed = F.col(REASON) == "malformed"
    return (
        classified.where(F.col(REASON).isNotNull())
        .withColumn(C.LANDING_DATE, F.lit(landing_date))
        .withColumn(C.TOKEN, F.when(~malformed, F.col(C.TOKEN)))
        .withColumn(C.EVENT_TIME, F.when(~malformed, scrubbed(F.col(C.EVENT_TIME))))
        .withColumn(C.CELL_ID, F.when(~malformed, scrubbed(F.col(C.CELL_ID))))
        .withColumn(C.EVENT_TYPE, F.when(~malformed, scrubbed(F.col(C.EVENT_TYPE))))
        .withColumn("imsi_shape", F.when(~malformed, F.col("imsi_shape")))
        .withColumn("msisdn_shape", F.when(~malformed, F.col("msisdn_shape")))
        .withColumn("imei_shape", F.when(~malformed, F.col("imei_shape")))
    )


# ---------------------------------------------------------------- the job


def _periods(landing_date: dt.date, max_lateness: int) -> list[str]:
    days = [landing_date - dt.timedelta(days=i) for i in range(max_lateness + 1)]
    return sorted({d.strftime("%Y-%m") for d in days})


def _raw_rows(spark: SparkSession, cfg: Config, files: list[Path]) -> DataFrame:
    """All landing rows as the six raw columns plus `fields` and the source file."""
    if cfg["ingest.input_format"] == "parquet":
        df = spark.read.parquet(*[str(f) for f in files]).withColumn(C.SOURCE_FILE, F.input_file_name())
        return df.select(
            *[F.trim(F.col(c).cast("string")).alias(c) for c in C.RAW_COLUMNS],
            F.lit(len(C.RAW_COLUMNS)).alias(FIELDS),
            C.SOURCE_FILE,
        )
    by_header: dict[tuple[str, ...], list[Path]] = {}
    for f in files:
        by_header.setdefault(tuple(read_header(f)), []).append(f)
    frames = [
        read_lines(spark, group, list(header)).transform(split_fields(list(header)))
        for header, group in by_header.items()
    ]
    out = frames[0].select(*C.RAW_COLUMNS, FIELDS, C.SOURCE_FILE)
    for frame in frames[1:]:
        out = out.unionByName(frame.select(*C.RAW_COLUMNS, FIELDS, C.SOURCE_FILE))
    return out


def _failed_file(message: str, files: list[Path]) -> str | None:
    for f in files:
        if f.name in message:
            return f.name
    return None


def _log_row(spark: SparkSession, landing_date: dt.date, **values) -> DataFrame:
    row = {c: None for c in tables.INGEST_LOG.columns}
    row.update(
        {C.LANDING_DATE: landing_date, "ingested_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)}
    )
    row.update(values)
    return spark.createDataFrame([row], tables.INGEST_LOG.schema)


def _fail(spark: SparkSession, cfg: Config, landing_date: dt.date, files: list[Path], bad: str, why: str):
    io.replace_where(
        _log_row(
            spark,
            landing_date,
            status="failed",
            files=[f.name for f in files],
            failed_files=[bad],
            message=why,
        ),
        cfg,
        tables.INGEST_LOG,
        f"{C.LANDING_DATE} = '{landing_date}'",
    )
    raise LandingFileError(why)


def run_ingest(spark: SparkSession, cfg: Config, landing_date: dt.date, master_key: bytes) -> dict:
    """Ingest one landing day into events, quarantine and ingest_log (replacing that day)."""
    files = landing_files(cfg, landing_date)
    log.info("ingest %s: %d files", landing_date, len(files))
    spark.conf.set("spark.sql.files.ignoreCorruptFiles", "false")
    spark.conf.set("spark.sql.files.maxPartitionBytes", cfg["ingest.max_partition_bytes"])
    try:
        raw = _raw_rows(spark, cfg, files)
    except LandingFileError as exc:
        bad = _failed_file(str(exc), files) or "?"
        _fail(spark, cfg, landing_date, files, bad, str(exc))
    max_late = cfg["ingest.max_lateness_days"]
    cells = io.read_cells(spark, cfg)
    keys = period_keys_frame(spark, master_key, _periods(landing_date, max_late))
    classified = (
        raw.transform(classify(landing_date, cfg.zone, max_late, cells))
        .transform(anonymise(keys, landing_date.strftime("%Y-%m")))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    try:
        try:
            counts = {
                (r[REASON] or "valid"): r["n"]
                for r in classified.groupBy(REASON).agg(F.count("*").alias("n")).collect()
            }
        except Exception as exc:  # a truncated gzip surfaces here, while Spark reads it
            bad = _failed_file(str(exc), files)
            if bad is None:
                raise
            _fail(spark, cfg, landing_date, files, bad, f"truncated or unreadable landing file {bad}")
        events = valid_events(classified, landing_date)
        window = (
            # (Delta 4.4 fails on BETWEEN in replaceWhere: spelled as two comparisons)
            f"{C.LANDING_DATE} = '{landing_date}' AND {C.EVENT_DATE} >= "
            f"'{landing_date - dt.timedelta(days=max_late)}' AND {C.EVENT_DATE} <= '{landing_date}'"
        )
        # one task per (event_date, region_id) target partition keeps file counts low; AQE
        # splits skewed (big-region) partitions by size.
        events = events.repartition(C.EVENT_DATE, C.REGION_ID)
        io.replace_where(events, cfg, tables.EVENTS, window)
        rows_valid = (
            io.read_table(spark, cfg, tables.EVENTS)
            .where(F.col(C.EVENT_DATE).between(landing_date - dt.timedelta(days=max_late), landing_date))
            .where(F.col(C.LANDING_DATE) == F.lit(landing_date))
            .count()
        )
        io.replace_where(
            quarantined(classified, landing_date).withColumn(FIELDS, F.col(FIELDS)),
            cfg,
            tables.QUARANTINE,
            f"{C.LANDING_DATE} = '{landing_date}'",
        )
    finally:
        classified.unpersist()
    per_reason = {r: int(counts.get(r, 0)) for r in C.QUARANTINE_REASONS}
    rows_read = int(sum(counts.values()))
    rows_quarantined = sum(per_reason.values())
    summary = {
        "landing_date": str(landing_date),
        "rows_read": rows_read,
        "rows_valid": rows_valid,
        "rows_quarantined": rows_quarantined,
        "rows_duplicate": int(counts.get("valid", 0)) - rows_valid,
        **{f"q_{r}": n for r, n in per_reason.items()},
    }
    io.replace_where(
        _log_row(
            spark,
            landing_date,
            status="ok",
            files=[f.name for f in files],
            failed_files=[],
            **{k: v for k, v in summary.items() if k != "landing_date"},
        ),
        cfg,
        tables.INGEST_LOG,
        f"{C.LANDING_DATE} = '{landing_date}'",
    )
    log.info(
        "ingest %s: read %d, valid %d, quarantined %d, duplicate %d",
        landing_date,
        rows_read,
        rows_valid,
        rows_quarantined,
        summary["rows_duplicate"],
    )
    summary["files"] = len(files)
    return summary
