#!/usr/bin/env bash
# The demo on a loopback Spark standalone cluster (`make cluster-demo`; docs/cluster.md):
#   1. package dist/ (wheel, footfall.zip, jobs, conf, jars)
#   2. generate synthetic data locally (the operator's landing zone)
#   3. start a master and WORKERS workers on 127.0.0.1 (stopped on exit, failure or Ctrl-C)
#   4. spark-submit dist/jobs/run.py to the cluster (client mode) from outside the repository
#   5. run the same range in local mode into a second lake, with the same key
#   6. compare the two lakes' released tables (scripts/compare_lakes.py); exit 1 if they differ
#
# Settings (environment): WORKERS=1|2 (default 2), DEMO_FROM/DEMO_TO (default 2026-03-16 ..
# 2026-03-29), SUBSCRIBERS (default 5000), DEMO_DIR (default <repo>/data/cluster-demo),
# MASTER_PORT (default 7077, a free port if taken), COMPARE_ALL=1 to compare every table.
# Generated data and the local lake are reused by later runs with the same settings, so
# `WORKERS=1 make cluster-demo; WORKERS=2 make cluster-demo` times the cluster run alone twice.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=$ROOT/.venv/bin/python
WORKERS=${WORKERS:-2}
DEMO_FROM=${DEMO_FROM:-2026-03-16}
DEMO_TO=${DEMO_TO:-2026-03-29}
SUBSCRIBERS=${SUBSCRIBERS:-5000}
DEMO_DIR=${DEMO_DIR:-$ROOT/data/cluster-demo}
WORKER_CORES=${WORKER_CORES:-1}
WORKER_MEMORY=${WORKER_MEMORY:-3g}
DRIVER_MEMORY=${DRIVER_MEMORY:-2g}
PLACEHOLDER=/tmp/footfall-cluster-demo

