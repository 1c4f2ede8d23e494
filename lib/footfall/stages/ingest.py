"""Ingest transforms (METHOD 3, 3.1): validate in order, quarantine, tokenise, drop duplicates,
map cell versions.

Every landing row ends in exactly one of: valid event, quarantined row, dropped duplicate. Raw
identifiers are replaced by tokens and shapes right after validation: only tokens, shapes and
scrubbed text are cached, counted or written. Pure DataFrame transforms: reading the landing
files and writing the three tables of METHOD 3.2 is `footfall.stages.ingest_job`.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from footfall.core import columns as C
from footfall.core.tables import EVENTS
from footfall.privacy.identifiers import scrubbed, shape
from footfall.privacy.tokens import with_tokens
from footfall.runtime.session import has_function
from footfall.stages.cells import AREA_CODE, REGION_CODE, CellSlots, of_version
from footfall.stages.landing import FIELDS, Transform
from footfall.stages.local_clock import local_date_hour, month_number, month_text, utc_offsets

INSTANT = "_instant"
SALT = "_salt"
MALFORMED, BAD_IMSI, BAD_TIME, OUT_OF_WINDOW, BAD_EVENT_TYPE, UNKNOWN_CELL = C.QUARANTINE_REASONS
IMSI_SHAPE, MSISDN_SHAPE, IMEI_SHAPE = "imsi_shape", "msisdn_shape", "imei_shape"
QUARANTINE_ONLY = "_quarantine"
QUARANTINE_FIELDS = (C.EVENT_TIME, FIELDS, C.SOURCE_FILE, IMSI_SHAPE, MSISDN_SHAPE, IMEI_SHAPE)
IMSI_DIGITS = 15
# exactly 15 digits: `\z`, the end of the text (`$` also matches before a final line terminator,
# so a field of 15 digits and U+2028 passed until the nineteenth pass)
IMSI_RE = rf"^[0-9]{{{IMSI_DIGITS}}}\z"
NATIVE_DIGITS = "footfall_digits"  # registered by footfall's Spark extension (jvm/)
EPOCH_MS_RE = r"^[0-9]{1,15}$"  # epoch milliseconds; 15 digits reach far beyond any real date
ISO_WITH_OFFSET = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})$"
)
ISO_FORMATS = tuple(
    f"yyyy-MM-dd'T'{t}{z}"
    for z in ("XXX", "XX")  # XXX: Z or +01:00; XX: Z or +0100
    for t in ("HH:mm:ss.SSSSSSSSS", "HH:mm:ss", "HH:mm")
)
NATIVE_INSTANT = "footfall_parse_instant"  # registered by footfall's Spark extension (jvm/)
EVENT_COLUMNS = EVENTS.columns


def parse_instant(text: Column, native: bool = False) -> Column:
    """UTC instant of ISO-8601 with an offset, or of epoch milliseconds; null otherwise.
    native: footfall_parse_instant (jvm/footfall/spark/ParseInstant.java), the same instants
    from one pass over the bytes (tested on every shape against this expression)."""
    if native:
        return F.call_function(NATIVE_INSTANT, text)
    # Spark's own ISO-8601 cast reads the common shapes (Z, +01:00, +0100, fractions) several
    # times faster than a pattern; the patterns, tried in order, only when it fails (e.g. HH:mm)
    iso = F.coalesce(
        text.try_cast("timestamp"), *[F.try_to_timestamp(text, F.lit(fmt)) for fmt in ISO_FORMATS]
    )
    epoch = F.timestamp_millis(text.try_cast("long"))
    return F.when(text.rlike(ISO_WITH_OFFSET), iso).when(text.rlike(EPOCH_MS_RE), epoch)


def is_imsi(text: Column, native: bool = False) -> Column:
    """Whether text is exactly 15 ASCII digits (METHOD 3's `bad_imsi` when not); null for null.
    native: footfall_digits (jvm/footfall/spark/Digits.java), the same test from one pass over
    the bytes, without a regex matcher per row (tested against IMSI_RE)."""
    if native:
        return F.call_function(NATIVE_DIGITS, text, F.lit(IMSI_DIGITS))
    return text.rlike(IMSI_RE)


def with_local_time(zone: str, first: dt.date, last: dt.date) -> Transform:
    """Add the instant (well-formed rows) and the local event_date.
    first..last: the local dates an event can have and be valid (the landing window). The hour
    and the period are added to the valid events after their dedup (`valid_events`): the kept
    rows, the shuffle and the dedup's keys are narrower without them."""
    offsets = utc_offsets(zone, first, last)

    def _local(rows: DataFrame) -> DataFrame:
        well_formed = F.col(FIELDS) == len(C.RAW_COLUMNS)
        native = has_function(rows.sparkSession, NATIVE_INSTANT)
        instant = parse_instant(F.col(C.EVENT_TIME), native)
        # the local wall clock's date (METHOD 2), as from_utc_timestamp gives it, by the zone's
        # offsets found once (its rules per row were ~5% of ingest's CPU in a 10M profile)
        date, _ = local_date_hour(F.col(INSTANT), zone, offsets)
        return rows.withColumn(INSTANT, F.when(well_formed, instant)).withColumn(C.EVENT_DATE, date)

    return _local


def classify(max_lateness: int, cells: CellSlots) -> Transform:
    """Join the cell version valid on the local date (its area's and region's codes, AREA_CODE
    and REGION_CODE: `CellSlots`); add the first quarantine reason (METHOD 3). Each row's
    landing day is its LANDING_DATE column (a run may read several landing days)."""

    def _classify(rows: DataFrame) -> DataFrame:
        imsi_ok = is_imsi(F.col(C.IMSI), has_function(rows.sparkSession, NATIVE_DIGITS))
        by_cell = F.broadcast(cells.rows)
        joined = rows.join(by_cell, rows[C.CELL_ID] == by_cell["_cell"], "left")
        joined = joined.select(
            *[rows[c] for c in rows.columns],
            *[
                of_version(F.col(C.EVENT_DATE), cells.slots, name).alias(name)
                for name in (AREA_CODE, REGION_CODE)
            ],
        )
        date, landing_date = F.col(C.EVENT_DATE), F.col(C.LANDING_DATE)
        reason = (
            F.when(F.col(FIELDS) != len(C.RAW_COLUMNS), MALFORMED)
            .when(~F.coalesce(imsi_ok, F.lit(False)), BAD_IMSI)
            .when(F.col(INSTANT).isNull(), BAD_TIME)
            .when(
                (date > landing_date) | (date < F.date_sub(landing_date, max_lateness)),
                OUT_OF_WINDOW,
            )
            .when(
                ~F.coalesce(F.col(C.EVENT_TYPE).isin(*C.EVENT_TYPES), F.lit(False)), BAD_EVENT_TYPE
            )
            .when(F.col(AREA_CODE).isNull(), UNKNOWN_CELL)
        )
        return joined.withColumn(C.REASON, reason)

    return _classify


def anonymise(keys: DataFrame, max_lateness: int, first: dt.date, last: dt.date) -> Transform:
    """Tokenise valid IMSIs, keep shapes, scrub quarantined text fields, drop raw identifiers.
    keys must hold the periods of every row's landing window (`window_periods`); first..last:
    the landing window's dates (the months compared without a calendar per row)."""

    def _anonymise(rows: DataFrame) -> DataFrame:
        reason = F.col(C.REASON)
        quarantined = reason.isNotNull() & (reason != MALFORMED)
        # classify tests the IMSI right after the field count: a row that is neither malformed
        # nor bad_imsi has passed `is_imsi` (no second test per row)
        valid_imsi = reason.isNull() | ~reason.isin(MALFORMED, BAD_IMSI)
        # the event's period when it has one with a key (its landing window), else the landing
        # day's: a quarantined row with a valid IMSI always keeps a token
        # (the window's periods run from its first day's to the landing day's: compared as
        # year * 12 + month, from the day number: no formatting or calendar per row)
        landing_date = F.col(C.LANDING_DATE)
        event_month = month_number(F.col(C.EVENT_DATE), first, last)
        in_window = event_month.between(
            month_number(F.date_sub(landing_date, max_lateness), first, last),
            month_number(landing_date, first, last),
        )
        token_period = F.when(in_window, month_text(F.col(C.EVENT_DATE), first, last)).otherwise(
            month_text(landing_date, first, last)
        )
        rows = rows.withColumn("_token_period", F.when(valid_imsi, token_period))
        rows = with_tokens(rows, keys, C.IMSI, "_token_period", C.TOKEN)
        for name in (C.CELL_ID, C.EVENT_TYPE):  # valid rows keep them: checked against the lists
            rows = rows.withColumn(
                name, F.when(quarantined, scrubbed(F.col(name))).when(reason.isNull(), F.col(name))
            )
        return (
            rows.withColumn(C.EVENT_TIME, F.when(quarantined, scrubbed(F.col(C.EVENT_TIME), True)))
            # only the quarantine keeps the source file: valid rows cache no file name
            .withColumn(C.SOURCE_FILE, F.when(reason.isNotNull(), F.col(C.SOURCE_FILE)))
            # a short (`valid_events`): only valid events keep the mcc
            .withColumn(C.MCC, F.when(valid_imsi, F.substring(C.IMSI, 1, 3).cast("short")))
            .withColumn(IMSI_SHAPE, F.when(quarantined, shape(F.col(C.IMSI))))
            .withColumn(MSISDN_SHAPE, F.when(quarantined, shape(F.col(C.MSISDN))))
            .withColumn(IMEI_SHAPE, F.when(quarantined, shape(F.col(C.IMEI))))
            .drop(C.IMSI, C.MSISDN, C.IMEI, "_token_period")
            # the quarantine's own columns in one struct, null in a valid row: the kept rows
            # (ingest's checkpoint, every row serialised once and read twice) are 40 bytes
            # narrower per valid row than with six null columns
            .withColumn(QUARANTINE_ONLY, F.when(reason.isNotNull(), F.struct(*QUARANTINE_FIELDS)))
            .drop(*QUARANTINE_FIELDS)
        )

    return _anonymise


def salt_buckets(shuffle_partitions: int, landing_days: int, regions: int) -> int:
    """How many tasks share a landing day's own (event_date, region_id) partition in the events
    write: enough for the landing days' regions to fill the shuffle partitions."""
    return max(1, -(-shuffle_partitions // max(1, landing_days * regions)))


def valid_events(
    buckets: int, zone: str, first: dt.date, last: dt.date, names: DataFrame
) -> Transform:
    """Valid rows, one per (landing day, token, instant, cell, type): each landing day's
    duplicates dropped (METHOD 3) in the one shuffle that clusters the files (METHOD 3.2).
    zone, first..last: as `with_local_time`'s, for the local hour and the period; names: the
    area and region of each area code (`CellSlots.names`)."""
    offsets = utc_offsets(zone, first, last)
    derived = (C.EVENT_HOUR, C.PERIOD)
    named, codes = (C.AREA_ID, C.REGION_ID), (AREA_CODE, REGION_CODE)

    def _valid(classified: DataFrame) -> DataFrame:
        rows = (
            classified.where(F.col(C.REASON).isNull())
            .withColumn(C.EVENT_TIME, F.col(INSTANT))
            .select(*[c for c in EVENT_COLUMNS if c not in (*derived, *named)], *codes)
        )
        # a salt from the token spreads a landing day's own date of a big region over `buckets`
        # tasks (late dates are small: one task, one file); copies of an event share every
        # column, the salt included, so they meet in one task
        # computed even for one bucket: a literal salt is folded out of the distinct's keys but
        # not out of the repartition (a second exchange; tested), and dropping the salt made
        # the 100M bench's writer sort again
        own_day = F.col(C.EVENT_DATE) == F.col(C.LANDING_DATE)
        salt = F.when(own_day, F.pmod(F.xxhash64(C.TOKEN), F.lit(buckets))).otherwise(F.lit(0))
        # the token is 1:1 with the IMSI within a period, and every other column follows from
        # (landing day, token, instant, cell, type): a distinct on all columns is METHOD 3's
        # dedup, and it is clustered by the repartition's columns, so no second exchange.
        # The hour (METHOD 2: the fall-back day's repeated hour in one bin, the skipped hour in
        # none) and the period follow from the instant and the date: added after the dedup,
        # they are neither kept, shuffled nor hashed (24 bytes of a ~200-byte valid row)
        _, hour = local_date_hour(F.col(C.EVENT_TIME), zone, offsets)
        # numbers, not text, through the shuffle and the dedup's keys (1:1 both ways: the dedup
        # drops the same rows): the event type (one of METHOD's seven: `classify` quarantines
        # the rest) as a byte, the mcc (`anonymise`) as a short, the area and region as their
        # `CellSlots` codes; each 8 bytes or more narrower than text in Spark's rows. Text again
        # after the dedup; an area lies in one region, so its code gives both (an int-keyed
        # broadcast lookup). 100M pairs, ingest executor s: 506.8 -> 501.3 (type, mcc), 512.1
        # -> 504.8 (codes, in the kept rows too) (bench/README.md, twenty-fifth pass)
        types = F.array(*[F.lit(t) for t in C.EVENT_TYPES])
        return (
            rows.withColumn(SALT, salt)
            .withColumn(C.EVENT_TYPE, F.array_position(types, F.col(C.EVENT_TYPE)).cast("byte"))
            .withColumn(C.MCC, F.col(C.MCC).cast("short"))
            .repartition(C.EVENT_DATE, REGION_CODE, SALT)
            .distinct()
            .withColumn(C.EVENT_TYPE, F.element_at(types, F.col(C.EVENT_TYPE).cast("int")))
            .withColumn(C.MCC, F.lpad(F.col(C.MCC).cast("string"), 3, "0"))
            .withColumn(C.EVENT_HOUR, hour)
            .withColumn(C.PERIOD, month_text(F.col(C.EVENT_DATE), first, last))
            # inner: every valid row's code is one of `names` (`CellSlots`: both from one table)
            .join(F.broadcast(names), AREA_CODE)
            .select(*EVENT_COLUMNS)
        )

    return _valid


def quarantined(classified: DataFrame) -> DataFrame:
    """Quarantined rows with their reason (already scrubbed by anonymise)."""
    rows = classified.where(F.col(C.REASON).isNotNull())
    return rows.select("*", f"{QUARANTINE_ONLY}.*").drop(QUARANTINE_ONLY)
