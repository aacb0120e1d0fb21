#!/usr/bin/env bash
# Scan benchmark: how fast `wpsync` turns a wp-content tree into a manifest, next to coreutils.
#
#   (a) cold full-hash scan: a fresh JVM (`java -jar`, startup included), empty scan cache
#   (b) find T -type f -print0 | xargs -0 sha256sum                  (one hashing process)
#   (c) find T -type f -print0 | xargs -0 -P2 -n 500 sha256sum       (two hashing processes)
#   (d) warm rescan of the unchanged tree inside one process (cache filled by a first scan; 20
#       untimed rescans first, so the JIT is warm as in a long-running agent)
#   (e) find T -printf '%s %T@\n'                                    (a bare attribute walk)
#   (a') as (a), with an AppCDS archive of the classes a scan loads (made once by a training scan of
#        a small tree, as a container image would ship it): shows what JVM start-up costs in (a)
#
# The page cache is warm for all of them (one untimed read of the whole tree first), so this
# measures CPU and syscalls, not the disk. Each figure is the median of RUNS runs; (a), (b), (c)
# and (e) are interleaved round by round. Goals: b/a >= 3, c/a >= 1.5, d/e <= 2.
#
# Usage: bench/scan.sh [TREE_DIR]       (default bench/out/tree, generated once and reused)
# Env:   FILES (20000)  BYTES (1073741824)  SEED (42)  RUNS (5)  MVN_FLAGS (-o)  JAVA_OPTS ()
# Needs GNU time (/usr/bin/time, Debian package "time") for the CPU figures.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TREE=${1:-bench/out/tree}
FILES=${FILES:-20000}
BYTES=${BYTES:-1073741824}
SEED=${SEED:-42}
RUNS=${RUNS:-5}
JAR=bench/target/wpsync-bench.jar
JAVA=(java ${JAVA_OPTS:-} -jar "$JAR")

log() { echo "[scan-bench $(date +%T)] $*" >&2; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v g="$2" -v d="$3" 'BEGIN { ok = (d == "min") ? r >= g : r <= g; print ok ? "met" : "MISSED" }'; }
get() { sed -n "s/^$1=//p" <<<"$2"; }

# ---- build (only when a source is newer than the jar) ------------------------------------------
if [[ ! -f $JAR || -n $(find bench/src sync-core/src/main -newer "$JAR" -type f | head -1) ]]; then
  log "building $JAR"
  flock /tmp/wpsync-mvn.lock mvn -B -q ${MVN_FLAGS:--o} -pl bench -am package -DskipTests >&2
fi

# ---- the tree (regenerated only when its parameters change) ------------------------------------
PARAMS="files=$FILES bytes=$BYTES seed=$SEED"
if [[ ! -d $TREE || "$(cat "$TREE.params" 2>/dev/null)" != "$PARAMS" ]]; then
  log "generating $TREE ($PARAMS)"
  rm -rf "$TREE" "$TREE.params"
  mkdir -p "$(dirname "$TREE")"
  "${JAVA[@]}" generate "$TREE" --files "$FILES" --bytes "$BYTES" --seed "$SEED" >&2
  echo "$PARAMS" > "$TREE.params"
  sync
fi
# an AppCDS archive for (a'), from a training scan of a small tree
TRAIN=bench/out/train
CDS=bench/target/scan-cds.jsa
if [[ ! -d $TRAIN ]]; then
  "${JAVA[@]}" generate "$TRAIN" --files 300 --bytes 20000000 --seed 7 > /dev/null
fi
if [[ ! -f $CDS || $JAR -nt $CDS ]]; then
  log "training an AppCDS archive on $TRAIN"
  java -XX:ArchiveClassesAtExit="$CDS" ${JAVA_OPTS:-} -jar "$JAR" cold "$TRAIN" > /dev/null 2>&1
