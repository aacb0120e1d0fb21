#!/bin/sh
# wpsync node gate: removes the node taint $TAINT_KEY once the wpsync agent on this node is ready,
# so WordPress pods (which do not tolerate the taint) never land on a node with an empty tree.
#
# Mechanism, in full:
#   1. poll the agent's /readyz on 127.0.0.1 (same pod) every POLL_SECONDS;
#   2. when ready, GET this node from the API server; if the taint is present at index i, send ONE
#      JSON patch [test /spec/taints/i/key == $TAINT_KEY, remove /spec/taints/i]: the "test" makes the
#      removal atomic, so a concurrent change to the node's taints makes it fail instead of removing
#      the wrong taint (it is retried on the next loop);
#   3. afterwards re-check every RECHECK_SECONDS (a node re-registered with the taint is lifted again).
# The gate never adds the taint: after the first sync, WordPress pods follow the agent through their
# own readiness. Its permissions: get/patch nodes, narrowed by the ValidatingAdmissionPolicy
# wpsync-node-gate to "remove this taint from my own node".
#
# Needs: POSIX sh, curl, sed, tr. Settings (environment): NODE_NAME (required), TAINT_KEY,
# AGENT_READYZ, K8S_API, SA_DIR, POLL_SECONDS, RECHECK_SECONDS, HEARTBEAT_FILE, MAX_LOOPS (tests: 0 =
# forever).
set -u

: "${NODE_NAME:?NODE_NAME must name this node (downward API spec.nodeName)}"
TAINT_KEY="${TAINT_KEY:-wpsync.io/not-ready}"
AGENT_READYZ="${AGENT_READYZ:-http://127.0.0.1:8081/readyz}"
SA_DIR="${SA_DIR:-/var/run/secrets/kubernetes.io/serviceaccount}"
K8S_API="${K8S_API:-https://${KUBERNETES_SERVICE_HOST:-kubernetes.default.svc}:${KUBERNETES_SERVICE_PORT:-443}}"
POLL_SECONDS="${POLL_SECONDS:-5}"
RECHECK_SECONDS="${RECHECK_SECONDS:-300}"
HEARTBEAT_FILE="${HEARTBEAT_FILE:-/tmp/node-gate.alive}"
MAX_LOOPS="${MAX_LOOPS:-0}"

log() {
  printf '%s node-gate[%s]: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$NODE_NAME" "$*"
}

# curl against the API server with this pod's (rotated) token. A User-Agent that does not start
# with "curl" keeps the API server's JSON compact, which taint_index relies on.
api() {
  set -- -sS --max-time 10 -A "wpsync-node-gate/1" \
    -H "Authorization: Bearer $(cat "$SA_DIR/token")" -H "Accept: application/json" "$@"
  if [ -f "$SA_DIR/ca.crt" ]; then
    set -- --cacert "$SA_DIR/ca.crt" "$@"
  fi
  curl "$@"
}

agent_ready() {
  curl -fsS -o /dev/null --max-time 3 "$AGENT_READYZ" 2>/dev/null
}

# Prints the 0-based index of $TAINT_KEY in the node JSON on stdin, or nothing. Taints are flat
# objects ({"key":..,"value":..,"effect":..,"timeAdded":..}), so splitting the array on "},{" is exact.
taint_index() {
  tr -d '\n\r\t ' \
    | sed -n 's/.*"taints":\[\([^]]*\)\].*/\1/p' \
    | sed 's/},{/}\
{/g' \
    | grep -n "\"key\":\"$TAINT_KEY\"" \
    | head -n 1 \
    | cut -d: -f1 \
    | while read -r line; do echo $((line - 1)); done
}

# Removes the taint at index $1 if it is still $TAINT_KEY; succeeds on HTTP 200.
remove_taint_at() {
  code=$(api -o /dev/null -w '%{http_code}' -X PATCH \
    -H "Content-Type: application/json-patch+json" \
    --data "[{\"op\":\"test\",\"path\":\"/spec/taints/$1/key\",\"value\":\"$TAINT_KEY\"},{\"op\":\"remove\",\"path\":\"/spec/taints/$1\"}]" \
    "$K8S_API/api/v1/nodes/$NODE_NAME")
  [ "$code" = "200" ] || { log "patch of /spec/taints/$1 answered HTTP $code (will retry)"; return 1; }
}

loops=0
last=""
say() { # logs a state once, not on every loop
  if [ "$1" != "$last" ]; then log "$1"; last="$1"; fi
}

log "started: lifts taint $TAINT_KEY from node $NODE_NAME once $AGENT_READYZ answers 200"
while :; do
  : > "$HEARTBEAT_FILE" 2>/dev/null || true
  pause="$POLL_SECONDS"
  if ! agent_ready; then
    say "agent not ready yet; taint (if any) stays"
  elif ! node=$(api -f "$K8S_API/api/v1/nodes/$NODE_NAME"); then
    say "cannot read node $NODE_NAME from $K8S_API (will retry)"
  else
    idx=$(printf '%s' "$node" | taint_index)
    if [ -z "$idx" ]; then
      say "agent ready; node has no $TAINT_KEY taint"
      pause="$RECHECK_SECONDS"
    elif remove_taint_at "$idx"; then
      say "agent ready; removed taint $TAINT_KEY (index $idx) from node $NODE_NAME"
      pause="$RECHECK_SECONDS"
    fi
  fi
  loops=$((loops + 1))
  if [ "$MAX_LOOPS" -gt 0 ] && [ "$loops" -ge "$MAX_LOOPS" ]; then
    exit 0
  fi
  sleep "$pause"
done
