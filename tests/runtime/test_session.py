"""A job's own session settings (runtime.session.job_settings), scoped SQL settings, Kryo's
registrator, and how the session writes timestamps."""

import datetime as dt
import logging

from footfall.runtime.jars import EXTENSION_JAR
from footfall.runtime.kept_rows import CHECKPOINT, keep
from footfall.runtime.session import (
    HUGE_METHODS,
    KRYO,
    KRYO_REGISTRATOR,
    NO_AUTO_RESET,
    _warn_without_huge_methods,
    huge_methods_warning,
    job_settings,
    kryo_settings,
    session_conf,
)

BASE = {"spark.driver.extraJavaOptions": "-XX:-DontCompileHugeMethods", "spark.master": "local[2]"}


def test_release_driver_gets_c1_appended_to_the_configured_options():
    got = job_settings("release", BASE)
    assert got["spark.driver.extraJavaOptions"] == (
        "-XX:-DontCompileHugeMethods -XX:TieredStopAtLevel=1"
    )
    assert got["spark.master"] == "local[2]"
    assert got["spark.sql.codegen.wholeStage"] == "false"
    assert BASE["spark.driver.extraJavaOptions"] == "-XX:-DontCompileHugeMethods"  # not mutated


def test_release_driver_without_configured_options_gets_c1_alone():
    got = job_settings("release", {"spark.master": "local[2]"})
    assert got["spark.driver.extraJavaOptions"] == "-XX:TieredStopAtLevel=1"


def test_other_jobs_and_the_whole_run_keep_the_configured_options():
    for job in ("ingest", "presence", "run", None):
        assert job_settings(job, BASE) == BASE


def test_session_conf_sets_for_the_block_then_restores_set_and_unset_keys(spark):
    key_set, key_unset = "spark.sql.codegen.wholeStage", "spark.footfall.test.unset"
    before = spark.conf.get(key_set)
    with session_conf(spark, {key_set: "false", key_unset: "x"}):
        assert spark.conf.get(key_set) == "false"
        assert spark.conf.get(key_unset) == "x"
    assert spark.conf.get(key_set) == before
    assert spark.conf.get(key_unset, None) is None


def test_delta_files_store_timestamps_as_int64_microseconds_not_int96(spark, tmp_path):
    # Parquet can skip row groups by an INT64 timestamp range, and any reader reads it
    at = dt.datetime(2026, 3, 23, 8, 15, 30, 123456)
    frame = spark.createDataFrame([(at,)], "event_time timestamp")
    frame.coalesce(1).write.format("delta").save(str(tmp_path / "t"))
    (file,) = (tmp_path / "t").glob("*.parquet")
    jvm = spark.sparkContext._jvm
    hadoop = jvm.org.apache.parquet.hadoop
    source = hadoop.util.HadoopInputFile.fromPath(
        jvm.org.apache.hadoop.fs.Path(str(file)), spark.sparkContext._jsc.hadoopConfiguration()
    )
    reader = hadoop.ParquetFileReader.open(source)
    try:
        schema = reader.getFooter().getFileMetaData().getSchema().toString()
    finally:
        reader.close()
    assert "int64 event_time (TIMESTAMP(MICROS,true))" in schema, schema
    assert spark.read.format("delta").load(str(tmp_path / "t")).first()[0] == at


def test_a_local_driver_without_the_huge_methods_option_is_named():
    # local mode: the driver JVM runs the tasks, so its own arguments count
    assert huge_methods_warning("local[2]", ["-Xmx6g", HUGE_METHODS], "") is None
    message = huge_methods_warning("local[2]", ["-Xmx6g", "-XX:StartFlightRecording"], "")
    assert "spark.driver.extraJavaOptions" in message and HUGE_METHODS in message


def test_executors_without_the_huge_methods_option_are_named():
    # a cluster: the executors run the tasks, with the options the config gives them
    assert huge_methods_warning("yarn", [], f"-Xss4m {HUGE_METHODS}") is None
    assert "spark.executor.extraJavaOptions" in huge_methods_warning("spark://m:7077", [], "-Xss4m")


def test_a_session_without_the_option_says_so_in_the_log(spark, caplog):
    # the test session's JVM has no such option (TEST_SPARK: small data, short methods), so
    # reading its own arguments must find the option missing
    with caplog.at_level(logging.WARNING, logger="footfall.runtime.session"):
        _warn_without_huge_methods(spark)
    assert [r.getMessage() for r in caplog.records if HUGE_METHODS in r.getMessage()]


JARS = f"/opt/jars/delta-spark.jar,/opt/jars/{EXTENSION_JAR}"


def test_kryo_runs_without_its_reset_only_with_kryo_and_the_extension_jar():
    assert kryo_settings({"spark.serializer": KRYO}, JARS) == {KRYO_REGISTRATOR: NO_AUTO_RESET}
    # Java serialization: no registrator; no extension jar: nothing Spark could load
    assert kryo_settings({}, JARS) == {}
    assert kryo_settings({"spark.serializer": KRYO}, "/opt/jars/delta-spark.jar") == {}


def test_a_configured_registrator_keeps_its_place_before_footfalls():
    settings = {"spark.serializer": KRYO, KRYO_REGISTRATOR: "com.acme.Rows"}
    assert kryo_settings(settings, JARS) == {KRYO_REGISTRATOR: f"com.acme.Rows,{NO_AUTO_RESET}"}
    named = {"spark.serializer": KRYO, KRYO_REGISTRATOR: f"{NO_AUTO_RESET}, com.acme.Rows"}
    assert kryo_settings(named, JARS) == {}


def test_the_session_kryo_does_not_reset_and_kept_rows_come_back_whole(spark):
    # the test session is built as the jobs' (TEST_SPARK: Kryo, the jar cache's extension)
    serializer = spark.sparkContext._jvm.org.apache.spark.SparkEnv.get().serializer()
    assert serializer.newInstance().getAutoReset() is False
    # rows of different widths and nulls kept as the jobs keep theirs (a local checkpoint stored
    # serialised: one stream of Kryo objects naming the row class once), read back three times
    rows = [(1, "a", None), (2, None, b"xy"), (3, "c" * 300, b"")]
    frame = spark.createDataFrame(rows, "n int, s string, b binary").coalesce(1)
    kept, free = keep(frame, CHECKPOINT)
    for _ in range(3):
        assert sorted(tuple(r) for r in kept.collect()) == [
            (1, "a", None),
            (2, None, bytearray(b"xy")),
            (3, "c" * 300, bytearray(b"")),
        ]
    free()
