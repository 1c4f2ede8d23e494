"""The one SparkSession factory: Delta enabled, jars from the local cache, settings from conf."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pyspark.sql import SparkSession

from footfall.core.errors import UserError
from footfall.runtime import class_archive, java
from footfall.runtime.jars import EXTENSION_CLASS, EXTENSION_JAR, cached_jars, default_jars_dir

log = logging.getLogger(__name__)

DELTA_SETTINGS = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}
# Local-mode defaults for 2 cores and 24 GiB; conf/*.yaml `spark.*` keys override them.
DEFAULTS = {
    "spark.app.name": "footfall",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.adaptive.enabled": "true",
    "spark.databricks.delta.schema.autoMerge.enabled": "false",
    # a driver that runs many dates or stages plans the same transforms again and again: keep
    # their compiled code (Spark's default keeps 100 classes)
    "spark.sql.codegen.cache.maxEntries": "2000",
    # a task writing several partitions (a landing day's events span event dates and regions)
    # keeps a Parquet writer open per partition instead of sorting its rows by partition first;
    # beyond 32 it falls back to the sort. The events write: 76 -> 45 s of task time (10M bench)
    "spark.sql.maxConcurrentOutputFileWriters": "32",
    # timestamps as Parquet INT64 microseconds, not Spark's default INT96 (deprecated): Parquet
    # keeps usable min/max statistics for them (no row-group pruning by an INT96 range, as
    # presence's `within_reach` filter on event_time asks), every Parquet reader (pandas,
    # DuckDB) reads them, and the events write skips INT96's dictionary of 12-byte arrays
    # (~2% of the 10M ingest's CPU; not visible at 100M). Files written before keep INT96 and
    # are read as they are.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
}


# For a stage's session_conf: a frame cached for one run and read back a few times is kept
# uncompressed (about twice the memory). Encoding each column costs more CPU than reading the
# bigger cache saves; what does not fit in memory goes to local disk (MEMORY_AND_DISK). Ingest:
# building the cache and counting 7.8 us of CPU per landing row instead of 12.0, reading it back
# 0.8 instead of 1.8 (10M bench); presence's 14-date pass at 100M: executor time 483 -> 451 s
# (bench/README.md).
UNCOMPRESSED_CACHE = {"spark.sql.inMemoryColumnarStorage.compressed": "false"}


# A job's own spark.* settings, for a driver started for that job alone (`footfall release`,
# jobs/release.py, the bench's release stage; not `footfall run`, whose driver also runs the
# heavy stages). The release reads aggregates in ~180 short queries: C1-compiled code is ready
# sooner, C2 never pays back in a run that short, and compiling each query's whole-stage code
# costs more than it saves. Measured, 14 dates in a fresh driver (wall s / CPU s): 1M 57-72 /
# 99-115 -> 46 / 63, 100M 59-63 / 102-111 -> 52 / 72 (each alone: bench/README.md). Executors on
# a cluster keep C2.
JOB_SETTINGS = {
    "release": {
        "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1",  # appended to the config's
        "spark.sql.codegen.wholeStage": "false",
    }
}
DRIVER_JAVA = "spark.driver.extraJavaOptions"
_APPENDED = (DRIVER_JAVA,)


def job_settings(job: str | None, spark_settings: Mapping[str, str]) -> dict[str, str]:
    """The spark.* settings of a driver started for one job: the config's, with the job's own
    (JOB_SETTINGS) appended to the JVM options and set over the rest."""
    settings = dict(spark_settings)
    for key, value in JOB_SETTINGS.get(job or "", {}).items():
        if key in _APPENDED:
            value = f"{settings.get(key, '')} {value}".strip()
        settings[key] = value
    return settings


@contextmanager
def session_conf(spark: SparkSession, settings: Mapping[str, str]) -> Iterator[None]:
    """Set SQL settings on the session for the block, then restore what was there before."""
    old = {k: spark.conf.get(k, None) for k in settings}
    for k, v in settings.items():
        spark.conf.set(k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)


def _delta_on_classpath(settings: Mapping[str, str]) -> bool:
    """On a cluster the jars may already be given with --jars/--packages (spark-submit)."""
    given = settings.get("spark.jars", "") + settings.get("spark.jars.packages", "")
    return "delta" in given or os.environ.get("FOOTFALL_DELTA_PROVIDED") == "1"


def build_spark(spark_settings: Mapping[str, str] | None = None) -> SparkSession:
    """Get or create the SparkSession with Delta Lake and the given spark.* settings."""
    settings = {**DEFAULTS, **(spark_settings or {})}
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if not _delta_on_classpath(settings) and not _submitted():
        jars = cached_jars()
        if not any("delta-spark" in Path(j).name for j in jars):
            raise UserError(
                f"Delta Lake jars not found in {default_jars_dir()}: run `make setup` once "
                "(it resolves them from Maven Central), or set FOOTFALL_JARS_DIR"
            )
        settings["spark.jars"] = ",".join(jars)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    if not _submitted():
        # a driver this process starts runs on the newest supported Java (unless JAVA_HOME says
        # which) and maps its classes from that Java's archive (when one was trained)
        java.choose()
        options = class_archive.driver_options(settings.get(DRIVER_JAVA, ""))
        if options:
            settings[DRIVER_JAVA] = options
        # local Python workers (DP noise on cells) use the driver's env
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder
    jars = _submitted_jars() if _submitted() else settings.get("spark.jars", "")
    extra = {**DELTA_SETTINGS, **_extensions(settings), **kryo_settings(settings, jars)}
    for key, value in {**settings, **extra}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    _warn_without_huge_methods(spark)
    return spark


HUGE_METHODS = "-XX:-DontCompileHugeMethods"


def huge_methods_warning(master: str, driver_args: list[str], executor_options: str) -> str | None:
    """What to say when the JVMs that run tasks lack HUGE_METHODS, else None: the driver's in
    local mode (it runs the tasks), the executors' elsewhere. Without it HotSpot leaves whole-stage
    code over 8,000 bytes of bytecode interpreted: ingest's parse took 77.8 task s instead of
    40.2 (10M, bench/README.md, nineteenth pass). A `--set spark.driver.extraJavaOptions=...`
    replaces the configured options, this one with them."""
    local = master.startswith("local")
    if HUGE_METHODS in (driver_args if local else executor_options.split()):
        return None
    where = (
        "spark.driver.extraJavaOptions (--driver-java-options under spark-submit)"
        if local
        else "spark.executor.extraJavaOptions"
    )
    return (
        f"the JVM that runs the tasks lacks {HUGE_METHODS}: add it to {where}, as conf/base.yaml "
        "has it; without it Spark's larger generated code runs interpreted (ingest about 2x slower)"
    )


def _warn_without_huge_methods(spark: SparkSession) -> None:
    """Log `huge_methods_warning` for the running session, if any."""
    try:
        runtime = spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean()
        driver_args = [str(a) for a in runtime.getInputArguments()]
    except Exception:  # not a JVM we can ask: say nothing
        return
    conf = spark.sparkContext.getConf()
    message = huge_methods_warning(
        conf.get("spark.master", "local"),
        driver_args,
        conf.get("spark.executor.extraJavaOptions", ""),
    )
    if message:
        log.warning(message)


def has_function(spark: SparkSession, name: str) -> bool:
    """True when the session knows the function, e.g. one of footfall's Spark extension
    (`jvm/footfall/spark/Extensions.java`), which a session without its jar lacks."""
    return spark.catalog.functionExists(name)


def _extensions(settings: Mapping[str, str]) -> dict[str, str]:
    """Delta's session extension, and footfall's (`jvm/`: one hash aggregate where Spark 4.2 plans
    two over clustered rows, and the functions `has_function` finds) when its jar is on the
    classpath: in the local jar cache, or given with spark-submit's --jars (if the class is
    missing there, Spark warns once and goes on, with Spark's own plans and built-ins)."""
    jars = settings.get("spark.jars", "")
    if EXTENSION_JAR in jars or _submitted():
        delta = DELTA_SETTINGS["spark.sql.extensions"]
        return {"spark.sql.extensions": f"{delta},{EXTENSION_CLASS}"}
    return {}


