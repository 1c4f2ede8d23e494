"""Ingest (METHOD 3) on small hand-made landing files: one shared lake with two landing days.

Landing day S = 2026-03-29 (spring forward, window 03-26..03-29) and F = 2026-10-25 (fall back)
are ingested once per module; each test checks one rule on the resulting tables.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
from chispa import assert_df_equality
from conftest import ROOT, TEST_KEY, kept_rdds, plan_nodes, text_schema
from footfall.core import columns as C
from footfall.core import inputs, lake, tables
from footfall.core.config import load_config
from footfall.core.errors import LandingFileError, UserError
from footfall.privacy.tokens import python_token, token_text
from footfall.stages import landing
from footfall.stages.ingest_job import run_ingest, run_ingest_days
from pyspark.sql import functions as F
from pyspark.sql import types as T

HEADER = inputs.LANDING_HEADER
S = dt.date(2026, 3, 29)
FB = dt.date(2026, 10, 25)
IMSI_A = "234150000000001"
IMSI_B = "234150000000002"
IMSI_C = "234150000000003"
ROAMER = "208010000000009"
MSISDN, IMEI = "+447700900001", "35000000000001"
C1, C2, C7, C9 = "234-10-1-1", "234-10-1-2", "234-10-1-7", "234-10-1-9"
X9 = "999-99-9-9"  # a cell in no version

AREAS = (
    inputs.csv_header(inputs.AREAS_SCHEMA)
    + """
A1,One,D1,R1,1000
A2,Two,D1,R1,2000
A3,Three,D2,R2,500
"""
)
# 234-10-1-9 is re-planned from A1 to A2 on 2026-03-28; 234-10-1-7 is new on 2026-10-01.
CELLS = (
    inputs.csv_header(inputs.CELLS_SCHEMA)
    + """
