#!/usr/bin/env bash
# Build dist/ for spark-submit (docs/cluster.md): the footfall wheel, footfall.zip for --py-files,
# the job entry points, the conf profiles, the quality suites, the Delta jars and SUBMIT.txt.
#
#   scripts/package.sh                 # -> dist/
#   DIST=/some/dir scripts/package.sh  # elsewhere (the cluster test packages into a temp dir)
#   PACKAGE_WHEEL=0 scripts/package.sh # skip the wheel (offline; the zip is enough for --py-files)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PY:-$ROOT/.venv/bin/python}
DIST=${DIST:-$ROOT/dist}
JARS_DIR=${FOOTFALL_JARS_DIR:-$ROOT/.cache/jars}
PACKAGE_WHEEL=${PACKAGE_WHEEL:-1}

case "$DIST" in /*) ;; *) DIST=$ROOT/$DIST ;; esac
shopt -s nullglob
jars=("$JARS_DIR"/io.delta_delta-spark_*.jar "$JARS_DIR"/io.delta_delta-storage-*.jar)
if [ "${#jars[@]}" -lt 2 ]; then
  echo "package: Delta jars not found in $JARS_DIR: run \`make setup\` first" >&2
  exit 2
fi

rm -rf "$DIST"
mkdir -p "$DIST"/{jobs,conf,jars,expectations}

# 1. the wheel (pip install on the driver's / nodes' Python env; pulls pyyaml, GE, ...)
if [ "$PACKAGE_WHEEL" = 1 ]; then
  had_build=$([ -e "$ROOT/build" ] && echo 1 || echo 0)
  had_egg=$([ -e "$ROOT/lib/footfall.egg-info" ] && echo 1 || echo 0)
  if ! "$PY" -m pip wheel --quiet --no-deps -w "$DIST" "$ROOT" >"$DIST/.wheel.log" 2>&1; then
    cat "$DIST/.wheel.log" >&2
    echo "package: building the wheel failed (offline? PACKAGE_WHEEL=0 skips it)" >&2
    exit 1
  fi
  rm -f "$DIST/.wheel.log"
  # setuptools leaves build metadata in the source tree; remove only what this build created
  [ "$had_build" = 1 ] || rm -rf "$ROOT/build"
  [ "$had_egg" = 1 ] || rm -rf "$ROOT/lib/footfall.egg-info"
fi

# 2. footfall.zip for --py-files: the package alone, no bytecode (its dependencies are not in it)
"$PY" - "$ROOT/lib" "$DIST/footfall.zip" <<'EOF'
import sys, zipfile
from pathlib import Path

src, out = Path(sys.argv[1]), Path(sys.argv[2])
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
    for f in sorted((src / "footfall").rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc":
            zf.write(f, f.relative_to(src).as_posix())
EOF

# 3. entry points, profiles, suites and jars
cp "$ROOT"/jobs/*.py "$DIST/jobs/"
cp "$ROOT"/conf/*.yaml "$DIST/conf/"
cp "$ROOT"/expectations/*.yaml "$DIST/expectations/" 2>/dev/null || true
cp "${jars[@]}" "$DIST/jars/"
# footfall's session extension, when `make setup` built it (README "footfall's Spark extension")
[ -f "$JARS_DIR/footfall-spark-ext.jar" ] && cp "$JARS_DIR/footfall-spark-ext.jar" "$DIST/jars/"

DELTA_COORDS=$("$PY" -c 'from footfall.runtime.jars import delta_coordinates; print(delta_coordinates())')
JARS_CSV=$(cd "$DIST/jars" && ls *.jar | sed 's|^|dist/jars/|' | paste -sd, -)
WHEEL=$(cd "$DIST" && ls footfall-*.whl 2>/dev/null | head -1 || true)

cat >"$DIST/SUBMIT.txt" <<EOF
footfall $(cd "$ROOT" && "$PY" -c 'import footfall; print(footfall.__version__)') for spark-submit (see docs/cluster.md "Running on a cluster").

Contents
  ${WHEEL:-<no wheel: built with PACKAGE_WHEEL=0>}   pip install it into the driver's Python env
  footfall.zip            the footfall package for --py-files (no dependencies inside)
  jobs/*.py               one entry point per job (= footfall <job>)
  conf/*.yaml             base.yaml + profiles; the profile you pass must sit beside base.yaml
  expectations/*.yaml     quality suites: set FOOTFALL_EXPECTATIONS_DIR=<this dist>/expectations
  jars/*.jar              Delta Lake jars for --jars (or use --packages, below), and
                          footfall-spark-ext.jar (one hash aggregate where Spark plans two; pass
                          it with --jars, also with --packages: without it Spark warns once)

The Python env (driver and executors) needs the dependencies of pyproject.toml: pyspark 4.2,
delta-spark, pyyaml, great-expectations, pandas, matplotlib. The driver imports them (config,
quality gate, reports); executors run built-in Spark functions only. Ship a packed venv/conda env
(--archives env.tar.gz#env, PYSPARK_PYTHON=./env/bin/python) or install the wheel on every node.

Secrets: the token key comes from the file named by tokenisation.key_file (mode 0600, on the
driver) or the environment variable named by tokenisation.key_env, in the DRIVER's environment.
Executors need no key. Never pass the key with --conf / spark.*Env (they show in the UI and the
Spark event log).

Run from the dist/ folder (paths below are relative to it; any working directory works when you
give absolute paths). The conf passed with footfall's own --conf must name shared absolute paths.

# one job, jars shipped with the package
FOOTFALL_TOKEN_KEY=\$(cat /secure/footfall.key) \\
FOOTFALL_EXPECTATIONS_DIR=\$PWD/expectations \\
spark-submit --master spark://HOST:7077 --deploy-mode client \\
  --jars ${JARS_CSV//dist\//} \\
  --py-files footfall.zip \\
  jobs/ingest.py --conf conf/cluster.yaml --date 2026-03-16

# the same, Delta resolved from Maven Central instead of --jars
spark-submit --master spark://HOST:7077 --deploy-mode client \\
  --packages $DELTA_COORDS --jars jars/footfall-spark-ext.jar \\
  --py-files footfall.zip \\
  jobs/ingest.py --conf conf/cluster.yaml --date 2026-03-16

# the whole pipeline for a range, in order (ingest, origins, presence, release)
spark-submit --master spark://HOST:7077 --deploy-mode client \\
  --jars ${JARS_CSV//dist\//} --py-files footfall.zip \\
  jobs/run.py --conf conf/cluster.yaml --from 2026-03-16 --to 2026-03-29

# daily schedule: ingest D, origins P (once the month is complete), presence D, release D
spark-submit ... jobs/ingest.py   --conf conf/cluster.yaml --date D
spark-submit ... jobs/origins.py  --conf conf/cluster.yaml --period YYYY-MM
spark-submit ... jobs/presence.py --conf conf/cluster.yaml --date D
spark-submit ... jobs/release.py  --conf conf/cluster.yaml --date D
Exit codes: 0 done; 1 failure (retry); 2 bad arguments/config/missing key (fix config, no retry);
3 quality gate blocked the release (a data steward reads the report in paths.reports).
EOF

echo "package: built $DIST"
(cd "$DIST" && find . -type f | sort | sed 's|^\./|  |')
