"""Delta table contracts (METHOD 3.2, 4, 8): name, schema and partition columns, declared once."""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import types as T

from footfall.core import columns as C


@dataclass(frozen=True)
class Table:
    name: str
    schema: T.StructType
    partition_by: tuple[str, ...]
    keys: tuple[str, ...]
    # the columns Delta keeps min/max statistics of for data skipping (set when a write creates
    # the table); () keeps Delta's default, the first 32 columns
    stats_columns: tuple[str, ...] = ()
    # whether the data files repeat the partition columns (Delta 4.4 writes them by default,
    # `delta.writePartitionColumnsToParquet`); Delta readers take them from the log either way
    partitions_in_files: bool = True

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.schema.fields]


def _s(*fields: tuple[str, T.DataType, bool]) -> T.StructType:
    return T.StructType([T.StructField(n, t, nullable) for n, t, nullable in fields])


STR, INT, LONG, DBL, DATE, TS, BOOL, BIN = (
    T.StringType(),
    T.IntegerType(),
    T.LongType(),
    T.DoubleType(),
    T.DateType(),
    T.TimestampType(),
    T.BooleanType(),
    T.BinaryType(),
)
# the subscriber token as its 16 bytes (METHOD 3.1): half the bytes of its hex text form in the
# widest column of events; privacy.tokens.token_text gives the text form
TOKEN_TYPE = BIN

EVENTS = Table(
    "events",
    _s(
        (C.TOKEN, TOKEN_TYPE, False),
        (C.EVENT_TIME, TS, False),
        (C.EVENT_DATE, DATE, False),
        (C.EVENT_HOUR, INT, False),
        (C.CELL_ID, STR, False),
        (C.AREA_ID, STR, False),
        (C.REGION_ID, STR, False),
        (C.MCC, STR, False),
        (C.EVENT_TYPE, STR, False),
        (C.PERIOD, STR, False),
        (C.LANDING_DATE, DATE, False),
    ),
    (C.EVENT_DATE, C.REGION_ID),
    (C.TOKEN, C.EVENT_TIME, C.CELL_ID, C.EVENT_TYPE),
    # events are read by partition (event_date) and replaced by landing_date: statistics of the
    # other nine columns skip no file and cost the writer 12% of its CPU (10M bench)
    (C.LANDING_DATE,),
    # every row's event_date and region_id are their file's folder: not encoded again per row
    partitions_in_files=False,
)

QUARANTINE = Table(
    "quarantine",
    _s(
        (C.LANDING_DATE, DATE, False),
        (C.REASON, STR, False),
        (C.TOKEN, TOKEN_TYPE, True),  # token where the IMSI is valid and the period known
        ("imsi_shape", STR, True),  # e.g. digits:14, never the value
        ("msisdn_shape", STR, True),
        ("imei_shape", STR, True),
        (C.EVENT_TIME, STR, True),  # raw text unless it looks like an identifier
        (C.CELL_ID, STR, True),
        (C.EVENT_TYPE, STR, True),
        ("fields", INT, True),  # number of fields the line split into
        (C.SOURCE_FILE, STR, False),
    ),
    (C.LANDING_DATE,),
    (),
)

INGEST_LOG = Table(
    "ingest_log",
    _s(
        (C.LANDING_DATE, DATE, False),
        ("status", STR, False),  # ok | failed
        ("rows_read", LONG, True),
        ("rows_valid", LONG, True),
        ("rows_quarantined", LONG, True),
        ("rows_duplicate", LONG, True),
        *[(f"q_{r}", LONG, True) for r in C.QUARANTINE_REASONS],
        ("files", T.ArrayType(STR), False),
        ("failed_files", T.ArrayType(STR), False),
        ("message", STR, True),
        ("ingested_at", TS, False),
    ),
    (),
    (C.LANDING_DATE,),
)