234-10-1-1,A1,51.5,-0.1,2026-01-01,
234-10-1-2,A3,52.0,-1.0,2026-01-01,
234-10-1-9,A1,51.5,-0.1,2026-01-01,2026-03-27
234-10-1-9,A2,51.6,-0.2,2026-03-28,
234-10-1-7,A1,51.5,-0.1,2026-10-01,
"""
)


def row(
    imsi=IMSI_A,
    time="2026-03-29T10:00:00+01:00",
    cell="234-10-1-1",
    etype="data",
    msisdn=MSISDN,
    imei=IMEI,
):
    return f"{imsi},{msisdn},{imei},{time},{cell},{etype}"


def epoch_ms(iso: str) -> str:
    return str(int(dt.datetime.fromisoformat(iso).timestamp() * 1000))


# Landing day S, file a.csv.gz: 28 lines, labelled by what they must become.
LINES_S_A = [
    row(),  # valid: 09:00Z = 10:00 BST
    row(time=epoch_ms("2026-03-29T09:00:00+00:00")),  # duplicate: same instant as epoch ms
    row(time="2026-03-29T09:00:00Z"),  # duplicate: Z offset
    row(time="2026-03-29T10:00:00+0100", msisdn=""),  # duplicate: offset without colon
    row(etype="sms_in"),  # valid: same instant, other type
    row(imsi=IMSI_B, time="2026-03-29T00:30:00+00:00"),  # valid: 00:30 GMT, hour 0
    row(imsi=IMSI_B, time="2026-03-29T01:30:00+00:00"),  # valid: 02:30 BST, hour 2
    row(time="2026-03-26T12:00:00Z"),  # valid: 3 days late
    row(time="2026-03-25T12:00:00Z"),  # out_of_window: 4 days late
    row(imsi=IMSI_B, time="2026-02-20T12:00:00Z"),  # out_of_window, period without a key
    row(time="2026-03-30T00:30:00+01:00"),  # out_of_window: 23:30Z on 03-29 is 03-30 locally
    row(time="2026-03-27T12:00:00Z", cell="234-10-1-9"),  # valid: version 1, A1
    row(time="2026-03-28T12:00:00Z", cell="234-10-1-9"),  # valid: version 2, A2
    row(time="2026-03-29T12:00:00Z", cell="234-10-1-7"),  # unknown_cell: no version yet
    row(time="2026-03-29T12:00:00Z", cell="999-99-9-9"),  # unknown_cell
    row() + ",extra",  # malformed: 7 fields
    f"{IMSI_A},{MSISDN},{IMEI},2026-03-29T10:00:00Z,234-10-1-1",  # malformed: 5 fields
    f'{IMSI_A},"+44 7700,{IMEI},2026-03-29T10:00:00Z,234-10-1-1,data',  # malformed: odd quotes
    f'"{IMSI_B}","+44 7700 900002","",2026-03-29T11:00:00Z,"234-10-1-2","call_out"',  # valid
    row(imsi="23415000000001", time="garbage"),  # bad_imsi (before bad_time)
    row(imsi="23415000000000X"),  # bad_imsi
    row(time="2026-03-29T10:00:00"),  # bad_time: no offset
    row(time="tomorrow", etype="FAX"),  # bad_time (before bad_event_type)
    row(time="2026-03-20T12:00:00Z", etype="fax"),  # out_of_window (before bad_event_type)
    row(time="2026-03-29T12:00:00Z", cell="999-99-9-9", etype="SMS_IN"),  # bad_event_type first
    row(time=""),  # bad_time: missing
    row(imsi=ROAMER, time="2026-03-29T12:00:00Z", etype="call_in"),  # valid roamer
    row(imsi=ROAMER, time="2026-03-29T12:00:00Z", cell=IMSI_A),  # unknown_cell, IMSI as cell
    row(imsi=IMSI_B, time="2026-03-29T13:00:00.5Z", cell="234-10-1-2", etype="handover"),  # valid
]
# File b.csv.gz: another column order, CRLF, padded fields, a blank last line.
HEADER_B = "event_type,cell_id,event_time,imei,msisdn,imsi"
LINES_S_B = [
    " location_update , 234-10-1-1 , 2026-03-29T14:00:00+01:00 , 35693803564380 , 07700 900003 , "
    f"{IMSI_C} ",
    f"data,234-10-1-1,2026-03-29T09:00:00Z,{IMEI},{MSISDN},{IMSI_A}",  # duplicate across files
    "",
]
LINES_F = [
    row(time="2026-10-25T00:30:00Z", cell="234-10-1-7"),  # 01:30 BST: hour 1
    row(time="2026-10-25T01:30:00Z", cell="234-10-1-7", etype="sms_out"),  # 01:30 GMT: hour 1
    row(time="2026-10-24T23:30:00Z"),  # 00:30 BST on 10-25: hour 0
    row(imsi="", time="2026-10-25T10:00:00Z"),  # bad_imsi: empty
]
NEEDLES = [
    IMSI_A, IMSI_B, IMSI_C, ROAMER, "23415000000001", "23415000000000X", MSISDN, "447700900001",
    "+44 7700 900002", "07700 900003", IMEI, "35693803564380",
]  # fmt: skip


def config(root: Path, **overrides: object):
    """A validated Config with every path under root (as conftest's make_cfg, module-scoped)."""
    sets = [
        f"paths.{p}={root / p}" for p in ("landing", "reference", "lake", "reports", "ground_truth")
    ]
    sets += ["tokenisation.key_file=", "tokenisation.key_env=FOOTFALL_TEST_KEY"]
    sets += [f"{k.replace('__', '.')}={v}" for k, v in overrides.items()]
    return load_config(ROOT / "conf" / "local.yaml", sets)


def write_reference(cfg, cells: str = CELLS) -> None:
    ref = cfg.path("reference")
    ref.mkdir(parents=True, exist_ok=True)
    (ref / "areas.csv").write_text(AREAS)
    (ref / "cells.csv").write_text(cells)


def write_landing(cfg, day, lines, name="a.csv.gz", header=HEADER, newline="\n") -> Path:
    """A gzip CSV landing file with a header line and the given lines."""
    folder = cfg.path("landing") / "events" / f"date={day.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with gzip.open(path, "wb") as fh:
        fh.write((newline.join([header, *lines]) + newline).encode())
    return path


def read(spark, cfg, table):
    return lake.read_table(spark, cfg, table)


@pytest.fixture(scope="module")
def ingested(spark, tmp_path_factory):
    cfg = config(tmp_path_factory.mktemp("ingest"))
    write_reference(cfg)
    write_landing(cfg, S, LINES_S_A, "a.csv.gz")
    write_landing(cfg, S, LINES_S_B, "b.csv.gz", header=HEADER_B, newline="\r\n")
    write_landing(cfg, FB, LINES_F, "c.csv.gz")
    summaries = {S: run_ingest(spark, cfg, S, TEST_KEY), FB: run_ingest(spark, cfg, FB, TEST_KEY)}
    return cfg, summaries


def tok(period: str, imsi: str) -> str:
    return python_token(TEST_KEY, period, imsi)


EVENT_COLS = ["subscriber_token", "t", "event_date", "event_hour", "cell_id", "area_id",
              "region_id", "mcc", "event_type", "period", "landing_date"]  # fmt: skip


def events_of(spark, cfg, landing_date):
    ev = read(spark, cfg, tables.EVENTS).where(F.col("landing_date") == landing_date)
    ev = ev.withColumn("t", F.date_format("event_time", "yyyy-MM-dd HH:mm:ss.SSS"))  # UTC session
    return ev.withColumn(C.TOKEN, token_text(F.col(C.TOKEN))).select(*EVENT_COLS)


def expected_events(spark, rows):
    schema = T.StructType(
        [
            T.StructField(c, T.IntegerType() if c == "event_hour" else T.StringType())
            for c in EVENT_COLS
        ]
    )
    df = spark.createDataFrame(rows, schema)
    return df.withColumn("event_date", F.to_date("event_date")).withColumn(
        "landing_date", F.to_date("landing_date")
    )


def test_valid_events_have_local_date_hour_cell_version_and_token(spark, ingested):
    cfg, _ = ingested
    a, b, c, r = (tok("2026-03", i) for i in (IMSI_A, IMSI_B, IMSI_C, ROAMER))
    m, s = "2026-03", str(S)
    expected = [
        (a, "2026-03-29 09:00:00.000", s, 10, C1, "A1", "R1", "234", "data", m, s),
        (a, "2026-03-29 09:00:00.000", s, 10, C1, "A1", "R1", "234", "sms_in", m, s),
        (b, "2026-03-29 00:30:00.000", s, 0, C1, "A1", "R1", "234", "data", m, s),
        (b, "2026-03-29 01:30:00.000", s, 2, C1, "A1", "R1", "234", "data", m, s),
        (a, "2026-03-26 12:00:00.000", "2026-03-26", 12, C1, "A1", "R1", "234", "data", m, s),
        (a, "2026-03-27 12:00:00.000", "2026-03-27", 12, C9, "A1", "R1", "234", "data", m, s),
        (a, "2026-03-28 12:00:00.000", "2026-03-28", 12, C9, "A2", "R1", "234", "data", m, s),
        (b, "2026-03-29 11:00:00.000", s, 12, C2, "A3", "R2", "234", "call_out", m, s),
        (r, "2026-03-29 12:00:00.000", s, 13, C1, "A1", "R1", "208", "call_in", m, s),
        (b, "2026-03-29 13:00:00.500", s, 14, C2, "A3", "R2", "234", "handover", m, s),
        (c, "2026-03-29 13:00:00.000", s, 14, C1, "A1", "R1", "234", "location_update", m, s),
    ]  # fmt: skip
    assert_df_equality(
        events_of(spark, cfg, S),
        expected_events(spark, expected),
        ignore_row_order=True,
        ignore_nullable=True,
    )


def test_events_store_the_token_as_its_16_bytes_and_its_text_form_is_the_contract(spark, ingested):
    cfg, _ = ingested
    events = read(spark, cfg, tables.EVENTS)
    assert dict(events.dtypes)[C.TOKEN] == "binary"  # METHOD 3.1: a Delta table may hold bytes
    stored = events.where(F.col(C.EVENT_HOUR) == 13).select(C.TOKEN, C.MCC).collect()
    assert [(bytes(r[C.TOKEN]), r[C.MCC]) for r in stored] == [
        (bytes.fromhex(tok("2026-03", ROAMER)), "208")
    ]


def test_events_keep_file_statistics_of_landing_date_only(spark, ingested):
    # events are skipped by partition (event_date) and replaced by landing_date: the writer
    # keeps min/max of landing_date (and the row count), not of the nine other columns
    cfg, _ = ingested
    props = spark.sql(f"SHOW TBLPROPERTIES delta.`{cfg.table('events')}`").collect()
    assert {r["key"]: r["value"] for r in props}[lake.STATS_COLUMNS] == C.LANDING_DATE
    log = Path(cfg.table("events")) / "_delta_log" / f"{0:020d}.json"
    adds = [json.loads(line)["add"] for line in log.read_text().splitlines() if '"add"' in line]
    stats = [json.loads(a["stats"]) for a in adds]
    assert {tuple(s["minValues"]) for s in stats} == {(C.LANDING_DATE,)}
    assert sum(s["numRecords"] for s in stats) == 11  # S's 11 events (first write of the table)


def parquet_footer_statistics(spark, path: Path) -> dict[str, bool]:
    """Whether each column of a Parquet file's first row group has min/max in the footer."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    hadoop_path = jvm.org.apache.hadoop.fs.Path(str(path))
    source = jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(hadoop_path, conf)
    reader = jvm.org.apache.parquet.hadoop.ParquetFileReader.open(source)
    try:
        chunks = reader.getFooter().getBlocks().get(0).getColumns()
        return {
            chunks.get(i).getPath().toDotString(): chunks.get(i).getStatistics().hasNonNullValue()
            for i in range(chunks.size())
        }
    finally:
        reader.close()


def test_events_files_keep_no_parquet_min_max(spark, ingested):
    # no reader uses Parquet's own min/max of events columns (Delta's statistics are in the log)
    cfg, _ = ingested
    (first, *_) = sorted(Path(cfg.table("events")).glob("event_date=*/region_id=*/*.parquet"))
    stats = parquet_footer_statistics(spark, first)
    assert set(stats) == set(tables.EVENTS.columns) - {C.EVENT_DATE, C.REGION_ID}
    assert not any(stats.values())


def test_events_files_do_not_repeat_their_partition_columns(spark, ingested):
    # a file's event_date and region_id are its folder's (Delta's log): not written in each row
    cfg, _ = ingested
    props = spark.sql(f"SHOW TBLPROPERTIES delta.`{cfg.table('events')}`").collect()
    assert {r["key"]: r["value"] for r in props}[lake.PARTITIONS_IN_FILES] == "false"
    files = sorted(Path(cfg.table("events")).glob("event_date=*/region_id=*/*.parquet"))
    in_file = spark.read.parquet(str(files[0])).columns
    assert C.EVENT_DATE not in in_file and C.REGION_ID not in in_file
    assert set(in_file) == set(tables.EVENTS.columns) - {C.EVENT_DATE, C.REGION_ID}
    events = spark.read.format("delta").load(cfg.table("events"))  # the values from the log
    first = files[0].parent
    values = {(str(r[C.EVENT_DATE]), r[C.REGION_ID]) for r in events.collect()}
    assert (first.parent.name.split("=")[1], first.name.split("=")[1]) in values
    assert all(None not in v for v in values)


def test_fall_back_repeated_hour_is_one_bin_and_tokens_change_with_period(spark, ingested):
    cfg, _ = ingested
    a, m, f = tok("2026-10", IMSI_A), "2026-10", str(FB)
    expected = [
        (a, "2026-10-25 00:30:00.000", f, 1, C7, "A1", "R1", "234", "data", m, f),
        (a, "2026-10-25 01:30:00.000", f, 1, C7, "A1", "R1", "234", "sms_out", m, f),
        (a, "2026-10-24 23:30:00.000", f, 0, C1, "A1", "R1", "234", "data", m, f),
    ]
    assert_df_equality(
        events_of(spark, cfg, FB),
        expected_events(spark, expected),
        ignore_row_order=True,
        ignore_nullable=True,
    )
    assert tok("2026-10", IMSI_A) != tok("2026-03", IMSI_A)


def test_quarantine_reason_is_the_first_that_applies_with_shapes_not_values(spark, ingested):
    cfg, _ = ingested
    cols = ["reason", "subscriber_token", "imsi_shape", "msisdn_shape", "imei_shape", "event_time",
            "cell_id", "event_type", "fields", "source_file"]  # fmt: skip
    got = read(spark, cfg, tables.QUARANTINE).where(F.col("landing_date") == S)
    got = got.withColumn(C.TOKEN, token_text(F.col(C.TOKEN))).select(*cols)
    a, b, r = tok("2026-03", IMSI_A), tok("2026-03", IMSI_B), tok("2026-03", ROAMER)
    sh = ("plus_digits:12", "digits:14")  # msisdn and imei shapes of the default row
    x = "a.csv.gz"
    expected = [
        ("out_of_window", a, "digits:15", *sh, "2026-03-25T12:00:00Z", C1, "data", 6, x),
        # a period outside the landing window has no key: the landing day's period is used
        ("out_of_window", b, "digits:15", *sh, "2026-02-20T12:00:00Z", C1, "data", 6, x),
        ("out_of_window", a, "digits:15", *sh, "2026-03-30T00:30:00+01:00", C1, "data", 6, x),
        ("out_of_window", a, "digits:15", *sh, "2026-03-20T12:00:00Z", C1, "fax", 6, x),
        ("unknown_cell", a, "digits:15", *sh, "2026-03-29T12:00:00Z", C7, "data", 6, x),
        ("unknown_cell", a, "digits:15", *sh, "2026-03-29T12:00:00Z", "999-99-9-9", "data", 6, x),
        ("unknown_cell", r, "digits:15", *sh, "2026-03-29T12:00:00Z", "digits:15", "data", 6, x),
        ("malformed", None, None, None, None, None, None, None, 7, x),
        ("malformed", None, None, None, None, None, None, None, 5, x),
        ("malformed", None, None, None, None, None, None, None, -1, x),
        ("bad_imsi", None, "digits:14", *sh, "garbage", C1, "data", 6, x),
        ("bad_imsi", None, "chars:15", *sh, "2026-03-29T10:00:00+01:00", C1, "data", 6, x),
        ("bad_time", a, "digits:15", *sh, "2026-03-29T10:00:00", C1, "data", 6, x),
        ("bad_time", a, "digits:15", *sh, "tomorrow", C1, "FAX", 6, x),
        ("bad_time", a, "digits:15", *sh, "", C1, "data", 6, x),
        ("bad_event_type", a, "digits:15", *sh, "2026-03-29T12:00:00Z", X9, "SMS_IN", 6, x),
    ]  # fmt: skip
    schema = T.StructType(
        [T.StructField(c, T.IntegerType() if c == "fields" else T.StringType()) for c in cols]
    )
    assert_df_equality(
        got, spark.createDataFrame(expected, schema), ignore_row_order=True, ignore_nullable=True
    )


def test_ingest_log_conserves_rows_and_counts_each_reason(spark, ingested):
    cfg, summaries = ingested
    cols = ["landing_date", "status", "rows_read", "rows_valid", "rows_quarantined",
            "rows_duplicate", "q_malformed", "q_bad_imsi", "q_bad_time", "q_out_of_window",
            "q_bad_event_type", "q_unknown_cell", "files", "failed_files"]  # fmt: skip
    got = read(spark, cfg, tables.INGEST_LOG).select(*cols).orderBy("landing_date").collect()
    assert [tuple(r) for r in got] == [
        (S, "ok", 31, 11, 16, 4, 3, 2, 3, 4, 1, 3, ["a.csv.gz", "b.csv.gz"], []),
        (FB, "ok", 4, 3, 1, 0, 0, 1, 0, 0, 0, 0, ["c.csv.gz"], []),
    ]
    for r in got:
        assert r.rows_read == r.rows_valid + r.rows_quarantined + r.rows_duplicate
    assert summaries[S]["rows_read"] == 31 and summaries[S]["rows_duplicate"] == 4
    assert summaries[FB]["q_bad_imsi"] == 1


def test_no_raw_identifier_in_any_lake_file_or_table(spark, ingested):
    cfg, _ = ingested
    files = [p for p in cfg.path("lake").rglob("*") if p.is_file()]
    assert any(p.suffix == ".json" for p in files) and any(p.suffix == ".parquet" for p in files)
    for path in files:  # parquet data, _delta_log json and checkpoints, crc files
        data = path.read_bytes()
        for needle in NEEDLES:
            assert needle.encode() not in data, f"a raw identifier is in {path.name}"
    for t in (tables.EVENTS, tables.QUARANTINE, tables.INGEST_LOG):
        text = "\n".join(str(v) for r in read(spark, cfg, t).collect() for v in r)
        for needle in NEEDLES:
            assert needle not in text, f"a raw identifier is in table {t.name}"


def _snapshot(spark, cfg) -> dict[str, list[tuple]]:
    out = {}
    for t in (tables.EVENTS, tables.QUARANTINE, tables.INGEST_LOG):
        df = read(spark, cfg, t)
        df = df.drop("ingested_at") if t is tables.INGEST_LOG else df
        out[t.name] = sorted((tuple(r) for r in df.collect()), key=repr)
    return out


def test_rerun_of_a_landing_day_leaves_identical_tables(spark, ingested):
    cfg, _ = ingested
    first = _snapshot(spark, cfg)
    run_ingest(spark, cfg, S, TEST_KEY)
    second = _snapshot(spark, cfg)
    assert {k: len(v) for k, v in second.items()} == {
        "events": 14,
        "quarantine": 17,
        "ingest_log": 2,
    }
    assert second == first


# Three consecutive landing days across a month end (landing windows span two token periods).
BATCH = {
    dt.date(2026, 3, 31): [
        row(time="2026-03-31T10:00:00+01:00"),
        row(time="2026-03-31T09:00:00Z"),  # duplicate within the day
        row(time="2026-03-29T12:00:00Z"),  # 2 days late
    ],
    dt.date(2026, 4, 1): [
        row(time="2026-03-31T10:00:00+01:00"),  # re-sent a day late: a row of this landing day
        row(imsi=IMSI_B, time="2026-04-01T10:00:00+01:00", cell=C2),
        row(time="2026-03-20T12:00:00Z"),  # out_of_window
    ],
    dt.date(2026, 4, 2): [
        row(imsi="2341500000000"),  # bad_imsi
        row(time="2026-03-30T12:00:00Z", etype="sms_out"),  # 3 days late: valid, March token
        row(time="2026-03-29T12:00:00Z"),  # 4 days late: out_of_window
    ],
}


def test_a_batch_of_landing_days_writes_what_one_run_per_day_writes(spark, tmp_path):
    lakes = {}
    for how in ("daily", "batch"):
        cfg = config(tmp_path / how)
        write_reference(cfg)
        for day, lines in BATCH.items():
            write_landing(cfg, day, lines)
        if how == "daily":
            summaries = [run_ingest(spark, cfg, d, TEST_KEY) for d in BATCH]
        else:
            summaries = run_ingest_days(spark, cfg, list(BATCH), TEST_KEY)
        lakes[how] = (summaries, _snapshot(spark, cfg))
    daily, batch = lakes["daily"], lakes["batch"]
    assert [(s["rows_read"], s["rows_valid"], s["rows_duplicate"]) for s in batch[0]] == [
        (3, 2, 1),
        (3, 2, 0),
        (3, 1, 0),
    ]
    assert batch == daily
    assert {k: len(v) for k, v in batch[1].items()} == {
        "events": 5,
        "quarantine": 3,
        "ingest_log": 3,
    }


def test_every_landing_day_is_read_in_one_scan_per_header_with_its_folders_day(spark, tmp_path):
    # ingest reads a batch's CSV files in one scan per header (landing.read_lines), the day being
    # each file's date= folder (a partition value), not in a scan per day joined by a union
    cfg = config(tmp_path)
    first, second, third = list(BATCH)
    for day, lines in BATCH.items():
        write_landing(cfg, day, lines)
    names = HEADER.split(",")
    swapped = ",".join([names[1], names[0], *names[2:]])  # a second header: msisdn first
    late = f"{MSISDN},{IMSI_C},{IMEI},2026-03-31T09:00:00Z,{C1},data"
    write_landing(cfg, second, [late], name="b.csv.gz", header=swapped)
    groups: dict = {}
    for day in BATCH:
        by_header, bad = landing.group_by_header(landing.landing_files(cfg, day))
        assert bad == []
        for header, files in by_header.items():
            groups.setdefault(header, []).extend(files)
    rows = landing.csv_rows(spark, groups)
    scans = [n for n in plan_nodes(rows) if n.getClass().getSimpleName() == "FileSourceScanExec"]
    assert len(scans) == 2  # one per header for the three days (four with a scan per day)
    got = rows.groupBy(C.LANDING_DATE, C.SOURCE_FILE).count().collect()
    assert {(r[0], r[1]): r[2] for r in got} == {
        (first, "a.csv.gz"): 3,
        (second, "a.csv.gz"): 3,
        (second, "b.csv.gz"): 1,
        (third, "a.csv.gz"): 3,
    }
    swapped_row = rows.where(F.col(C.SOURCE_FILE) == "b.csv.gz").first()
    assert (swapped_row[C.IMSI], swapped_row[C.MSISDN]) == (IMSI_C, MSISDN)


def test_both_ways_of_keeping_the_parsed_rows_write_the_same_tables_and_free_them(spark, tmp_path):
    lakes = {}
    for how in ("checkpoint", "cache"):
        cfg = config(tmp_path / how, ingest__keep_rows=how)
        write_reference(cfg)
        for day, lines in BATCH.items():
            write_landing(cfg, day, lines)
        before = kept_rdds(spark)
        summaries = run_ingest_days(spark, cfg, list(BATCH), TEST_KEY)
        assert kept_rdds(spark) == before  # the run's rows are freed when it ends
        lakes[how] = (summaries, _snapshot(spark, cfg))
    assert [(s["rows_read"], s["rows_valid"], s["rows_duplicate"]) for s in lakes["cache"][0]] == [
        (3, 2, 1),
        (3, 2, 0),
        (3, 1, 0),
    ]
    assert lakes["checkpoint"] == lakes["cache"]


def test_a_batch_with_an_unreadable_day_ingests_the_days_before_it(spark, tmp_path):
    cfg = config(tmp_path)
    write_reference(cfg)
    first, second = list(BATCH)[:2]
    write_landing(cfg, first, BATCH[first])
    write_landing(cfg, second, BATCH[second], header="imsi,msisdn,imei,time,cell,type")
    with pytest.raises(LandingFileError, match=r"a\.csv\.gz"):
        run_ingest_days(spark, cfg, [first, second], TEST_KEY)
    got = read(spark, cfg, tables.INGEST_LOG).orderBy("landing_date").collect()
    assert [(r.landing_date, r.status, r.rows_valid) for r in got] == [
        (first, "ok", 2),
        (second, "failed", None),
    ]


def test_truncated_gzip_fails_naming_the_file_and_logs_a_failed_day(spark, tmp_path):
    cfg = config(tmp_path)
    write_reference(cfg)
    write_landing(cfg, S, [row()], name="good.csv.gz")
    path = write_landing(
        cfg,
        S,
        [row(imsi=IMSI_B, time=f"2026-03-29T10:{i % 60:02d}:00Z") for i in range(3000)],
        name="broken.csv.gz",
    )
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(LandingFileError, match=r"broken\.csv\.gz") as err:
        run_ingest(spark, cfg, S, TEST_KEY)
    assert "good.csv.gz" not in str(err.value)
    got = read(spark, cfg, tables.INGEST_LOG).collect()
    assert [(r.status, r.failed_files, r.files) for r in got] == [
        ("failed", ["broken.csv.gz"], ["broken.csv.gz", "good.csv.gz"])
    ]
    assert not lake.table_exists(spark, cfg.table("events"))


def test_unreadable_or_headerless_files_fail_before_reading_rows(spark, tmp_path):
    cfg = config(tmp_path)
    write_reference(cfg)
    write_landing(cfg, S, [row()], name="a.csv.gz")
    write_landing(cfg, S, [row()], name="b.csv.gz", header="imsi,msisdn,imei,time,cell,type")
    folder = cfg.path("landing") / "events" / f"date={S}"
    (folder / "c.csv.gz").write_bytes(b"this is not gzip\n")
    with pytest.raises(LandingFileError, match=r"b\.csv\.gz, c\.csv\.gz"):
        run_ingest(spark, cfg, S, TEST_KEY)
    got = read(spark, cfg, tables.INGEST_LOG).collect()
    assert [(r.status, r.failed_files) for r in got] == [("failed", ["b.csv.gz", "c.csv.gz"])]


def test_missing_landing_folder_or_files_is_a_user_error_naming_the_folder(spark, tmp_path):
    cfg = config(tmp_path)
    write_reference(cfg)
    with pytest.raises(UserError, match="date=2026-03-29"):
        run_ingest(spark, cfg, S, TEST_KEY)
    (cfg.path("landing") / "events" / f"date={S}").mkdir(parents=True)
    with pytest.raises(UserError, match="no .*csv.gz.* files in landing folder .*date=2026-03-29"):
        run_ingest(spark, cfg, S, TEST_KEY)


def test_a_lake_holding_text_tokens_is_refused_before_ingest_with_what_to_do(spark, tmp_path):
    cfg = config(tmp_path)
    write_reference(cfg)
    write_landing(cfg, S, [row()])
    # events as an earlier footfall wrote them: the token as 32 hex characters
    old = spark.createDataFrame([], text_schema(tables.EVENTS))
    old.write.format("delta").partitionBy(*tables.EVENTS.partition_by).save(cfg.table("events"))
    with pytest.raises(UserError, match="subscriber_token is string, the contract says binary"):
        run_ingest(spark, cfg, S, TEST_KEY)
    assert not lake.table_exists(spark, cfg.table(tables.QUARANTINE.name))  # nothing written


def test_overlapping_cell_versions_are_a_user_error(spark, tmp_path):
    cfg = config(tmp_path)
    write_reference(cfg, CELLS + "234-10-1-9,A3,52.0,-1.0,2026-03-01,2026-03-31\n")
    write_landing(cfg, S, [row()])
    with pytest.raises(UserError, match="234-10-1-9: overlapping versions"):
        run_ingest(spark, cfg, S, TEST_KEY)


def test_parquet_landing_files_are_validated_like_csv(spark, tmp_path):
    cfg = config(tmp_path, ingest__input_format="parquet")
    write_reference(cfg)
    nine = dt.datetime(2026, 3, 29, 9, 0, tzinfo=dt.timezone.utc)  # 10:00 BST
    rows = [
        (IMSI_A, MSISDN, None, nine, C1, "data"),  # event_time as a timestamp column
        (IMSI_A, "", IMEI, nine, C1, "data"),  # duplicate
        ("2341500000000", MSISDN, IMEI, nine, C1, "data"),  # bad_imsi
    ]
    schema = (
        "imsi string, msisdn string, imei string, event_time timestamp, cell_id string, "
        "event_type string"
    )
    out = tmp_path / "parquet-out"
    spark.createDataFrame(rows, schema).coalesce(1).write.parquet(str(out))
    folder = cfg.path("landing") / "events" / f"date={S}"
    folder.mkdir(parents=True)
    next(out.glob("part-*.parquet")).rename(folder / "p.parquet")
    s = run_ingest(spark, cfg, S, TEST_KEY)
    assert (s["rows_read"], s["rows_valid"], s["rows_duplicate"], s["q_bad_imsi"]) == (3, 1, 1, 1)
    ev = read(spark, cfg, tables.EVENTS).select("subscriber_token", "event_hour").collect()
    assert [(bytes(r[0]).hex(), r[1]) for r in ev] == [(tok("2026-03", IMSI_A), 10)]
