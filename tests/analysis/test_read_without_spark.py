"""Released tables read as an analyst would, without Spark: delta-rs (`deltalake`) and SQL."""

from __future__ import annotations

import datetime as dt

from deltalake import DeltaTable, QueryBuilder
from footfall.core import columns as C
from footfall.core import lake, tables

D = dt.date(2026, 3, 10)


def test_released_daily_table_reads_with_deltalake_and_sql(spark, cfg):
    rows = [
        (D, "A1", "district", "D1", 120, "2026-03-10-0000aaaa"),
        (D, "A1", "district", "all", 150, "2026-03-10-0000aaaa"),
        (D, "A2", "district", "all", 40, "2026-03-10-0000aaaa"),
    ]
    lake.append(
        spark.createDataFrame(rows, tables.RELEASED_DAILY.schema), cfg, tables.RELEASED_DAILY
    )
    table = DeltaTable(cfg.table(tables.RELEASED_DAILY.name))
    # the columns of METHOD 8, in the contract's order
    assert [f.name for f in table.schema().fields] == tables.RELEASED_DAILY.columns
    got = (
        QueryBuilder()
        .register("daily", table)
        .execute("SELECT area_id, visitors FROM daily WHERE origin_id = 'all' ORDER BY area_id")
        .read_all()
    )
    assert got.column(C.AREA_ID).to_pylist() == ["A1", "A2"]
    assert got.column(C.VISITORS).to_pylist() == [150, 40]