KRYO = "org.apache.spark.serializer.KryoSerializer"
KRYO_REGISTRATOR = "spark.kryo.registrator"
NO_AUTO_RESET = "footfall.spark.KryoNoAutoReset"


def kryo_settings(settings: Mapping[str, str], jars: str) -> dict[str, str]:
    """Kryo without its reset after every object (`jvm/footfall/spark/KryoNoAutoReset.java`)
    when the serializer is Kryo and footfall's extension jar is among jars (the classpath's: a
    registrator Spark cannot load fails every task, where a missing session extension only
    warns); after a registrator the settings already name. Kept rows (local checkpoints) are
    stored serialised: without the reset each row no longer names its class again. Measured on
    the 10M bench, one core each at the same time: ingest 98.7 -> 95.6 executor s, presence
    69.9 -> 66.1 (bench/README.md, twentieth pass)."""
    if settings.get("spark.serializer") != KRYO or EXTENSION_JAR not in jars:
        return {}
    given = [r.strip() for r in settings.get(KRYO_REGISTRATOR, "").split(",") if r.strip()]
    if NO_AUTO_RESET in given:
        return {}
    return {KRYO_REGISTRATOR: ",".join([*given, NO_AUTO_RESET])}


def _submitted_jars() -> str:
    """The jars spark-submit put on the driver's classpath (--jars, --packages): its
    spark.jars, read from the driver JVM before the session starts; empty if it cannot be read."""
    try:
        from pyspark import SparkContext

        SparkContext._ensure_initialized()
        return str(SparkContext._jvm.java.lang.System.getProperty("spark.jars", "") or "")
    except Exception:  # no readable JVM: leave Kryo as configured
        return ""


def _submitted() -> bool:
    """True under spark-submit, where jars come from --jars / --packages."""
    return "PYSPARK_GATEWAY_PORT" in os.environ or "SPARK_SUBMIT_OPTS" in os.environ
