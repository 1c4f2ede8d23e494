"""Tiny hand-checkable events, areas and origins for the origins and presence tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import config_under, contract_frame  # noqa: F401 - config_under re-exported
from footfall.core import inputs, lake, tables

ROOT = Path(__file__).resolve().parents[1]

ZONE = ZoneInfo("Europe/London")

# area, name, district, region, population: R1 = 1000 people, R2 = 500, nation = 1500
AREAS = [
    ("A1", "Alpha", "D1", "R1", 600),
    ("A2", "Beta", "D1", "R1", 400),
    ("A3", "Gamma", "D2", "R2", 500),
]
REGION = {a: r for a, _, _, r, _ in AREAS}


def write_areas(cfg, rows=AREAS) -> None:
    """areas.csv in cfg's reference folder."""
    folder = cfg.path("reference")
    folder.mkdir(parents=True, exist_ok=True)
    lines = [inputs.csv_header(inputs.AREAS_SCHEMA)]
    lines += [",".join(str(v) for v in row) for row in rows]
    (folder / "areas.csv").write_text("\n".join(lines) + "\n")


def event(token: str, day: str, hour: int, area: str, mcc: str = "234", minute: int = 30, fold=0):
    """One events row at local day/hour (the UTC instant derived as ingest would)."""
    date = dt.date.fromisoformat(day)
    local = dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=ZONE, fold=fold)
    instant = local.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return (
        token,
        instant,
        date,
        hour,
        f"234-10-1-{area}",
        area,
        REGION[area],
        mcc,
        "data",
        day[:7],
        date,
    )


def write_events(spark, cfg, rows) -> None:
    """Append rows (from event()) to the events Delta table."""
    lake.append(contract_frame(spark, rows, tables.EVENTS), cfg, tables.EVENTS)


def origins_rows(period: str, homes: dict[str, str | None]) -> list[tuple]:
    """Origins rows for a period: token -> home area (None: unknown)."""
    ref = {a: (d, r) for a, _, d, r, _ in AREAS}
    return [
        (t, period, a, *ref[a], 9, 9) if a else (t, period, None, None, None, 0, 0)
        for t, a in homes.items()
    ]


def areas_frame(spark):
    """AREAS as a DataFrame with the reference schema."""
    return spark.createDataFrame(AREAS, inputs.AREAS_SCHEMA)


def write_origins(spark, cfg, period: str, homes: dict[str, str | None]) -> None:
    """Replace a period's origins rows (see origins_rows)."""
    df = contract_frame(spark, origins_rows(period, homes), tables.ORIGINS)
    lake.replace_where(df, cfg, tables.ORIGINS, lake.Rows("period", period))
