"""Delta Lake JVM jars: resolved once from Maven Central into a local cache, then used offline."""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SCALA_VERSION = "2.13"
DELTA_JAR_PREFIXES = ("io.delta_delta-spark_", "io.delta_delta-storage-")
# footfall's own session extension (jvm/footfall/spark, `make setup` builds it into the cache)
EXTENSION_JAR = "footfall-spark-ext.jar"
EXTENSION_CLASS = "footfall.spark.Extensions"


def delta_version() -> str:
    """The installed delta-spark Python package's version; the JVM jar must match it."""
    from importlib.metadata import version

    return version("delta-spark")


def delta_coordinates() -> str:
    """Maven coordinates of delta-spark for the installed PySpark (as delta's pip_utils does)."""
    import pyspark

    major_minor = ".".join(pyspark.__version__.split(".")[:2])
    return f"io.delta:delta-spark_{major_minor}_{SCALA_VERSION}:{delta_version()}"


def default_jars_dir() -> Path:
    """Where resolved jars live: $FOOTFALL_JARS_DIR, else <repo or cwd>/.cache/jars."""
    env = os.environ.get("FOOTFALL_JARS_DIR")
    if env:
        return Path(env)
    return Path.cwd() / ".cache" / "jars"


def cached_jars(jars_dir: Path | None = None) -> list[str]:
    """The cached jar paths; empty when setup has not run."""
    d = jars_dir or default_jars_dir()
    return sorted(glob.glob(str(d / "*.jar")))


def resolve(jars_dir: Path) -> list[str]:
    """Resolve delta-spark and its dependencies with Spark's Ivy, copy the jars into jars_dir."""
    from pyspark.sql import SparkSession

    jars_dir = jars_dir.resolve()
    ivy_dir = jars_dir.parent / "ivy"
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("footfall-resolve-jars")
        .config("spark.jars.packages", delta_coordinates())
        .config("spark.jars.ivy", str(ivy_dir))
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.stop()
    jars_dir.mkdir(parents=True, exist_ok=True)
    found = glob.glob(str(ivy_dir / "jars" / "*.jar"))
    if not any("delta-spark" in Path(j).name for j in found):
        raise SystemExit(f"delta-spark jar was not resolved into {ivy_dir}/jars")
    # Only Delta's own jars: its transitive dependencies (parquet, log4j, hadoop, jackson) are
    # already in PySpark's jars/ at the versions Spark was built with, and duplicates conflict.
    for jar in found:
        if not Path(jar).name.startswith(DELTA_JAR_PREFIXES):
            continue
        shutil.copy2(jar, jars_dir / Path(jar).name)
    return cached_jars(jars_dir)


def build_extension(source: Path, jars_dir: Path) -> Path | None:
    """Compile footfall's session extension (the .java files under source) against the
    installed PySpark's jars into jars_dir/EXTENSION_JAR; None, with a warning, without a JDK."""
    import pyspark

    javac, jar_tool = shutil.which("javac"), shutil.which("jar")
    if not javac or not jar_tool:
        print(
            "warning: no JDK (javac) found: footfall runs without its Spark extension, with "
            "the same results and a slower events write (apt-get install openjdk-17-jdk-headless)",
            file=sys.stderr,
        )
        return None
    sources = sorted(str(p) for p in source.rglob("*.java"))
    spark_jars = Path(pyspark.__file__).parent / "jars"
    target = jars_dir / EXTENSION_JAR
    jars_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as classes:
        javac_args = ["--release", "17", "-nowarn", "-cp", f"{spark_jars}/*", "-d", classes]
        subprocess.run([javac, *javac_args, *sources], check=True)
        subprocess.run([jar_tool, "cf", str(target), "-C", classes, "."], check=True)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Resolve the Delta Lake jars into a local cache.")
    parser.add_argument("--dir", type=Path, default=default_jars_dir(), help="jar cache folder")
    parser.add_argument(
        "--extension",
        type=Path,
        metavar="SRC",
        help="build footfall's Spark extension from the .java files under SRC instead",
    )
    args = parser.parse_args(argv)
    if args.extension is not None:
        built = build_extension(args.extension, args.dir)
        if built is not None:
            print(f"Built footfall's Spark extension: {built}")
        return 0
    existing = cached_jars(args.dir)
    if any("delta-spark" in Path(j).name for j in existing):
        print(f"Delta jars already cached in {args.dir} ({len(existing)} jars)")
        return 0
    print(f"Resolving {delta_coordinates()} from Maven Central into {args.dir} ...")
    jars = resolve(args.dir)
    print(f"Cached {len(jars)} jars in {args.dir}:")
    for j in jars:
        print(f"  {Path(j).name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