fi
NFILES=$(find "$TREE" -type f | wc -l)
NBYTES=$(du -sb --apparent-size "$TREE" | cut -f1)
log "tree $TREE: $NFILES files, $NBYTES bytes (apparent, incl. directories); warming the page cache"
find "$TREE" -type f -print0 | xargs -0 cat > /dev/null

# ---- measurements ---------------------------------------------------------------------------------
# measure CMD... : runs CMD (stdout to $OUT), appends wall seconds to W_<key> and user+sys CPU to C_<key>
OUT=$(mktemp); TIMES=$(mktemp); trap 'rm -f "$OUT" "$TIMES"' EXIT
declare -A W C
measure() {
  local key=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$TIMES" "$@" > "$OUT"
  read -r w u s < "$TIMES"
  W[$key]+="$w "; C[$key]+="$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }') "
}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
A_IN=""
for ((r = 1; r <= RUNS; r++)); do
  log "round $r/$RUNS"
  measure a "${JAVA[@]}" cold "$TREE"; A_IN+="$(get cold_scan_seconds "$(cat "$OUT")") "; COLD=$(cat "$OUT")
  measure a_cds java -XX:SharedArchiveFile="$CDS" ${JAVA_OPTS:-} -jar "$JAR" cold "$TREE"
  measure b sh -c 'find "$1" -type f -print0 | xargs -0 sha256sum' sh "$TREE"
  measure c sh -c 'find "$1" -type f -print0 | xargs -0 -P2 -n 500 sha256sum' sh "$TREE"
  measure e find "$TREE" -printf '%s %T@\n'
done
log "warm rescans ($RUNS, one process)"
WARM=$("${JAVA[@]}" warm "$TREE" --warmup 20 --repeat "$RUNS")

a=$(median <<<"${W[a]}"); a_in=$(median <<<"$A_IN"); a_cds=$(median <<<"${W[a_cds]}")
b=$(median <<<"${W[b]}"); c=$(median <<<"${W[c]}"); e=$(median <<<"${W[e]}")
d=$(get warm_scan_seconds "$WARM")
ba=$(ratio "$b" "$a"); ca=$(ratio "$c" "$a"); de=$(ratio "$d" "$e")
ba_cds=$(ratio "$b" "$a_cds"); ca_cds=$(ratio "$c" "$a_cds")
cpu() { median <<<"${C[$1]}"; }

cat <<REPORT

wpsync scan benchmark  $(date -u +%Y-%m-%dT%H:%MZ)  $(nproc) cores  $(java -version 2>&1 | head -1)
tree: $TREE  $(get files "$COLD") files, $(get bytes "$COLD") bytes in the manifest; find sees $NFILES files
median of $RUNS runs, seconds of wall time [and of CPU, user+sys, all processes]:
  (a) cold full-hash scan, fresh JVM          $a [$(cpu a)]   (scan alone, JVM start excluded: $a_in)
  (b) find | xargs sha256sum                   $b [$(cpu b)]   b/a = $ba  (goal >= 3)    $(verdict "$ba" 3 min)
  (c) find | xargs -P2 -n 500 sha256sum        $c [$(cpu c)]   c/a = $ca  (goal >= 1.5)  $(verdict "$ca" 1.5 min)
  (d) warm rescan, same process                $d [$(get warm_cpu_seconds "$WARM")]
  (e) find -printf '%s %T@'                    $e [$(cpu e)]   d/e = $de  (goal <= 2)    $(verdict "$de" 2 max)
  (a') cold scan, fresh JVM with AppCDS        $a_cds [$(cpu a_cds)]   b/a' = $ba_cds, c/a' = $ca_cds
runs (wall): a=[${W[a]% }] a'=[${W[a_cds]% }] b=[${W[b]% }] c=[${W[c]% }] d=$(get warm_runs "$WARM") e=[${W[e]% }]
warm rescans read $(get rescan_bytes_read "$WARM") content bytes (cache hits $(get cache_hits "$WARM"), misses $(get cache_misses "$WARM"))
manifest id $(get id "$COLD")
load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)  (other work on the machine skews every figure)
REPORT