ORIGINS = Table(
    "origins",
    _s(
        (C.TOKEN, TOKEN_TYPE, False),
        (C.PERIOD, STR, False),
        (C.HOME_AREA_ID, STR, True),
        (C.HOME_DISTRICT_ID, STR, True),
        (C.HOME_REGION_ID, STR, True),
        (C.NIGHTS_OBSERVED, INT, False),
        (C.NIGHTS_AT_HOME, INT, False),
    ),
    (C.PERIOD,),
    (C.TOKEN, C.PERIOD),
)

AUDIT_HOURLY = Table(
    "audit_origin_presence_hourly",
    _s(
        (C.DATE, DATE, False),
        (C.HOUR, INT, False),
        (C.AREA_ID, STR, False),
        (C.ORIGIN_LEVEL, STR, False),
        (C.ORIGIN_ID, STR, False),
        (C.SUBSCRIBERS, LONG, False),
        (C.EXTRAPOLATED, DBL, False),
    ),
    (C.DATE,),
    (C.DATE, C.HOUR, C.AREA_ID, C.ORIGIN_ID),
)

AUDIT_DAILY = Table(
    "audit_origin_presence_daily",
    _s(
        (C.DATE, DATE, False),
        (C.AREA_ID, STR, False),
        (C.ORIGIN_LEVEL, STR, False),
        (C.ORIGIN_ID, STR, False),
        (C.SUBSCRIBERS, LONG, False),
        (C.EXTRAPOLATED, DBL, False),
    ),
    (C.DATE,),
    (C.DATE, C.AREA_ID, C.ORIGIN_ID),
)

# work areas per period (METHOD 5.3), beside the homes of `origins` (a sibling table, so the
# origins contract of METHOD 4 stays as it is): one row per token with weekday daytime presence
WORK_AREAS = Table(
    "work_areas",
    _s(
        (C.TOKEN, TOKEN_TYPE, False),
        (C.PERIOD, STR, False),
        (C.WORK_AREA_ID, STR, True),  # null: no work area (too few days, or it is the home)
        (C.WORK_DAYS, INT, False),  # distinct weekdays present there in hours 9..16
    ),
    (C.PERIOD,),
    (C.TOKEN, C.PERIOD),
)


def _breakdown_tables(name: str, part: str) -> tuple[Table, Table, Table]:
    """Audit, candidate and release tables of a daily breakdown of METHOD 5.3 (`part` is the
    dwell band or the visitor class, plus `all` and `other` rows)."""
    keys = (C.DATE, C.AREA_ID, part)
    head = ((C.DATE, DATE, False), (C.AREA_ID, STR, False), (part, STR, False))
    audit = Table(
        f"audit_{name}",
        _s(*head, (C.SUBSCRIBERS, LONG, False), (C.EXTRAPOLATED, DBL, False)),
        (C.DATE,),
        keys,
    )
    candidate = Table(f"candidate_{name}", _s(*head, (C.VISITORS, LONG, False)), (C.DATE,), keys)
    released = Table(
        name,
        _s(*head, (C.VISITORS, LONG, False), (C.RELEASE_ID, STR, False)),
        (C.DATE,),
        keys,
    )
    return audit, candidate, released


AUDIT_DWELL, CANDIDATE_DWELL, RELEASED_DWELL = _breakdown_tables("dwell_daily", C.DWELL_BAND)
AUDIT_CLASS, CANDIDATE_CLASS, RELEASED_CLASS = _breakdown_tables(
    "visitor_class_daily", C.VISITOR_CLASS
)

_RELEASE_HOURLY_FIELDS = (
    (C.DATE, DATE, False),
    (C.HOUR, INT, False),
    (C.AREA_ID, STR, False),
    (C.ORIGIN_LEVEL, STR, False),
    (C.ORIGIN_ID, STR, False),
    (C.VISITORS, LONG, False),
)
_RELEASE_DAILY_FIELDS = (
    (C.DATE, DATE, False),
    (C.AREA_ID, STR, False),
    (C.ORIGIN_LEVEL, STR, False),
    (C.ORIGIN_ID, STR, False),
    (C.VISITORS, LONG, False),
)

