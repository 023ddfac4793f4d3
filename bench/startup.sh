#!/usr/bin/env bash
# Launch-to-first-served-request time of bin/siphon-http: starts the launcher N times on a
# free port, polls curl until the first 200, and prints each run's wall time and the server's
# CPU time until then (user + system of all its threads), then the medians of both.
#
#   bench/startup.sh [N] [-- extra launcher arguments]
#
# Environment: SCRIPT (default examples/hello.py), CONFIG (examples/http.yaml), URL_PATH
# (/hello/world); SIPHON_JAVA_OPTS and SIPHON_HOME (another build's pybridge/target, to compare
# builds in one session) go to the launcher. VERBOSE=1 prints the server's `start-up:` phase
# lines per run; KEEP_LOG=prefix keeps each run's output as prefix.N. Workers default to one per
# core. The time includes everything a user waits for: the JVM, the GraalPy engine, every
# worker context loading the script, the on_startup hooks, then the request itself. On a shared
# machine run ../shared/tools/wait-quiet first, alternate the builds you compare, and prefer the
# CPU figure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-5}
shift || true
[ "${1:-}" = "--" ] && shift
script=${SCRIPT:-$root/examples/hello.py}
config=${CONFIG:-$root/examples/http.yaml}
path=${URL_PATH:-/hello/world}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

times=()
cpus=()
for ((i = 1; i <= n; i++)); do
  port=$(free_port)
  log=$(mktemp)
  start=$(date +%s%N)
  SIPHON_LISTEN=127.0.0.1:$port SIPHON_ADMIN_LISTEN=127.0.0.1:0 "$root/bin/siphon-http" --config "$config" --script "$script" "$@" \
    >"$log" 2>&1 &
  pid=$!
  ok=
  while kill -0 "$pid" 2>/dev/null; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port$path" || true)
    if [ "$code" = 200 ]; then ok=1; break; fi
    sleep 0.05
  done
  end=$(date +%s%N)
  # CPU seconds the server used until then (utime + stime of all its threads): less noisy
  # than the wall clock on a shared machine
  cpu_ms=$(awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$pid/stat" 2>/dev/null || echo 0)
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ -z "$ok" ]; then
    echo "run $i: the server exited without serving; its output:" >&2
    cat "$log" >&2
    rm -f "$log"
    exit 1
  fi
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  cpus+=("$cpu_ms")
  phases=$(grep -o 'start-up: .*' "$log" | tr '\n' ' ' || true)
  echo "run $i: ${ms} ms, server CPU ${cpu_ms} ms${VERBOSE:+ ($phases)}"
  [ -n "${KEEP_LOG:-}" ] && cp "$log" "$KEEP_LOG.$i"
  rm -f "$log"
done
summary() {
  printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {m=(NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2);
    printf "median %d ms (min %d, max %d)", m, a[1], a[NR]}'
}
echo "launch to first 200: $(summary "${times[@]}") of $n; server CPU: $(summary "${cpus[@]}")"
