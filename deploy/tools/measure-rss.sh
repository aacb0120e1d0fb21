#!/usr/bin/env bash
# Measures the resident memory (VmRSS) of a real coordinator and agents, to size the manifests'
# memory requests/limits. Everything runs on 127.0.0.1: a coordinator with its embedded ZooKeeper,
# AGENTS agents, one release of a generated tree (FILES files, ~SIZE_MB MB), one rollout.
#   deploy/tools/measure-rss.sh [path/to/wpsync.jar]
# Environment: AGENT_HEAP (default 256m = 50% of the agent's 512Mi limit), COORD_HEAP (512m = 50% of
# 1Gi), AGENTS (2), FILES (3000), SIZE_MB (60). Prints one line per process and phase.
set -euo pipefail
jar="${1:-$(cd "$(dirname "$0")/../.." && pwd)/sync-cli/target/wpsync.jar}"
AGENT_HEAP="${AGENT_HEAP:-256m}" COORD_HEAP="${COORD_HEAP:-512m}" AGENTS="${AGENTS:-2}"
FILES="${FILES:-3000}" SIZE_MB="${SIZE_MB:-60}"
work="$(mktemp -d /tmp/wpsync-rss.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
[ -n "${KEEP_LOGS:-}" ] && trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; echo "logs in $work"' EXIT
export LC_ALL=C.UTF-8
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/secret"
token="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf 'admin %s\n' "$token" > "$work/tokens"

# A wp-content-like tree: many small files, a few large ones.
tree="$work/wp-content"
mkdir -p "$tree/themes/t" "$tree/plugins"
per=$(( (SIZE_MB * 1024 * 1024 - 4 * 1048576) / FILES ))
for i in $(seq 1 "$FILES"); do
  d="$tree/plugins/p$((i % 40))/inc$((i % 7))"; mkdir -p "$d"
  head -c "$(( per / 2 + RANDOM % per ))" /dev/urandom > "$d/f$i.php"
done
for i in 1 2 3 4; do head -c 1048576 /dev/urandom > "$tree/themes/t/asset$i.bin"; done

rss() { awk '/^VmRSS/ {printf "%d", $2/1024}' "/proc/$1/status"; }
wait_http() { for _ in $(seq 1 120); do curl -fs -o /dev/null "$1" && return 0; sleep 0.5; done; echo "timeout: $1" >&2; return 1; }

java -Xmx"$COORD_HEAP" -XX:+ExitOnOutOfMemoryError -jar "$jar" coordinator --id c0 --data "$work/c0" \
  --http 127.0.0.1:18080 --p2p 127.0.0.1:17071 --embedded-zk --embedded-zk-port 12181 \
  --token-file "$work/tokens" --secret-file "$work/secret" > "$work/c0.log" 2>&1 &
pids+=($!); cpid=$!
wait_http http://127.0.0.1:18080/readyz
apids=()
for n in $(seq 1 "$AGENTS"); do
  java -Xmx"$AGENT_HEAP" -XX:+ExitOnOutOfMemoryError -jar "$jar" agent --id "a$n" --data "$work/a$n/data" \
    --root "$work/a$n/root" --http "127.0.0.1:$((18080 + n))" --p2p "127.0.0.1:$((17071 + n))" \
    --zk 127.0.0.1:12181 --secret-file "$work/secret" --token-file "$work/tokens" > "$work/a$n.log" 2>&1 &
  pids+=($!); apids+=($!)
done
for n in $(seq 1 "$AGENTS"); do wait_http "http://127.0.0.1:$((18080 + n))/healthz"; done
sleep 20
echo "idle (20 s after start): coordinator ${COORD_HEAP} heap: $(rss "$cpid") MiB RSS"
for p in "${apids[@]}"; do echo "idle (20 s after start): agent ${AGENT_HEAP} heap: $(rss "$p") MiB RSS"; done

export WPSYNC_SERVER=http://127.0.0.1:18080 WPSYNC_TOKEN="$token"
rel="$(java -jar "$jar" release create "$tree" -m measure -o json | sed -n 's/.*"id" *: *"\(r[0-9]*\)".*/\1/p' | head -1)"
echo "release $rel: $(find "$tree" -type f | wc -l) files, $(du -sm "$tree" | cut -f1) MiB"
java -jar "$jar" rollout start "$rel" --wait > "$work/rollout.log" 2>&1 || { cat "$work/rollout.log"; exit 1; }
tail -n 3 "$work/rollout.log"
sleep 10
echo "after rollout: coordinator: $(rss "$cpid") MiB RSS"
for p in "${apids[@]}"; do echo "after rollout: agent: $(rss "$p") MiB RSS"; done
for n in $(seq 1 "$AGENTS"); do echo "agent a$n readyz: $(curl -s "http://127.0.0.1:$((18080 + n))/readyz")"; done