# Candidates: disclosure-controlled rows waiting for the quality gate (not yet released).
CANDIDATE_HOURLY = Table(
    "candidate_origin_presence_hourly",
    _s(*_RELEASE_HOURLY_FIELDS),
    (C.DATE,),
    (C.DATE, C.HOUR, C.AREA_ID, C.ORIGIN_ID),
)
CANDIDATE_DAILY = Table(
    "candidate_origin_presence_daily",
    _s(*_RELEASE_DAILY_FIELDS),
    (C.DATE,),
    (C.DATE, C.AREA_ID, C.ORIGIN_ID),
)

RELEASED_HOURLY = Table(
    "origin_presence_hourly",
    _s(*_RELEASE_HOURLY_FIELDS, (C.RELEASE_ID, STR, False)),
    (C.DATE,),
    (C.DATE, C.HOUR, C.AREA_ID, C.ORIGIN_ID),
)
RELEASED_DAILY = Table(
    "origin_presence_daily",
    _s(*_RELEASE_DAILY_FIELDS, (C.RELEASE_ID, STR, False)),
    (C.DATE,),
    (C.DATE, C.AREA_ID, C.ORIGIN_ID),
)

RELEASES = Table(
    "releases",
    _s(
        (C.RELEASE_ID, STR, False),
        (C.DATE, DATE, False),
        ("tables", STR, False),  # JSON {table: delta version}
        ("suite_results", STR, False),  # JSON, one entry per check
        ("passed", BOOL, False),
        ("report_path", STR, True),
        ("config_hash", STR, False),
        ("code_version", STR, False),
        ("created_at", TS, False),
    ),
    (),
    (C.RELEASE_ID,),
)

# ---- differential privacy mode (METHOD 7.1)

# residents per region (and `unknown`: domestic, no known home) noised once per period with
# dp.epsilon_weights; the DP extrapolation weights of the period come from these rows only
DP_RESIDENTS = Table(
    "dp_residents",
    _s(
        (C.PERIOD, STR, False),
        (C.REGION_ID, STR, False),  # a region of areas.csv, or `unknown`
        ("residents", LONG, False),  # noised count
    ),
    (C.PERIOD,),
    (C.PERIOD, C.REGION_ID),
)

# one row per published DP release (a date): what it spent and the period's running total
PRIVACY_LEDGER = Table(
    "privacy_ledger",
    _s(
        (C.RELEASE_ID, STR, False),
        (C.DATE, DATE, False),
        (C.PERIOD, STR, False),
        ("mechanism", STR, False),  # gaussian | laplace
        ("measure", STR, False),  # rho (zCDP) | epsilon (pure DP): the unit of every budget
        ("max_hour_cells", INT, False),
        ("max_day_areas", INT, False),
        ("budget_hourly", DBL, False),  # spent by the hourly table, per subscriber-day
        ("budget_daily", DBL, False),
        ("budget_weights", DBL, False),  # the period's noised residents, charged once
        ("budget_release", DBL, False),  # the three above
        ("noise_hourly", DBL, False),  # sigma (gaussian) or scale b (laplace)
        ("noise_daily", DBL, False),
        ("period_budget", DBL, False),  # cumulative in the period, this release included
        ("period_max", DBL, False),  # dp.max_rho_per_period or dp.max_epsilon_per_period
        ("epsilon", DBL, False),  # period_budget as (epsilon, delta)-DP
        ("delta", DBL, False),
        ("created_at", TS, False),
    ),
    (),
    (C.RELEASE_ID,),
)

# every Delta table contract above, by name (derived: a new contract cannot be left out)
ALL = {t.name: t for t in list(globals().values()) if isinstance(t, Table)}
