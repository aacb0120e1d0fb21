#!/usr/bin/env bash
# Local change capture benchmark: N live agents and one coordinator (embedded ZooKeeper, capture
# policy auto), IN ONE JVM (10 agent JVMs plus a coordinator are too heavy for a 2-core machine;
# each in-process agent still has its own store, release root, file watcher, peer server, HTTP
# server and ZooKeeper session, and talks to the others over loopback exactly as separate processes
# would). Every agent holds the generated wp-content tree (default: the scan benchmark's 20,000
# files / 1 GiB) as a LIVE release on disk (refused on tmpfs). Then M times: write one small PHP file
# into one agent's `current` (agents in turn) and measure until EVERY agent's `current` holds it.
# Prints per change the total and where it went (write -> proposal recorded -> commit -> last
# switch), then:
#
#   capture_bench agents=N changes=M releases=R p50_ms=… p90_ms=… p99_ms=… max_ms=… mean_ms=…
#   capture_phases write_to_proposal_p50_ms=… … commit_to_all_switched_p99_ms=…
#   capture_commit proposal_to_rollout_p50_ms=… … rollout_to_commit_p99_ms=… (commit = publish + prepare)
#   capture_cpu cpu_ms_per_change=… cpu_ms_per_change_per_agent=… busy_cores=… (the whole JVM, measured changes only)
#
# p99 is nearest-rank (of 50 changes: the largest). Goal: p99 < 2000 ms.
#
# Usage: bench/capture.sh [-n agents] [-m changes] [-w warmup] [-p pause_ms] [-k]
#   -n agents (default 10)  -m measured changes (default 50)  -w unmeasured warm-up changes (default 3)
#   -p pause between changes in ms (default 500)  -k keep the work directory
# Env: TREE (default bench/out/tree, generated if missing with FILES=20000 BYTES=1073741824 SEED=42),
#      WORK_PARENT (default bench/out), JAVA_OPTS (default -Xmx3g), MVN_FLAGS (default -o)
set -euo pipefail

N=10 M=50 WARMUP=3 PAUSE=500 KEEP=0
while getopts "n:m:w:p:kh" o; do
  case "$o" in
    n) N=$OPTARG ;; m) M=$OPTARG ;; w) WARMUP=$OPTARG ;; p) PAUSE=$OPTARG ;; k) KEEP=1 ;;
    *) sed -n '2,23p' "$0"; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
JAR=bench/target/wpsync-bench.jar
TREE=${TREE:-bench/out/tree}
WORK_PARENT=${WORK_PARENT:-bench/out}
log() { echo "[capture-bench $(date +%T)] $*" >&2; }

if [[ ! -f $JAR || -n $(find bench/src sync-*/src/main -newer "$JAR" -type f | head -1) ]]; then
  log "building $JAR"
  flock /tmp/wpsync-mvn.lock mvn -B -q ${MVN_FLAGS:--o} -pl bench -am package -DskipTests >&2
fi

mkdir -p "$WORK_PARENT"
WORK=$(mktemp -d "$WORK_PARENT/capture-XXXXXX")
cleanup() { if (( KEEP == 0 )); then rm -rf "$WORK"; else log "kept $WORK"; fi; }
trap cleanup EXIT
if [[ $(stat -f -c %T "$WORK") == tmpfs ]]; then
  echo "capture.sh: $WORK is on tmpfs; the benchmark must run on disk (set WORK_PARENT)" >&2; exit 2
fi
if [[ -d $TREE ]]; then TREE_BYTES=$(du -sb "$TREE" | cut -f1); else TREE_BYTES=${BYTES:-1073741824}; fi
NEED=$(( TREE_BYTES * (2 * N + 2) / 1024 ))   # per agent: store + live copy; coordinator store; slack
FREE=$(df -k --output=avail "$WORK" | tail -1)
if (( FREE < NEED )); then
  echo "capture.sh: needs ~$(( NEED / 1048576 )) GiB free under $WORK_PARENT, has $(( FREE / 1048576 )) GiB (use fewer agents or a smaller tree: BYTES=...)" >&2
  exit 2
fi

log "tree $TREE, work $WORK ($(stat -f -c %T "$WORK")), $N agents, $M changes (+$WARMUP warm-up), pause $PAUSE ms"
log "inotify: max_user_watches=$(cat /proc/sys/fs/inotify/max_user_watches 2>/dev/null || echo ?) max_user_instances=$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo ?); load $(cut -d' ' -f1-3 /proc/loadavg)"
java ${JAVA_OPTS:--Xmx3g} -cp "$JAR" io.wpsync.bench.capture.CaptureBench "$TREE" "$WORK/run" "$N" "$M" "$WARMUP" "$PAUSE"
log "done; load $(cut -d' ' -f1-3 /proc/loadavg)"
