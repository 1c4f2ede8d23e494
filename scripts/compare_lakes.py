"""Compare two footfall lakes table by table; exit 1 when they differ (the cluster demo's check).

    .venv/bin/python scripts/compare_lakes.py LAKE_A LAKE_B [--tables t1,t2] [--all]

By default the released tables (`origin_presence_hourly`, `origin_presence_daily`) are
compared, ignoring `release_id`; `--all` adds every table of footfall.core.tables whose content
does not depend on when or where it ran (run-specific columns such as `ingested_at`,
`created_at`, `release_id`, `config_hash` are left out). Doubles are compared with a relative
tolerance: a sum of weights over differently partitioned data may differ in its last bits.
Reads with a local[1] Spark session.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

RELEASED = ("origin_presence_hourly", "origin_presence_daily")
# Columns that legitimately differ between two runs of the same data.
RUN_COLUMNS = {
    "release_id",
    "ingested_at",
    "created_at",
    "report_path",
    "config_hash",
    "code_version",
    "tables",
    "suite_results",
    "message",
}
REL_TOL = 1e-9
SHOW = 10


def _spark():
    from footfall.runtime.session import build_spark

    return build_spark(
        {
            "spark.master": "local[1]",
            "spark.app.name": "footfall-compare-lakes",
            "spark.driver.memory": "2g",
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "4",
            "spark.databricks.delta.snapshotPartitions": "1",
        }
    )


def compare_table(spark, name: str, path_a: str, path_b: str) -> list[str]:
    """Differences between one table in two lakes, as lines; empty when equal."""
    from delta.tables import DeltaTable
    from footfall.core import tables
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    have = [DeltaTable.isDeltaTable(spark, p) for p in (path_a, path_b)]
    if not any(have):
        return [f"{name}: missing in both lakes"]
    if not all(have):
        return [f"{name}: only in {path_a if have[0] else path_b}"]
    a, b = (spark.read.format("delta").load(p) for p in (path_a, path_b))
    cols = [c for c in a.columns if c not in RUN_COLUMNS]
    if sorted(cols) != sorted(c for c in b.columns if c not in RUN_COLUMNS):
        return [f"{name}: columns differ: {a.columns} vs {b.columns}"]
    a, b = a.select(cols), b.select(cols)
    out: list[str] = []
    n_a, n_b = a.count(), b.count()
    if n_a != n_b:
        out.append(f"{name}: {n_a} rows vs {n_b} rows")
    floating = (T.DoubleType, T.FloatType)
    doubles = [f.name for f in a.schema.fields if isinstance(f.dataType, floating)]
    keys = [k for k in getattr(tables.ALL.get(name), "keys", ()) if k in cols]
    if doubles and keys:
        # keyed join: every non-double column equal, doubles within a relative tolerance
        j = a.alias("a").join(b.alias("b"), keys, "full_outer")
        rest = [c for c in cols if c not in keys]
        cond = F.lit(False)
        for c in rest:
            ca, cb = F.col(f"a.{c}"), F.col(f"b.{c}")
            if c in doubles:
                bad = F.abs(ca - cb) > F.lit(REL_TOL) * F.greatest(F.lit(1.0), F.abs(ca), F.abs(cb))
                cond = cond | ~ca.eqNullSafe(cb) & (ca.isNull() | cb.isNull() | bad)
            else:
                cond = cond | ~ca.eqNullSafe(cb)
        diff = j.where(cond)
        n = diff.count()
        if n:
            out.append(f"{name}: {n} keys differ (first {SHOW}):")
            out += [f"  {r}" for r in diff.limit(SHOW).collect()]
        return out
    # arrays/maps cannot be set-compared directly: compare their JSON text
    norm = [
        F.to_json(F.col(f.name)).alias(f.name)
        if isinstance(f.dataType, (T.ArrayType, T.MapType, T.StructType))
        else F.col(f.name)
        for f in a.schema.fields
    ]
    a, b = a.select(norm), b.select(norm)
    only_a, only_b = a.exceptAll(b), b.exceptAll(a)
    n1, n2 = only_a.count(), only_b.count()
    if n1 or n2:
        out.append(f"{name}: {n1} rows only in A, {n2} rows only in B (first {SHOW} of each):")
        out += [f"  A {r}" for r in only_a.limit(SHOW).collect()]
        out += [f"  B {r}" for r in only_b.limit(SHOW).collect()]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lake_a", type=Path)
    parser.add_argument("lake_b", type=Path)
    parser.add_argument("--tables", help="comma-separated table names (default: released tables)")
    parser.add_argument("--all", action="store_true", help="every table of the lake")
    args = parser.parse_args(argv)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    if args.tables:
        names = [t.strip() for t in args.tables.split(",") if t.strip()]
    elif args.all:
        from footfall.core import tables

        names = [n for n in tables.ALL if n != "releases"] + ["releases"]
    else:
        names = list(RELEASED)
    spark = _spark()
    failed = False
    try:
        for name in names:
            a, b = str(args.lake_a.resolve() / name), str(args.lake_b.resolve() / name)
            diffs = compare_table(spark, name, a, b)
            if diffs:
                failed = True
                print("\n".join(diffs))
            else:
                rows = spark.read.format("delta").load(a).count()
                print(f"{name}: equal ({rows} rows)")
    finally:
        spark.stop()
    print("lakes differ" if failed else "lakes equal")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
