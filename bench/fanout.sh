#!/usr/bin/env bash
# Fan-out benchmark: N agent processes, each in its own network namespace behind a tc-shaped link
# of R Mbit/s in each direction, fetch a release from one origin and from each other (swarm run),
# then everyone pulls everything from the origin alone (baseline run). Prints one final line:
#
#   fanout agents=N bytes=B link_mbit=R seconds=T limit_seconds=L ratio=T/L origin_egress_ratio=E baseline_seconds=S
#
# L = B*8/(R*10^6) is the physical lower bound (every agent must receive B bytes through its link).
# Needs root (ip netns, tc). Traffic stays inside namespaces it creates (10.99.0.0/24 on a bridge in
# its own namespace); everything is removed on exit, also on failure or Ctrl-C. Bounded in time.
#
# Usage: bench/fanout.sh [-n agents] [-r mbit] [-m release_mib] [-p piece_kib] [-k] [-h]
#   -n agents (default 20)   -r link Mbit/s (default 100)   -m release MiB (default 128)
#   -p piece size KiB (default 1024)   -s skip the baseline run   -k keep the output directory
set -euo pipefail

N=20 R=100 MIB=128 PIECE_KIB=1024 SKIP_BASELINE=0 KEEP=0 WARM_MIB=12
MTU=${FANOUT_MTU:-1500}   # FANOUT_MTU=9000: jumbo frames (as on many cloud pod networks), fewer packets
while getopts "n:r:m:p:skh" o; do
  case "$o" in
    n) N=$OPTARG ;; r) R=$OPTARG ;; m) MIB=$OPTARG ;; p) PIECE_KIB=$OPTARG ;;
    s) SKIP_BASELINE=1 ;; k) KEEP=1 ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
  esac