case "$WORKERS" in 1 | 2) ;; *) echo "cluster-demo: WORKERS must be 1 or 2" >&2; exit 2 ;; esac
case "$DEMO_DIR" in /*) ;; *) DEMO_DIR=$ROOT/$DEMO_DIR ;; esac
[ -x "$PY" ] || { echo "cluster-demo: $PY not found: run \`make setup\`" >&2; exit 2; }

export SPARK_HOME
SPARK_HOME=$("$PY" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
export SPARK_LOCAL_IP=127.0.0.1 SPARK_MASTER_HOST=127.0.0.1
export PYSPARK_PYTHON=$ROOT/.venv/bin/python PYSPARK_DRIVER_PYTHON=$ROOT/.venv/bin/python
export SPARK_DAEMON_MEMORY=${SPARK_DAEMON_MEMORY:-512m}
# for the local-mode steps only (generate, the comparison run, the lake comparison)
export FOOTFALL_JARS_DIR=${FOOTFALL_JARS_DIR:-$ROOT/.cache/jars}
# the cluster's JVMs on the Java that footfall's local drivers run on (README "Which Java")
JAVA_HOME=$("$PY" -c 'from footfall.runtime import java; print(java.choose() or "")')
export JAVA_HOME
SPARK_CLASS=$ROOT/.venv/bin/spark-class
SPARK_SUBMIT=$ROOT/.venv/bin/spark-submit

log() { printf '%s cluster-demo: %s\n' "$(date +%H:%M:%S)" "$*"; }
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_taken() { "$PY" -c 'import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0)' "$1"; }

# ---- stop whatever this script started, however it ends ---------------------------------------
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "${#PIDS[@]}" -gt 0 ]; then
    log "stopping the cluster (pids ${PIDS[*]})"
    local i
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; done
    for _ in $(seq 1 30); do
      local alive=0
      for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ "$alive" = 0 ] && break
      sleep 0.5
    done
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 1. package ---------------------------------------------------------------------------------
log "packaging dist/"
"$ROOT/scripts/package.sh" >/dev/null
DIST=$ROOT/dist

# ---- 2. demo folder, key, conf, data ------------------------------------------------------------
mkdir -p "$DEMO_DIR"
KEY_FILE=$DEMO_DIR/footfall.key
if [ ! -s "$KEY_FILE" ]; then
  (umask 077 && "$PY" -c 'import secrets; print(secrets.token_hex(32))' >"$KEY_FILE")
fi
chmod 600 "$KEY_FILE"

# a conf with absolute paths, beside a copy of base.yaml (footfall overlays the profile on it)
CONF_DIR=$DEMO_DIR/conf
mkdir -p "$CONF_DIR"
cp "$DIST/conf/base.yaml" "$CONF_DIR/base.yaml"
sed "s|$PLACEHOLDER|$DEMO_DIR|g" "$DIST/conf/cluster-demo.yaml" >"$CONF_DIR/cluster-demo.yaml"
CONF=$CONF_DIR/cluster-demo.yaml
INPUT=$DEMO_DIR/input
mkdir -p "$DEMO_DIR/spark-events"

DAYS=$("$PY" -c 'import datetime as d,sys; a,b=(d.date.fromisoformat(x) for x in sys.argv[1:]); print((b-a).days+1)' "$DEMO_FROM" "$DEMO_TO")
DATA_ID="subscribers=$SUBSCRIBERS days=$DAYS start=$DEMO_FROM"
if [ "$(cat "$INPUT/.generated" 2>/dev/null)" != "$DATA_ID" ]; then
  log "generating demo data ($DATA_ID) into $INPUT"
  rm -rf "$INPUT"
  "$ROOT/.venv/bin/footfall" generate --conf "$ROOT/conf/local.yaml" --out "$INPUT" \
    --subscribers "$SUBSCRIBERS" --days "$DAYS" --start "$DEMO_FROM" \
    --set "paths.landing=$INPUT/landing" --set "paths.reference=$INPUT/reference" \
    --set "paths.ground_truth=$INPUT/ground_truth" >"$DEMO_DIR/generate.log" 2>&1 \
    || { tail -20 "$DEMO_DIR/generate.log" >&2; exit 1; }
  echo "$DATA_ID" >"$INPUT/.generated"
  rm -rf "$DEMO_DIR/lake-local"
else
  log "reusing demo data in $INPUT ($DATA_ID)"
fi

# ---- 3. the cluster: master + workers on 127.0.0.1 ----------------------------------------------
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/footfall-cluster.XXXXXX")
MASTER_PORT=${MASTER_PORT:-7077}
if port_taken "$MASTER_PORT"; then MASTER_PORT=$(free_port); fi
MASTER_UI=$(free_port)
MASTER_URL=spark://127.0.0.1:$MASTER_PORT
log "starting master $MASTER_URL (UI http://127.0.0.1:$MASTER_UI) and $WORKERS worker(s); logs in $RUN_DIR"
# Daemons and executors get neither the token key nor the submitting shell's footfall settings.
env -u FOOTFALL_TOKEN_KEY -u FOOTFALL_JARS_DIR \
  "$SPARK_CLASS" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port "$MASTER_PORT" --webui-port "$MASTER_UI" \
  >"$RUN_DIR/master.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 "$WORKERS"); do
  mkdir -p "$RUN_DIR/worker$i" "$RUN_DIR/local$i"
  env -u FOOTFALL_TOKEN_KEY -u FOOTFALL_JARS_DIR SPARK_LOCAL_DIRS="$RUN_DIR/local$i" \
    "$SPARK_CLASS" org.apache.spark.deploy.worker.Worker "$MASTER_URL" \
    --host 127.0.0.1 --cores "$WORKER_CORES" --memory "$WORKER_MEMORY" \
    --webui-port "$(free_port)" --work-dir "$RUN_DIR/worker$i" \
    >"$RUN_DIR/worker$i.log" 2>&1 &
  PIDS+=($!)
done

alive_workers() {
  curl -s --max-time 2 "http://127.0.0.1:$MASTER_UI/json/" 2>/dev/null |
    "$PY" -c 'import json,sys; print(json.load(sys.stdin).get("aliveworkers", 0))' 2>/dev/null || echo 0
}
for _ in $(seq 1 120); do
  [ "$(alive_workers)" -ge "$WORKERS" ] && break
  for pid in "${PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "cluster-demo: a Spark daemon died; see $RUN_DIR/*.log" >&2; tail -20 "$RUN_DIR"/*.log >&2; exit 1; }
  done
  sleep 1
done
[ "$(alive_workers)" -ge "$WORKERS" ] || { echo "cluster-demo: workers did not register in 120 s; see $RUN_DIR" >&2; exit 1; }
log "$WORKERS worker(s) registered with the master"

# ---- 4. the pipeline on the cluster, submitted from outside the repository ----------------------
rm -rf "$DEMO_DIR/lake-cluster" "$DEMO_DIR/reports-cluster"
log "spark-submit dist/jobs/run.py --from $DEMO_FROM --to $DEMO_TO to $MASTER_URL"
JARS=$(ls "$DIST"/jars/*.jar | paste -sd, -)
started=$(date +%s.%N)
set +e
(
  cd "$DEMO_DIR"
  # the key reaches the driver alone, as an environment variable (not an argument, not --conf)
  FOOTFALL_TOKEN_KEY=$(cat "$KEY_FILE") FOOTFALL_EXPECTATIONS_DIR=$DIST/expectations \
    exec env -u FOOTFALL_JARS_DIR "$SPARK_SUBMIT" \
    --master "$MASTER_URL" --deploy-mode client \
    --driver-memory "$DRIVER_MEMORY" --driver-java-options -XX:-DontCompileHugeMethods \
    --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 \
    --jars "$JARS" \
    --py-files "$DIST/footfall.zip" \
    "$DIST/jobs/run.py" --conf "$CONF" --from "$DEMO_FROM" --to "$DEMO_TO"
) >"$DEMO_DIR/cluster-run.log" 2>&1 &
# in the background so that a TERM/INT reaches the trap at once (bash defers traps until a
# foreground child ends); cleanup stops spark-submit first, then the daemons
SUBMIT_PID=$!
PIDS+=("$SUBMIT_PID")
wait "$SUBMIT_PID"
rc=$?
PIDS=("${PIDS[@]:0:${#PIDS[@]}-1}")
set -e
elapsed=$("$PY" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$started" "$(date +%s.%N)")
grep -E "cluster-demo|footfall|\[[0-9]+/[0-9]+\]|ERROR" "$DEMO_DIR/cluster-run.log" | grep -v WARN | tail -15 || true
if [ "$rc" -ne 0 ]; then
  echo "cluster-demo: the cluster run exited $rc (METHOD 10: 2 config, 3 gate blocked, 1 failure); log $DEMO_DIR/cluster-run.log" >&2
  exit "$rc"
fi
apps=$(ls -d "$RUN_DIR"/worker*/app-* 2>/dev/null | wc -l)
execs=$(ls -d "$RUN_DIR"/worker*/app-*/* 2>/dev/null | wc -l)
log "cluster run: ${elapsed}s on $WORKERS worker(s); $execs executor(s) ran in $apps app folder(s)"
echo "$(date -Iseconds) workers=$WORKERS subscribers=$SUBSCRIBERS range=$DEMO_FROM..$DEMO_TO cluster_seconds=$elapsed" \
  >>"$DEMO_DIR/timings.txt"

# The cluster is no longer needed: stop it before the local run frees its memory.
cleanup_cluster() {
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
cleanup_cluster

# ---- 5. the same range in local mode, same data and key -----------------------------------------
LOCAL_ID="$DATA_ID range=$DEMO_FROM..$DEMO_TO"
if [ "$(cat "$DEMO_DIR/lake-local/.complete" 2>/dev/null)" != "$LOCAL_ID" ]; then
  log "local-mode run of the same range into $DEMO_DIR/lake-local"
  rm -rf "$DEMO_DIR/lake-local" "$DEMO_DIR/reports-local"
  started=$(date +%s.%N)
  FOOTFALL_TOKEN_KEY=$(cat "$KEY_FILE") FOOTFALL_EXPECTATIONS_DIR=$DIST/expectations \
    "$ROOT/.venv/bin/footfall" run --conf "$ROOT/conf/local.yaml" \
    --set "paths.landing=$INPUT/landing" --set "paths.reference=$INPUT/reference" \
    --set "paths.ground_truth=$INPUT/ground_truth" \
    --set "paths.lake=$DEMO_DIR/lake-local" --set "paths.reports=$DEMO_DIR/reports-local" \
    --set tokenisation.key_file= --set tokenisation.key_env=FOOTFALL_TOKEN_KEY \
    --set tokenisation.create_key_if_missing=false \
    --from "$DEMO_FROM" --to "$DEMO_TO" >"$DEMO_DIR/local-run.log" 2>&1 \
    || { tail -20 "$DEMO_DIR/local-run.log" >&2; echo "cluster-demo: the local run failed" >&2; exit 1; }
  local_elapsed=$("$PY" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$started" "$(date +%s.%N)")
  echo "$LOCAL_ID" >"$DEMO_DIR/lake-local/.complete"
  echo "$(date -Iseconds) local[2] subscribers=$SUBSCRIBERS range=$DEMO_FROM..$DEMO_TO local_seconds=$local_elapsed" \
    >>"$DEMO_DIR/timings.txt"
  log "local run: ${local_elapsed}s"
else
  log "reusing the local-mode lake $DEMO_DIR/lake-local"
fi

# ---- 6. the two lakes must hold the same released statistics ------------------------------------
log "comparing the released tables of the cluster and local lakes"
compare_args=()
[ "${COMPARE_ALL:-0}" = 1 ] && compare_args+=(--all)
if ! "$PY" "$ROOT/scripts/compare_lakes.py" "$DEMO_DIR/lake-local" "$DEMO_DIR/lake-cluster" \
  "${compare_args[@]}" 2>"$DEMO_DIR/compare.log"; then
  echo "cluster-demo: the cluster and local lakes differ (or the comparison failed; $DEMO_DIR/compare.log)" >&2
  exit 1
fi
log "done: cluster ${elapsed}s on $WORKERS worker(s); timings in $DEMO_DIR/timings.txt"
