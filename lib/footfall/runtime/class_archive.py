"""A class-data-sharing archive for the driver JVM that Python starts (JDK CDS, JEP 350).

A fresh driver loads, parses and verifies thousands of classes of Spark, Delta and Parquet one by
one, in its start and its first queries, every time: each of the bench's stages, each `footfall`
command on a laptop. `make class-archive` (run by `make bench`) runs a short Spark workload once,
in a driver that dumps the classes it loaded into an archive at exit (`-XX:ArchiveClassesAtExit`);
a driver started later maps them from the archive (`-XX:SharedArchiveFile`). The same results, a
faster start (bench/README.md, eighteenth pass).

The archive is named by what it depends on (the Java runtime, PySpark's version, the cached jars
with their sizes and times), so a new JDK, PySpark or jar means no archive until it is trained
again; a driver without one starts as before. A driver under spark-submit (its JVM is
already running) and a config that sets its own CDS options are left alone. The JVM checks the
archive again when it maps it and, in `-Xshare:auto`, quietly ignores one that does not match.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from footfall.runtime import java
from footfall.runtime.jars import cached_jars, default_jars_dir

FOLDER = "cds"
OWN_OPTIONS = ("SharedArchiveFile", "ArchiveClassesAtExit", "-Xshare")  # a config's own CDS
_QUIET = "-Xlog:cds=off -Xlog:cds+dynamic=off"  # a mismatched archive is ignored, not reported


def _java() -> Path | None:
    """The java binary Spark's launcher uses: $JAVA_HOME/bin/java, else the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    found = Path(home) / "bin" / "java" if home else None
    if found is None or not found.exists():
        which = shutil.which("java")
        found = Path(which) if which else None
    return found.resolve() if found else None


def archive_path(jars_dir: Path | None = None) -> Path | None:
    """Where the archive of this Java runtime, PySpark and jar cache lives (None without java)."""
    import pyspark

    java = _java()
    if java is None:
        return None
    jars = [Path(j) for j in cached_jars(jars_dir)]
    parts = [str(java), str(java.stat().st_mtime_ns), pyspark.__version__]
    parts += [f"{j.name}:{j.stat().st_size}:{j.stat().st_mtime_ns}" for j in jars]
    key = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
    return (jars_dir or default_jars_dir()) / FOLDER / f"driver-{key}.jsa"


def driver_options(java_options: str, jars_dir: Path | None = None) -> str:
    """java_options with the archive's, when there is an archive and the options set no CDS of
    their own."""
    if any(own in java_options for own in OWN_OPTIONS):
        return java_options
    path = archive_path(jars_dir)
    if path is None or not path.is_file():
        return java_options
    return f"{java_options} -XX:SharedArchiveFile={path} -Xshare:auto {_QUIET}".strip()


def _workload(folder: Path, java_options: str) -> None:
    """A short run of what footfall's jobs do (Delta writes, replaces and reads, a text read of
    gzip, aggregates, a window, joins, caches and checkpoints) in a driver started with
    java_options, so that their classes are the ones loaded when the driver exits."""
    import gzip

    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from footfall.runtime.session import DRIVER_JAVA, build_spark

    settings = {"spark.master": "local[2]", "spark.ui.enabled": "false", DRIVER_JAVA: java_options}
    spark = build_spark(settings)
    landing = folder / "landing.csv.gz"
    with gzip.open(landing, "wt") as out:
        out.writelines(f"{i},{i % 7},2026-03-{10 + i % 5}T0{i % 10}:00:00Z\n" for i in range(500))
    fields = F.split(F.col("value"), ",")
    rows = spark.read.text(str(landing)).select(
        fields[0].cast("long").alias("id"),
        fields[1].alias("k"),
        F.to_timestamp(fields[2]).alias("t"),
    )
    rows = rows.withColumn("date", F.to_date("t")).withColumn(
        "h", F.sha2(F.concat(F.lit("key"), F.col("k")), 256)
    )
    path = str(folder / "table")
    rows.write.format("delta").partitionBy("date").mode("overwrite").save(path)
    (
        rows.where(F.col("date") == "2026-03-10")
        .write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", "date = DATE'2026-03-10'")
        .save(path)
    )
    back = spark.read.format("delta").load(path).where(F.col("date") >= "2026-03-11").cache()
    order = Window.partitionBy("k").orderBy("t", "id")
    small = spark.createDataFrame([(str(i), f"area{i}") for i in range(7)], "k string, area string")
    (
        back.withColumn("next", F.lead("t").over(order))
        .join(F.broadcast(small), "k")
        .groupBy("area", "date")
        .agg(
            F.count("*").alias("n"),
            F.count_distinct("h").alias("hs"),
            F.collect_list("id").alias("ids"),
            F.sum("id").alias("total"),
        )
        .repartition("date")
        .write.format("delta")
        .mode("append")
        .save(str(folder / "counts"))
    )
    kept = back.localCheckpoint(eager=False)
    kept.join(back.select("id", "k"), ["id", "k"], "left_anti").distinct().collect()
    back.unpersist()
    spark.stop()


def train(jars_dir: Path) -> Path | None:
    """Run the workload in a fresh driver that dumps its classes at exit; the archive's path,
    or None (with a warning) when this JVM cannot make one."""
    target = archive_path(jars_dir)
    if target is None:
        print("warning: no java found: no class archive", file=sys.stderr)
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    for old in target.parent.glob("driver-*.jsa"):  # archives of earlier jars, JDKs, PySparks
        old.unlink()
    with tempfile.TemporaryDirectory() as folder:
        dump = Path(folder) / "driver.jsa"
        code = "import sys; from footfall.runtime import class_archive as a; a._dump(*sys.argv[1:])"
        run = subprocess.run(
            [sys.executable, "-c", code, folder, str(dump)], capture_output=True, text=True
        )
        if run.returncode != 0 or not dump.is_file():
            tail = "\n".join((run.stderr or "").strip().splitlines()[-5:])
            print(f"warning: no class archive (drivers start without one):\n{tail}",
                  file=sys.stderr)  # fmt: skip
            return None
        shutil.move(dump, target)
    return target


def _dump(folder: str, dump: str) -> None:
    """The training driver's side of `train`: the workload, the JVM told to dump its classes
    into dump at exit (a CDS option of its own: no archive is mapped)."""
    _workload(Path(folder), f"-XX:ArchiveClassesAtExit={dump} {_QUIET}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the driver JVM's class archive (CDS).")
    parser.add_argument("--dir", type=Path, default=default_jars_dir(), help="jar cache folder")
    parser.add_argument(
        "--if-missing",
        action="store_true",
        help="train only when the drivers' Java, PySpark and jars have no archive yet",
    )
    args = parser.parse_args(argv)
    java.choose()  # the runtime the drivers will start on (`build_spark`): its archive
    if args.if_missing:
        existing = archive_path(args.dir)
        if existing is not None and existing.is_file():
            print(f"The driver's class archive is trained: {existing}")
            return 0
    built = train(args.dir)
    if built is not None:
        print(f"Trained the driver's class archive: {built}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
