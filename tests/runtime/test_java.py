"""The driver's Java runtime (runtime.java): the newest one Spark 4.2 supports among the installed
JDK homes, unless JAVA_HOME names one."""

import os
from pathlib import Path

from footfall.runtime import java


def _home(root, name, version, with_java=True):
    home = root / name
    (home / "bin").mkdir(parents=True)
    if with_java:
        (home / "bin" / "java").write_text("#!/bin/sh\n")
    if version is not None:
        (home / "release").write_text(f'IMPLEMENTOR="x"\nJAVA_VERSION="{version}"\n')
    return home


def test_the_version_is_read_from_the_release_file(tmp_path):
    assert java.version(_home(tmp_path, "a", "17.0.15")) == (17, 0, 15)
    assert java.version(_home(tmp_path, "b", "25")) == (25, 0, 0)
    assert java.version(_home(tmp_path, "c", None)) is None
    assert java.version(tmp_path / "missing") is None


def test_only_the_runtimes_spark_supports():
    assert java.supported((17, 0, 11)) and java.supported((21, 0, 8)) and java.supported((25, 0, 3))
    # too old an update of 17, 25 before the G1 fix, and versions Spark 4.2 does not list
    for found in [(17, 0, 10), (25, 0, 2), (11, 0, 20), (22, 0, 1), (26, 0, 0)]:
        assert not java.supported(found), found


def test_the_newest_supported_home_with_a_java_binary(tmp_path):
    _home(tmp_path, "jdk-17", "17.0.15")
    _home(tmp_path, "jdk-21", "21.0.4")
    _home(tmp_path, "jdk-25-early", "25.0.2")  # unsupported update
    _home(tmp_path, "jdk-26", "26.0.1")  # unsupported feature version
    _home(tmp_path, "jre-25-broken", "25.0.4", with_java=False)
    (tmp_path / "README").write_text("not a home")
    assert java.newest((tmp_path,)) == (tmp_path / "jdk-21").resolve()
    assert java.newest((tmp_path / "nowhere",)) is None


def test_choose_sets_java_home_only_when_it_is_unset(tmp_path, monkeypatch):
    newest = _home(tmp_path, "jdk-25", "25.0.3").resolve()
    monkeypatch.setenv("JAVA_HOME", "")  # so that the teardown restores the outer value
    monkeypatch.delenv("JAVA_HOME")
    assert java.choose((tmp_path,)) == newest
    assert os.environ["JAVA_HOME"] == str(newest)
    monkeypatch.setenv("JAVA_HOME", "/opt/my-jdk")
    assert java.choose((tmp_path,)) == Path("/opt/my-jdk")
    assert os.environ["JAVA_HOME"] == "/opt/my-jdk"
