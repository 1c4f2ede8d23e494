"""A job's own session settings (runtime.session.job_settings), scoped SQL settings, and how
the session writes timestamps."""

import datetime as dt
import logging

from footfall.runtime.session import (
    HUGE_METHODS,
    _warn_without_huge_methods,
    huge_methods_warning,
    job_settings,
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