done
(( N >= 1 && N <= 200 )) || { echo "agents must be 1..200" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "fanout.sh needs root (ip netns, tc)" >&2; exit 2; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=wpsync-fo
BR_NS=$PREFIX-br
PORT=7420
WORK=$(mktemp -d /dev/shm/wpsync-fanout.XXXXXX)   # tmpfs: the disk must not be the bottleneck
PIDS=()

cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  for i in $(seq 0 "$N"); do ip netns del "$PREFIX-$i" 2>/dev/null; done
  ip netns del "$BR_NS" 2>/dev/null
  if (( KEEP )); then echo "output kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT INT TERM

log() { echo "[fanout $(date +%T)] $*" >&2; }
# CPU ticks used by the given processes, and the machine's busy/total ticks (to tell a CPU-bound run)
proc_ticks() { local t=0 p; for p in "$@"; do
  [[ -r /proc/$p/stat ]] && t=$(( t + $(awk '{print $14 + $15}' "/proc/$p/stat") )); done; echo "$t"; }
machine_ticks() { awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
now_ms() { date +%s%3N; }

# ---- build: the classes the agents run (sync-core, the agent's peer + fetch packages, this harness)
# compiled with javac against the agent's Maven classpath, so unrelated modules need not compile
log "building"
cd "$ROOT"
if [[ -n ${FANOUT_DEPS_CP:-} ]]; then   # a saved classpath file, e.g. while the poms are being edited
  cp "$FANOUT_DEPS_CP" "$WORK/cp.txt"
else
  flock /tmp/wpsync-mvn.lock mvn -B -o -q -pl sync-agent dependency:build-classpath \
    -Dmdep.includeScope=runtime -Dmdep.outputFile="$WORK/cp.txt" >&2
fi
CP=$(tr ':' '\n' < "$WORK/cp.txt" | grep -v '/io/wpsync/' | paste -sd:)
mkdir -p "$WORK/classes"
javac -nowarn -d "$WORK/classes" -cp "$CP" \
  $(find sync-core/src/main/java sync-agent/src/main/java/io/wpsync/agent/peer \
         sync-agent/src/main/java/io/wpsync/agent/fetch bench/src/main/java/io/wpsync/bench/fanout -name '*.java')
CP="$WORK/classes:$CP"
JAVA=(java -Xms64m -Xmx192m -XX:+UseSerialGC -XX:ActiveProcessorCount=1
      -Dlogback.configurationFile="$ROOT/bench/fanout-logback.xml" -cp "$CP")

# ---- release ----------------------------------------------------------------------------------------
log "generating a ${MIB} MiB release (piece size ${PIECE_KIB} KiB)"
head -c 48 /dev/urandom | base64 > "$WORK/secret"
"${JAVA[@]}" io.wpsync.bench.fanout.FanoutRelease "$WORK/store-0" "$MIB" "$PIECE_KIB" "$WORK/release" >&2
read -r RELEASE BYTES FILES < "$WORK/release"

# ---- network: a bridge namespace, one namespace per agent, shaped veth pairs -----------------------
log "creating $((N + 1)) namespaces, links shaped to ${R} Mbit/s each way"
ip netns add "$BR_NS"
ip -n "$BR_NS" link add br0 type bridge
ip -n "$BR_NS" link set br0 up
ip -n "$BR_NS" link set lo up
BURST=$(( R * 1000000 / 8 / 100 ))      # 10 ms of traffic
(( BURST < 131072 )) && BURST=131072   # >= 2 GSO segments: smaller bursts make tbf split them (CPU)
for i in $(seq 0 "$N"); do
  ns="$PREFIX-$i"
  ip netns add "$ns"
  ip -n "$BR_NS" link add "vb$i" type veth peer name eth0 netns "$ns"
  ip -n "$BR_NS" link set "vb$i" mtu "$MTU"
  ip -n "$ns" link set eth0 mtu "$MTU"
  ip -n "$BR_NS" link set "vb$i" master br0
  ip -n "$BR_NS" link set "vb$i" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "10.99.0.$((10 + i))/24" dev eth0
  ip -n "$ns" link set eth0 up
  # tbf shapes egress only: shape the agent's side (its upload) and the bridge side (its download)
  ip netns exec "$ns" tc qdisc add dev eth0 root tbf rate "${R}mbit" burst "$BURST" latency 50ms
  ip netns exec "$BR_NS" tc qdisc add dev "vb$i" root tbf rate "${R}mbit" burst "$BURST" latency 50ms
done
{
  echo "origin 10.99.0.10 $PORT true"
  for i in $(seq 1 "$N"); do echo "agent-$i 10.99.0.$((10 + i)) $PORT false"; done
} > "$WORK/peers"

# every agent process must still run (they only exit after the stop file); else fail fast
alive() {
  local p
  for p in "${PIDS[@]}"; do
    kill -0 "$p" 2>/dev/null || { log "an agent process died; see the logs in $1 (-k keeps them)"; exit 1; }
  done
}

# ---- one run: start N+1 processes, release them at once, time the slowest -------------------------
# run <name> <baseline 0|1> ; sets RUN_SECONDS and RUN_ORIGIN_BYTES
run() {
  local name=$1 baseline=$2 dir="$WORK/run-$1" deadline
  mkdir -p "$dir"
  PIDS=()
  local origin_args=(--origin --seed-dedup-ms 5000 --origin-per-peer 2 --origin-uploads 8)
  (( baseline )) && origin_args=(--origin --seed-dedup-ms 0 --origin-per-peer 4 --origin-uploads 64)
  local max_s=$(( 120 + (baseline ? 3 : 1) * N * BYTES * 8 / (R * 1000000) ))
  for i in $(seq 0 "$N"); do
    local id="agent-$i" extra=() store="$WORK/$name-store-$i"
    (( i == 0 )) && { id=origin; extra=("${origin_args[@]}"); store="$WORK/store-0"; }
    (( baseline && i > 0 )) && extra=(--baseline)
    local jfr=()   # FANOUT_JFR=1: record agent-1 with Java Flight Recorder (profile in the output dir)
    [[ -n ${FANOUT_JFR:-} && $i == 1 ]] && jfr=(-XX:StartFlightRecording=filename="$dir/agent-1.jfr",settings=profile)
    ip netns exec "$PREFIX-$i" "${JAVA[@]}" "${jfr[@]}" io.wpsync.bench.fanout.FanoutAgent --id "$id" \
      --bind "10.99.0.$((10 + i))" --port "$PORT" --store "$store" --secret-file "$WORK/secret" \
      --peers "$WORK/peers" --release "$RELEASE" --run-dir "$dir" --max-seconds "$max_s" --warm-up-mib "$WARM_MIB" ${FANOUT_AGENT_OPTS:-} "${extra[@]}" \
      > "$dir/$id.log" 2>&1 &
    PIDS+=($!)
  done
  deadline=$(( $(date +%s) + 600 ))
  while (( $(ls "$dir" | grep -c '^ready-[a-z0-9-]*$' || true) < N + 1 )); do
    (( $(date +%s) < deadline )) || { log "agents did not start in time"; exit 1; }
    alive "$dir"
    sleep 0.2
  done
  sleep 1
  local go; go=$(now_ms)
  local agents_t0 machine_t0; agents_t0=$(proc_ticks "${PIDS[@]}"); machine_t0=$(machine_ticks)
  touch "$dir/go"
  log "$name: go (${N} agents)"
  deadline=$(( $(date +%s) + max_s ))
  while (( $(ls "$dir" | grep -c '^result-[a-z0-9-]*$' || true) < N )); do
    (( $(date +%s) < deadline )) || { log "$name: not finished within ${max_s}s"; exit 1; }
    alive "$dir"
    sleep 0.1
  done
  if grep -l '^failed' "$dir"/result-* >/dev/null 2>&1; then
    log "$name: some agents failed:"; grep -h '^failed' "$dir"/result-* >&2; exit 1
  fi
  local agents_t1 machine_t1; agents_t1=$(proc_ticks "${PIDS[@]}"); machine_t1=$(machine_ticks)
  read -r busy0 total0 <<< "$machine_t0"; read -r busy1 total1 <<< "$machine_t1"
  log "$name: cpu: machine busy $(( 100 * (busy1 - busy0) / (total1 - total0) ))%," \
      "fan-out processes $(( 100 * (agents_t1 - agents_t0) / (total1 - total0) ))% of $(nproc) cores"
  local last; last=$(sed -n 's/.*end_ms=\([0-9]*\).*/\1/p' "$dir"/result-* | sort -n | tail -1)
  RUN_SECONDS=$(awk -v a="$last" -v b="$go" 'BEGIN { printf "%.2f", (a - b) / 1000 }')
  touch "$dir/stop"
  deadline=$(( $(date +%s) + 30 ))
  until [[ -f "$dir/uploaded-origin" ]]; do
    (( $(date +%s) < deadline )) || { log "origin did not report"; exit 1; }
    sleep 0.1
  done
  RUN_ORIGIN_BYTES=$(cat "$dir/uploaded-origin")
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
  rm -rf "$WORK/$name"-store-*
  log "$name: ${RUN_SECONDS}s, origin uploaded ${RUN_ORIGIN_BYTES} bytes"
}

run swarm 0
SWARM_SECONDS=$RUN_SECONDS SWARM_ORIGIN=$RUN_ORIGIN_BYTES
BASELINE_SECONDS=skipped
if (( ! SKIP_BASELINE )); then
  run baseline 1
  BASELINE_SECONDS=$RUN_SECONDS
fi

awk -v n="$N" -v b="$BYTES" -v r="$R" -v t="$SWARM_SECONDS" -v o="$SWARM_ORIGIN" -v s="$BASELINE_SECONDS" 'BEGIN {
  l = b * 8 / (r * 1e6)
  printf "fanout agents=%d bytes=%d link_mbit=%d seconds=%.2f limit_seconds=%.2f ratio=%.2f origin_egress_ratio=%.2f baseline_seconds=%s\n",
    n, b, r, t, l, t / l, o / b, s
}'
