#!/usr/bin/env bash
# Rollout latency benchmark: a real cluster of processes on this machine (one coordinator with an
# embedded ZooKeeper, N agent processes of sync-cli/target/wpsync.jar, loopback only), a base release
# of a generated wp-content tree, then M rollouts of a one-file change. Per rollout: edit one file,
# upload the tree as a release (not timed), POST /api/v1/rollouts, poll GET /api/v1/rollouts/{id}
# until every agent reported SWITCHED. Prints p50/p95/max of rollout latency (as the client saw it
# and from the rollout's records), prepare phase, each agent's prepare, commit->last switch, switch
# skew, then machine-readable lines:
#
#   rollout_polling poll_rps=R achieved_rps=… slowdown_p50=… slowdown_mean=… … goal=1.10 verdict=met|missed
#   rollout agents=N rollouts=M latency_p50_ms=… latency_p99_ms=… skew_p50_ms=… skew_max_ms=… poll_rps=R
#   rollout agents=N rollouts=M latency_p50_ms=… latency_p99_ms=… skew_p50_ms=… skew_max_ms=… poll_rps=0
#
# Default mode runs BOTH without status polling and with R req/s of status polling (GET
# /api/v1/rollouts/{id} and /api/v1/agents, read token, own thread pool), interleaved 0,R,R,0,...
# in one run, and prints the slowdown ratio (issue 5's load check: goal <= 10% slower).
# Every process is stopped on exit, also on failure, Ctrl-C or timeout.
#
# Usage: bench/rollout.sh [-n agents] [-m rollouts] [-r rps] [-p threads] [-w warmup] [-f files]
#                         [-b bytes] [-1] [-t minutes] [-k] [-h]
#   -n agent processes (default 10)   -m measured rollouts per mode (default 30)
#   -r status polling req/s (default 300)   -p polling threads = most requests in flight (default 64)
#   -w unmeasured warm-up rollouts (default 3)
#   -f files in the tree (default 3000)     -b bytes of the tree (default 67108864)
#   -1 one mode only: polling at -r (use -r 0 for none), no comparison
#   -t stop everything after this many minutes (default 40)   -k keep the work directory
# Env: MVN_FLAGS (default -o), JAVA_OPTS (bench JVM), WORK_PARENT (default /tmp)
set -euo pipefail

N=10 M=30 RPS=300 THREADS=64 WARMUP=3 FILES=3000 BYTES=67108864 COMPARE=1 MINUTES=40 KEEP=0
while getopts "n:m:r:p:w:f:b:1t:kh" o; do
  case "$o" in
    n) N=$OPTARG ;; m) M=$OPTARG ;; r) RPS=$OPTARG ;; p) THREADS=$OPTARG ;; w) WARMUP=$OPTARG ;; f) FILES=$OPTARG ;;
    b) BYTES=$OPTARG ;; 1) COMPARE=0 ;; t) MINUTES=$OPTARG ;; k) KEEP=1 ;;
    *) sed -n '2,27p' "$0"; exit 2 ;;
  esac
done
(( COMPARE == 0 || RPS > 0 )) || { echo "rollout.sh: comparing needs -r > 0 (or -1 for one mode)" >&2; exit 2; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BENCH_JAR=bench/target/wpsync-bench.jar
WPSYNC_JAR=sync-cli/target/wpsync.jar
log() { echo "[rollout-bench $(date +%T)] $*" >&2; }

# ---- build (only when a source is newer than the jars) --------------------------------------------
if [[ ! -f $BENCH_JAR || ! -f $WPSYNC_JAR \
      || -n $(find bench/src sync-*/src/main -newer "$BENCH_JAR" -type f | head -1) \
      || -n $(find sync-*/src/main -newer "$WPSYNC_JAR" -type f | head -1) ]]; then
  log "building $WPSYNC_JAR and $BENCH_JAR"
  flock /tmp/wpsync-mvn.lock mvn -B -q ${MVN_FLAGS:--o} -pl sync-cli,bench -am package -DskipTests >&2
fi

WORK=$(mktemp -d "${WORK_PARENT:-/tmp}/wpsync-rollout.XXXXXX")
BENCH_PID=

# every process below ours, deepest first, by pid
descendants() {
  local p c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do descendants "$c"; echo "$c"; done
}
cleanup() {
  set +e
  if [[ -n $BENCH_PID ]] && kill -0 "$BENCH_PID" 2>/dev/null; then
    local pids; pids=$(descendants "$BENCH_PID")
    kill -TERM "$BENCH_PID" 2>/dev/null          # the bench JVM stops its daemons itself ...
    for _ in $(seq 1 50); do kill -0 "$BENCH_PID" 2>/dev/null || break; sleep 0.2; done
    for p in $pids $BENCH_PID; do kill -KILL "$p" 2>/dev/null; done   # ... or is made to
  fi
  wait 2>/dev/null
  if [[ -z $WORK ]]; then
    :
  elif (( KEEP )); then
    log "work directory kept: $WORK"
  else
    chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ARGS=(--dir "$WORK" --jar "$WPSYNC_JAR" --agents "$N" --rollouts "$M" --warmup "$WARMUP"
      --files "$FILES" --bytes "$BYTES" --poll-rps "$RPS" --poll-threads "$THREADS" --timeout-minutes "$MINUTES")
(( COMPARE )) && ARGS+=(--compare)
log "work directory $WORK; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
java ${JAVA_OPTS:-} -cp "$BENCH_JAR" io.wpsync.bench.rollout.RolloutBench "${ARGS[@]}" &
BENCH_PID=$!
rc=0
wait "$BENCH_PID" || rc=$?
BENCH_PID=
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$rc"
