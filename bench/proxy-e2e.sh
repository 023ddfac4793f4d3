#!/usr/bin/env bash
# End to end through the reverse-proxy example (examples/proxy.py): wrk -> siphon-http (a Python
# catch-all route awaiting http.Client("upstream")) -> the engine's Java demo HelloServer.
#
# Method. The upstream (dev.siphon.http.demo.HelloServer, GET /hello/{name} -> "hi <name>") and
# wrk share core LOAD_CPU; the proxy is pinned to core PROXY_CPU with WORKERS Python workers
# (default 1: one worker context on one core). For each upstream protocol in MODES the proxy is
# started afresh, checked ("hi bench" through it), warmed up for WARMUP seconds (GraalPy's JIT
# needs long warm-up; see docs/performance.md), then measured ROUNDS times with
# wrk -t1 -c$CONNECTIONS -d${DURATION}s; medians are printed. The direct figure (wrk straight
# to the upstream, same core sharing) is the ceiling the proxy is read against.
#   h1   the named client speaks HTTP/1.1 over its keep-alive pool (pool_size 32)
#   h2c  the named client speaks HTTP/2 with prior knowledge (one multiplexed connection)
#
# Environment: MODES ["h1 h2c"], WARMUP [60], DURATION [10], ROUNDS [3], CONNECTIONS [64],
# WORKERS [1], PROXY_CPU [0], LOAD_CPU [1], PORT_BASE [19080].
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

MODES=${MODES:-"h1 h2c"}
WARMUP=${WARMUP:-60}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
WORKERS=${WORKERS:-1}
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
PORT_BASE=${PORT_BASE:-19080}
UP_PORT=$PORT_BASE
PROXY_PORT=$((PORT_BASE + 1))

JDK=$(bin/find-jdk)
JAVA="$JDK/bin/java"
ENGINE_CP="engine/target/siphon-engine.jar:engine/target/lib/*"
WORK=$(mktemp -d)
PIDS=()

die() { echo "proxy-e2e: $*" >&2; exit 1; }
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v wrk >/dev/null || die "wrk is missing (bin/ensure-tools bench installs it)"
[ -f engine/target/siphon-engine.jar ] || die "build first: make build"

wait_for() {  # URL EXPECTED SECONDS
  local deadline=$((SECONDS + $3))
  while [ $SECONDS -lt $deadline ]; do
    if [ "$(curl -s --max-time 2 "$1" || true)" = "$2" ]; then return 0; fi
    sleep 0.2
  done
  die "no '$2' from $1 within $3 s"
}

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

quiet() { [ -x ../shared/tools/wait-quiet ] && ../shared/tools/wait-quiet >/dev/null 2>&1 || true; }

measure() {  # LABEL URL
  local rps=() p50=() p99=()
  for _ in $(seq "$ROUNDS"); do
    quiet
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}"s --latency "$2" > "$WORK/wrk.out"
    grep -q 'Non-2xx' "$WORK/wrk.out" && { cat "$WORK/wrk.out"; die "$1: non-2xx answers"; }
    rps+=("$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk.out")")
    p50+=("$(awk '$1 == "50%" {print $2}' "$WORK/wrk.out")")
    p99+=("$(awk '$1 == "99%" {print $2}' "$WORK/wrk.out")")
  done
  printf '%-14s req/s %s (runs: %s)  p50 %s  p99 %s\n' "$1" \
    "$(printf '%s\n' "${rps[@]}" | median)" "${rps[*]}" "${p50[*]}" "${p99[*]}"
}

taskset -c "$LOAD_CPU" "$JAVA" -XX:+UseParallelGC -cp "$ENGINE_CP" dev.siphon.http.demo.HelloServer \
  "127.0.0.1:$UP_PORT" --io-loops 1 > "$WORK/upstream.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$UP_PORT/hello/bench" "hi bench" 60
taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d5s "http://127.0.0.1:$UP_PORT/hello/bench" >/dev/null
echo "# proxy e2e: proxy on core $PROXY_CPU ($WORKERS worker), upstream + wrk on core $LOAD_CPU," \
  "wrk -t1 -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds, warm-up ${WARMUP}s"
measure "direct" "http://127.0.0.1:$UP_PORT/hello/bench"

cat > "$WORK/engine.yaml" <<EOF
engine:
  workers: $WORKERS
  io_loops: 1
EOF
for mode in $MODES; do
  case $mode in
    h1) h2c=false ;;
    h2c) h2c=true ;;
    *) die "unknown mode $mode (h1, h2c)" ;;
  esac
  # examples/proxy.yaml with this run's worker and loop counts appended
  { cat examples/proxy.yaml; echo; cat "$WORK/engine.yaml"; } > "$WORK/proxy.yaml"
  SIPHON_LISTEN="127.0.0.1:$PROXY_PORT" UPSTREAM_URL="http://127.0.0.1:$UP_PORT" UPSTREAM_H2C=$h2c \
    taskset -c "$PROXY_CPU" bin/siphon-http --config "$WORK/proxy.yaml" --script examples/proxy.py \
    > "$WORK/proxy-$mode.log" 2>&1 &
  pid=$!
  PIDS+=($pid)
  wait_for "http://127.0.0.1:$PROXY_PORT/hello/bench" "hi bench" 120 || { cat "$WORK/proxy-$mode.log"; exit 1; }
  [ "$WARMUP" -gt 0 ] && taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}"s \
    "http://127.0.0.1:$PROXY_PORT/hello/bench" >/dev/null
  measure "proxy-$mode" "http://127.0.0.1:$PROXY_PORT/hello/bench"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
