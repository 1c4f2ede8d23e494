"""Ingest (METHOD 3) on small hand-made landing files."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from conftest import TEST_KEY
from footfall import io, tables
from footfall.errors import LandingFileError
from footfall.ingest import run_ingest
from footfall.tokens import python_token

HEADER = "imsi,msisdn,imei,event_time,cell_id,event_type"
D = dt.date(2026, 3, 16)
IMSI_A = "234150000000001"
IMSI_B = "234150000000002"
ROAMER = "208010000000009"

AREAS = """area_id,area_name,district_id,region_id,population
A1,One,D1,R1,1000
A2,Two,D1,R1,2000
A3,Three,D2,R2,500
"""
# C9 is re-planned: area A1 until 2026-03-15, area A2 from 2026-03-16.
CELLS = """cell_id,area_id,lat,lon,valid_from,valid_to
234-10-1-1,A1,51.5,-0.1,2026-01-01,
234-10-1-2,A3,52.0,-1.0,2026-01-01,
234-10-1-9,A1,51.5,-0.1,2026-01-01,2026-03-15
234-10-1-9,A2,51.6,-0.2,2026-03-16,
234-10-1-7,A1,51.5,-0.1,2026-03-20,
"""


def write_reference(cfg) -> None:
    ref = cfg.path("reference")
    ref.mkdir(parents=True, exist_ok=True)
    (ref / "areas.csv").write_text(AREAS)
    (ref / "cells.csv").write_text(CELLS)


def write_landing(cfg, day: dt.date, lines: list[str], name: str = "part-0.csv.gz") -> Path:
    folder = cfg.path("landing") / "events" / f"date={day.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with gzip.open(path, "wt") as fh:
        fh.write(HEADER + "\n" + "\n".join(lines) + "\n")
    return path


def row(imsi=IMSI_A, time="2026-03-16T10:00:00+00:00", cell="234-10-1-1", etype="data",
        msisdn="+447700900001", imei="35000000000001"):
    return f"{imsi},{msisdn},{imei},{time},{cell},{etype}"


def table(spark, cfg, t):
    return io.read_table(spark, cfg, t)


def reasons(spark, cfg) -> list[str]:
    q = table(spark, cfg, tables.QUARANTINE).orderBy("source_file", "event_time")
    return [r.reason for r in q.collect()]


@pytest.fixture
def setup(cfg):
    write_reference(cfg)
    return cfg


def test_each_reason_and_first_reason_wins(spark, setup):
    cfg = setup
    write_landing(
        cfg,
        D,
        [
            row(),  # valid
            row() + ",extra",  # malformed: 7 fields
            '234150000000001,"+44 7700,900001,1,2026-03-16T10:00:00+00:00,234-10-1-1,data',  # odd quotes
            row(imsi="23415000000001", time="garbage"),  # bad_imsi wins over bad_time
            row(time="2026-03-16T10:00:00"),  # bad_time: no offset
            row(time="2026-03-17T00:30:00+00:00", etype="fax"),  # out_of_window wins over type
            row(time="2026-03-12T10:00:00+00:00"),  # out_of_window: 4 days before
            row(etype="SMS_IN", cell="999-1-1-1"),  # bad_event_type wins over unknown_cell
            row(cell="999-1-1-1"),  # unknown_cell
            row(cell="234-10-1-7"),  # unknown_cell: version starts 2026-03-20
        ],
    )
    summary = run_ingest(spark, cfg, D, TEST_KEY)
    got = table(spark, cfg, tables.QUARANTINE).groupBy("reason").count()
    assert {r.reason: r["count"] for r in got.collect()} == {
        "malformed": 2,
        "bad_imsi": 1,
        "bad_time": 1,
        "out_of_window": 2,
        "bad_event_type": 1,
        "unknown_cell": 2,
    }
    assert summary["rows_read"] == 10
    assert summary["rows_valid"] == 1
    log = table(spark, cfg, tables.INGEST_LOG).first()
    assert (log.q_malformed, log.q_unknown_cell, log.rows_quarantined) == (2, 2, 9)


def test_duplicates_iso_and_epoch_of_same_instant_are_one_event(spark, setup):
    cfg = setup
    epoch_ms = int(dt.datetime(2026, 3, 16, 10, 0, tzinfo=dt.timezone.utc).timestamp() * 1000)
    write_landing(
        cfg,
        D,
        [
            row(),
            row(time=str(epoch_ms)),  # same instant as epoch ms
            row(time="2026-03-16T10:00:00Z"),  # same instant, Z offset
            row(time="2026-03-16T11:00:00+01:00", msisdn=""),  # same instant, other offset
            row(etype="sms_in"),  # other type: a different event
        ],
    )
    s = run_ingest(spark, cfg, D, TEST_KEY)
    assert (s["rows_read"], s["rows_valid"], s["rows_duplicate"], s["rows_quarantined"]) == (5, 2, 3, 0)


def test_conservation_rows_read_equals_valid_plus_quarantined_plus_duplicate(spark, setup):
    cfg = setup
    write_landing(cfg, D, [row(), row(), row(imsi="x"), row(etype="sms_out")], name="a.csv.gz")
    write_landing(cfg, D, [row(imsi=IMSI_B), row(cell="nope")], name="b.csv.gz")
    run_ingest(spark, cfg, D, TEST_KEY)
    log = table(spark, cfg, tables.INGEST_LOG).first()
    assert log.rows_read == 6
    assert (log.rows_valid, log.rows_quarantined, log.rows_duplicate) == (3, 2, 1)
    assert log.rows_read == log.rows_valid + log.rows_quarantined + log.rows_duplicate
    assert sorted(log.files) == ["a.csv.gz", "b.csv.gz"]


def test_late_events_inside_window_are_kept_with_their_own_date(spark, setup):
    cfg = setup
    write_landing(
        cfg,
        D,
        [
            row(time="2026-03-13T12:00:00+00:00"),  # 3 days late: kept
            row(time="2026-03-16T23:30:00+00:00"),  # local date 2026-03-16 (GMT): kept
        ],
    )
    run_ingest(spark, cfg, D, TEST_KEY)
    ev = table(spark, cfg, tables.EVENTS).orderBy("event_time").collect()
    assert [(e.event_date, e.landing_date) for e in ev] == [(dt.date(2026, 3, 13), D), (D, D)]


def test_spring_forward_and_fall_back_local_hours(spark, setup):
    cfg = setup
    cells = (cfg.path("reference") / "cells.csv").read_text()
    day_s, day_f = dt.date(2026, 3, 29), dt.date(2026, 10, 25)
    write_landing(
        cfg,
        day_s,
        [row(time="2026-03-29T00:30:00+00:00"), row(time="2026-03-29T01:30:00+00:00")],
    )
    write_landing(
        cfg,
        day_f,
        [row(time="2026-10-25T00:30:00+00:00"), row(time="2026-10-25T01:30:00+00:00")],
    )
    (cfg.path("reference") / "cells.csv").write_text(cells)
    run_ingest(spark, cfg, day_s, TEST_KEY)
    run_ingest(spark, cfg, day_f, TEST_KEY)
    ev = table(spark, cfg, tables.EVENTS).orderBy("event_time").collect()
    # 00:30Z = 00:30 GMT; 01:30Z = 02:30 BST (01:xx does not exist on 29 March)
    # 00:30Z = 01:30 BST and 01:30Z = 01:30 GMT: the repeated hour is one bin
    assert [(e.event_date, e.event_hour) for e in ev] == [
        (day_s, 0),
        (day_s, 2),
        (day_f, 1),
        (day_f, 1),
    ]


def test_event_uses_the_cell_version_valid_on_its_local_date(spark, setup):
    cfg = setup
    write_landing(
        cfg,
        D,
        [
            row(time="2026-03-15T12:00:00+00:00", cell="234-10-1-9"),  # version 1: A1
            row(time="2026-03-16T12:00:00+00:00", cell="234-10-1-9"),  # version 2: A2
        ],
    )
    run_ingest(spark, cfg, D, TEST_KEY)
    ev = table(spark, cfg, tables.EVENTS).orderBy("event_time").collect()
    assert [(e.area_id, e.region_id) for e in ev] == [("A1", "R1"), ("A2", "R1")]


def test_tokens_equal_python_hmac_and_change_with_period(spark, setup):
    cfg = setup
    write_landing(
        cfg,
        dt.date(2026, 4, 1),
        [
            row(time="2026-03-31T12:00:00+01:00"),  # period 2026-03 (late event)
            row(time="2026-04-01T12:00:00+01:00"),  # period 2026-04
            row(imsi=ROAMER, time="2026-04-01T12:00:00+01:00"),
        ],
    )
    run_ingest(spark, cfg, dt.date(2026, 4, 1), TEST_KEY)
    ev = table(spark, cfg, tables.EVENTS).select("subscriber_token", "period", "mcc").collect()
    got = sorted((e.period, e.mcc, e.subscriber_token) for e in ev)
    assert got == sorted(
        [
            ("2026-03", "234", python_token(TEST_KEY, "2026-03", IMSI_A)),
            ("2026-04", "234", python_token(TEST_KEY, "2026-04", IMSI_A)),
            ("2026-04", "208", python_token(TEST_KEY, "2026-04", ROAMER)),
        ]
    )
    assert python_token(TEST_KEY, "2026-03", IMSI_A) != python_token(TEST_KEY, "2026-04", IMSI_A)


def test_fields_are_trimmed_before_validation(spark, setup):
    cfg = setup
    write_landing(cfg, D, [f" {IMSI_A} , +44 7700 900001 ,, 2026-03-16T10:00:00+00:00 , 234-10-1-1 , data "])
    s = run_ingest(spark, cfg, D, TEST_KEY)
    assert (s["rows_valid"], s["rows_quarantined"]) == (1, 0)


def _snapshot(spark, cfg):
    out = {}
    for t in (tables.EVENTS, tables.QUARANTINE, tables.INGEST_LOG):
        df = table(spark, cfg, t)
        if t is tables.INGEST_LOG:
            df = df.drop("ingested_at")
        out[t.name] = sorted(tuple(r) for r in df.collect())
    return out


def test_rerun_of_a_landing_day_leaves_identical_tables(spark, setup):
    cfg = setup
    write_landing(cfg, D, [row(), row(imsi=IMSI_B), row(imsi="bad"), row()])
    write_landing(cfg, D + dt.timedelta(days=1), [row(time="2026-03-16T20:00:00+00:00")])
    run_ingest(spark, cfg, D, TEST_KEY)
    run_ingest(spark, cfg, D + dt.timedelta(days=1), TEST_KEY)
    first = _snapshot(spark, cfg)
    run_ingest(spark, cfg, D, TEST_KEY)
    second = _snapshot(spark, cfg)
    assert first == second
    assert len(first["events"]) == 3  # A and B on the 16th, A's late event from the 17th
    assert len(first["ingest_log"]) == 2


def test_no_raw_identifier_in_any_file_written(spark, setup, tmp_path):
    cfg = setup
    msisdn, imei = "+447700900123", "356938035643809"
    write_landing(
        cfg,
        D,
        [
            row(msisdn=msisdn, imei=imei),
            row(msisdn=msisdn, imei=imei, etype="fax"),
            row(msisdn=msisdn, imei=imei) + ",x",
            row(imsi=IMSI_B, time="nope", msisdn="07700 900123"),
            row(imsi=ROAMER, cell=IMSI_A),  # an IMSI in the cell column: shape only
        ],
    )
    run_ingest(spark, cfg, D, TEST_KEY)
    needles = [IMSI_A, IMSI_B, ROAMER, msisdn, msisdn.lstrip("+"), "7700900123", "07700 900123", imei]
    lake = cfg.path("lake")
    files = [p for p in lake.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in data, f"{needle} found in {path}"
    # and decoded: every string column of every table
    for t in (tables.EVENTS, tables.QUARANTINE, tables.INGEST_LOG):
        df = table(spark, cfg, t)
        text = " ".join(str(v) for r in df.collect() for v in r)
        for needle in needles:
            assert needle not in text


def test_truncated_gzip_fails_the_job_and_is_logged_by_name(spark, setup):
    cfg = setup
    write_landing(cfg, D, [row()], name="good.csv.gz")
    path = write_landing(cfg, D, [row(imsi=IMSI_B)] * 2000, name="broken.csv.gz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(LandingFileError, match="broken.csv.gz"):
        run_ingest(spark, cfg, D, TEST_KEY)
    log = table(spark, cfg, tables.INGEST_LOG).first()
    assert (log.status, log.failed_files) == ("failed", ["broken.csv.gz"])


def test_quarantine_keeps_shapes_and_tokens_not_values(spark, setup):
    cfg = setup
    write_landing(cfg, D, [row(imsi="23415000000001"), row(etype="fax")])
    run_ingest(spark, cfg, D, TEST_KEY)
    q = table(spark, cfg, tables.QUARANTINE).orderBy("reason").collect()
    assert [(r.reason, r.imsi_shape, r.msisdn_shape, r.imei_shape) for r in q] == [
        ("bad_event_type", "digits:15", "plus_digits:12", "digits:14"),
        ("bad_imsi", "digits:14", "plus_digits:12", "digits:14"),
    ]
    assert q[0].subscriber_token == python_token(TEST_KEY, "2026-03", IMSI_A)
    assert q[1].subscriber_token is None
    assert table(spark, cfg, tables.EVENTS).where(F.lit(True)).count() == 0
