"""The driver's class archive (runtime.class_archive): named by what it depends on, given to a
driver only when it exists and the options set no CDS of their own."""

import pytest
from footfall.runtime import class_archive
from footfall.runtime.class_archive import archive_path, driver_options

JVM = "-XX:-DontCompileHugeMethods"


@pytest.fixture
def jars(tmp_path):
    folder = tmp_path / "jars"
    folder.mkdir()
    (folder / "delta-spark.jar").write_bytes(b"delta")
    return folder


def test_no_archive_leaves_the_options_as_they_are(jars):
    assert driver_options(JVM, jars) == JVM
    assert driver_options("", jars) == ""


def test_an_archive_is_appended_to_the_options(jars):
    path = archive_path(jars)
    path.parent.mkdir()
    path.write_bytes(b"archive")
    assert path.parent == jars / "cds"
    assert driver_options(JVM, jars) == (
        f"{JVM} -XX:SharedArchiveFile={path} -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off"
    )
    assert driver_options("", jars).startswith(f"-XX:SharedArchiveFile={path} ")


def test_options_with_their_own_cds_setting_are_left_alone(jars):
    path = archive_path(jars)
    path.parent.mkdir()
    path.write_bytes(b"archive")
    for own in ("-Xshare:off", "-Xshare:auto", "-XX:SharedArchiveFile=/x.jsa",
                "-XX:ArchiveClassesAtExit=/y.jsa"):  # fmt: skip
        assert driver_options(f"{JVM} {own}", jars) == f"{JVM} {own}"


def test_a_changed_jar_names_another_archive(jars):
    before = archive_path(jars)
    (jars / "delta-spark.jar").write_bytes(b"delta, rebuilt")  # another size
    after = archive_path(jars)
    assert after != before
    (jars / "footfall-spark-ext.jar").write_bytes(b"ext")  # one jar more
    assert archive_path(jars) not in (before, after)


def test_without_java_there_is_no_archive(jars, monkeypatch):
    monkeypatch.setattr(class_archive, "_java", lambda: None)
    assert archive_path(jars) is None
    assert driver_options(JVM, jars) == JVM


def test_the_test_drivers_jvm_maps_the_archive_when_one_was_trained(spark):
    path = archive_path()
    if path is None or not path.is_file():
        pytest.skip("no class archive (`make class-archive` trains one)")
    jvm = spark.sparkContext._jvm
    args = list(jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
    assert f"-XX:SharedArchiveFile={path}" in args
