#!/usr/bin/env bash
# End-to-end comparison of siphon-http serving a Python script (bin/siphon-http, GraalPy with
# the JIT) against uvicorn + Starlette serving the same two routes, in one run on one machine.
# How to read the output: docs/performance.md, section "Python".
#
# Routes (bench/python/siphon_app.py and bench/python/starlette_app.py):
#   hello      GET /hello/bench -> "hi bench"
#   echo-json  POST /echo-json with bench/python/echo.json (~1 KB: numbers, strings, nested
#              objects): json.loads, add a field, json.dumps
#
# Method. For each core set in CORE_SETS:
#   1  every server pinned to core 0 (taskset), wrk pinned to core 1; siphon with one worker
#      context and one I/O loop, uvicorn as one process.
#   2  every server on both cores, and wrk on both cores too: the load tool shares the
#      server's cores, so the figures are lower than the machine's capacity. siphon with two
#      worker contexts and two I/O loops; uvicorn as one process and, as
#      "uvicorn-2w", with --workers 2 (UVICORN_2W=0 leaves that one out).
# The servers start one after another (each alone on the machine while it starts) and the
# time from launch to the first "hi bench" is recorded. Each server then gets WARMUP seconds
# of load per route (GraalPy's JIT on a stock JDK is slow to warm up: 70-90 s of load on one
# core for the hello route), PEER_WARMUP for uvicorn. Then ROUNDS rounds; in each, every
# server gets one `wrk -t1 -c$CONNECTIONS -d$DURATION` run per route, the server order
# rotating from round to round. Before each measured run ../shared/tools/wait-quiet (when
# present) waits for an idle machine. The server's CPU (its whole process tree) and the
# machine's are read around each run; a run where other processes used more than OTHER_MAX
# percent of one core is left out of the medians, unless no run of that cell is clean.
#
# Environment (defaults in brackets):
#   CORE_SETS      which of "1 2" to run ["1 2"]
#   ROUTES         which of "hello echo-json" ["hello echo-json"]
#   WARMUP         seconds of warm-up load per route for siphon [120; 0 skips]
#   PEER_WARMUP    seconds of warm-up load per route for uvicorn [10]
#   DURATION       seconds per measured run [10]
#   ROUNDS         measured runs per server, route and core set [3]
#   CONNECTIONS    wrk connections [64]
#   UVICORN_2W     also uvicorn --workers 2 on two cores [1]
#   UVICORN_FAST   uvloop + httptools for uvicorn when importable [1]; 0: pure Python
#                  (--loop asyncio --http h11; uvicorn's own default, "auto", picks uvloop and
#                  httptools whenever they import)
#   PORT_BASE      servers listen on PORT_BASE+i [18480]
#   START_TIMEOUT  seconds a server may take to answer [180]
#   QUIET_TIMEOUT  seconds wait-quiet may wait before each run [60]
#   OTHER_MAX      percent of one core others may use during a clean run [10]
#   SIPHON_JAVA_OPTS  extra JVM options for bin/siphon-http
#   SIPHON_BASELINE   another checkout of this project, built (make build): adds the server
#                  siphon-baseline, its bin/siphon-http with the same script and settings (an
#                  A/B of two builds, e.g. with and without a feature's cost on the hot path)
#   SIPHON_SCRIPT  the script siphon serves [bench/python/siphon_app.py: plain def routes];
#                  bench/python/cold_async.py serves the same two routes as async def handlers
#   SIPHON_CONFIG  its http.yaml [bench/python/http.yaml]; bench/python/cold.yaml goes with
#                  cold_async.py (it declares the client that script makes)
#   SERVERS        the servers to run, instead of every one of the core set (siphon,
#                  siphon-baseline, siphon-nometrics, uvicorn, uvicorn-2w); siphon-nometrics is
#                  this build with -Dsiphon.metrics.record=false (what recording metrics costs);
#                  siphon-mw3 serves bench/python/cold_async_mw3.py, the async routes behind three
#                  (req, call_next) middlewares (what such a chain costs; with SIPHON_SCRIPT=
#                  bench/python/cold_async.py and SIPHON_CONFIG=bench/python/cold.yaml)
#   PYTHON         the interpreter for uvicorn [/usr/bin/python3]
#   RESULTS        markdown results [bench/target/py-e2e-results.md]
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

CORE_SETS=${CORE_SETS:-"1 2"}
ROUTES=${ROUTES:-"hello echo-json"}
WARMUP=${WARMUP:-120}
PEER_WARMUP=${PEER_WARMUP:-10}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
UVICORN_2W=${UVICORN_2W:-1}
UVICORN_FAST=${UVICORN_FAST:-1}
PORT_BASE=${PORT_BASE:-18480}
START_TIMEOUT=${START_TIMEOUT:-180}
QUIET_TIMEOUT=${QUIET_TIMEOUT:-60}
OTHER_MAX=${OTHER_MAX:-10}
PYTHON=${PYTHON:-/usr/bin/python3}
RESULTS=${RESULTS:-bench/target/py-e2e-results.md}

APP_DIR=bench/python
SIPHON_SCRIPT=${SIPHON_SCRIPT:-$APP_DIR/siphon_app.py}
SIPHON_CONFIG=${SIPHON_CONFIG:-$APP_DIR/http.yaml}
BODY=$APP_DIR/echo.json
QUIET_TOOL=$ROOT/../shared/tools/wait-quiet
CLK_TCK=$(getconf CLK_TCK)

die() { echo "py-e2e: $*" >&2; exit 1; }
log() { echo "py-e2e: $*" >&2; }

for n in WARMUP PEER_WARMUP DURATION ROUNDS CONNECTIONS UVICORN_2W UVICORN_FAST PORT_BASE START_TIMEOUT QUIET_TIMEOUT OTHER_MAX; do
  [[ ${!n} =~ ^[0-9]+$ ]] || die "$n must be a whole number, not '${!n}'"
done
[ "$DURATION" -gt 0 ] && [ "$ROUNDS" -gt 0 ] || die "DURATION and ROUNDS must be at least 1"
for c in $CORE_SETS; do [[ $c == 1 || $c == 2 ]] || die "CORE_SETS takes 1 and 2, not '$c'"; done
for r in $ROUTES; do [[ $r == hello || $r == echo-json ]] || die "ROUTES takes hello and echo-json, not '$r'"; done
[ "$(nproc)" -ge 2 ] || die "needs two cores (server and load tool)"
for tool in taskset curl wrk; do
  command -v "$tool" >/dev/null || die "$tool not found: run bin/ensure-tools bench"
done
[ -f pybridge/target/siphon-http.jar ] || die "pybridge/target/siphon-http.jar is missing: build first (make build)"
"$PYTHON" -c 'import uvicorn, starlette' 2>/dev/null \
  || die "$PYTHON cannot import uvicorn and starlette: run bin/ensure-tools python-bench"
UVICORN_FLAGS=()
if [ "$UVICORN_FAST" = 1 ]; then
  if "$PYTHON" -c 'import uvloop' 2>/dev/null; then UVICORN_FLAGS+=(--loop uvloop); fi
  if "$PYTHON" -c 'import httptools' 2>/dev/null; then UVICORN_FLAGS+=(--http httptools); fi
else
  UVICORN_FLAGS+=(--loop asyncio --http h11)
fi

LOG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/siphon-py-e2e.XXXXXX")
RUNS=$LOG_DIR/runs.tsv     # one line per measured run, see measure
STARTS=$LOG_DIR/starts.tsv # cores server seconds-to-first-request
: >"$RUNS"
: >"$STARTS"

# ---------------------------------------------------------------- servers

declare -A PORT PID
STARTED=()
LOAD_PID=

# Sets CMD (and CMD_ENV) to the command line of server $1 on port $2 with $3 cores.
server_command() {
  local name=$1 port=$2 cores=$3
  case $name in
    siphon|siphon-baseline|siphon-nometrics|siphon-mw3)
      # one worker context and one I/O loop per core (the engine's defaults under taskset)
      CMD_ENV=(SIPHON_LISTEN="127.0.0.1:$port" SIPHON_WORKERS="$cores" SIPHON_IO_LOOPS="$cores")
      local home=.
      if [ "$name" = siphon-baseline ]; then
        [ -n "${SIPHON_BASELINE:-}" ] || die "siphon-baseline needs SIPHON_BASELINE=<another checkout, built>"
        home=$SIPHON_BASELINE
      fi
      if [ "$name" = siphon-nometrics ]; then
        CMD_ENV+=(SIPHON_JAVA_OPTS="${SIPHON_JAVA_OPTS:-} -Dsiphon.metrics.record=false")
      fi
      local script=$SIPHON_SCRIPT
      if [ "$name" = siphon-mw3 ]; then script=$APP_DIR/cold_async_mw3.py; fi
      CMD=("$home/bin/siphon-http" --config "$SIPHON_CONFIG" --script "$script") ;;
    uvicorn|uvicorn-2w)
      CMD_ENV=()
      CMD=("$PYTHON" -m uvicorn --app-dir "$APP_DIR" starlette_app:app --host 127.0.0.1 --port "$port"
           "${UVICORN_FLAGS[@]}" --no-access-log --log-level warning)
      if [ "$name" = uvicorn-2w ]; then CMD+=(--workers 2); fi ;;
    *) die "unknown server '$name'" ;;
  esac
}

servers_for() {  # CORES: the servers of that core set
  if [ -n "${SERVERS:-}" ]; then echo "$SERVERS"; return; fi
  if [ "$1" = 2 ] && [ "$UVICORN_2W" = 1 ]; then echo "siphon uvicorn uvicorn-2w"; else echo "siphon uvicorn"; fi
}

server_cpus() { if [ "$1" = 1 ]; then echo 0; else echo 0,1; fi; }
load_cpus() { if [ "$1" = 1 ]; then echo 1; else echo 0,1; fi; }

stop_servers() {
  local pid i
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  STARTED=()
}

on_exit() {
  local rc=$?
  [ -z "${LOAD_PID:-}" ] || kill "$LOAD_PID" 2>/dev/null || true
  stop_servers
  echo "py-e2e: server logs and raw wrk output: $LOG_DIR" >&2
  exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts server $1 on port $2 pinned for core set $3, waits until it answers GET /hello/bench
# with "hi bench", and records the time from launch to that answer.
start_server() {
  local name=$1 port=$2 cores=$3 t0 body deadline url
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port already accepts connections: another server would be measured (set PORT_BASE)"
  fi
  server_command "$name" "$port" "$cores"
  echo "${CMD_ENV[*]} ${CMD[*]}" >"$LOG_DIR/$name.$cores.cmd"
  url="http://127.0.0.1:$port/hello/bench"
  t0=$EPOCHREALTIME
  env "${CMD_ENV[@]}" taskset -c "$(server_cpus "$cores")" "${CMD[@]}" >"$LOG_DIR/$name.$cores.log" 2>&1 &
  PID[$name]=$!
  PORT[$name]=$port
  STARTED+=("$!")
  deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    kill -0 "${PID[$name]}" 2>/dev/null || { tail -n 20 "$LOG_DIR/$name.$cores.log" >&2; die "$name exited before answering"; }
    if body=$(curl -s --max-time 2 "$url"); then
      [ "$body" = "hi bench" ] || die "$name answered $url with '$body', not 'hi bench'"
      local ttfr
      ttfr=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
      printf '%s\t%s\t%s\n' "$cores" "$name" "$ttfr" >>"$STARTS"
      log "$name ready on port $port (pid ${PID[$name]}, cores $(server_cpus "$cores")): first request answered ${ttfr} s after launch"
      check_echo "$name"
      return
    fi
    sleep 0.05
  done
  tail -n 20 "$LOG_DIR/$name.$cores.log" >&2
  die "$name did not answer within $START_TIMEOUT s"
}

# POST /echo-json must give back the body with "echoed": true, as the same json.dumps would.
check_echo() {
  local name=$1 got want
  got=$(curl -s --max-time 10 -H 'content-type: application/json' --data-binary @"$BODY" \
        "http://127.0.0.1:${PORT[$name]}/echo-json") || die "$name: POST /echo-json failed"
  want=$("$PYTHON" -c 'import json, sys; d = json.load(open(sys.argv[1])); d["echoed"] = True; print(json.dumps(d), end="")' "$BODY")
  [ "$got" = "$want" ] || die "$name: POST /echo-json answered '$got', expected '$want'"
}

# ---------------------------------------------------------------- load

to_us() {  # a wrk latency such as 245.00us, 1.23ms or 1.02s, in microseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") print n; else if (u == "ms") print n * 1000; else if (u == "s") print n * 1000000;
    else if (u == "m") print n * 60000000; else print "nan" }'
}

# wrk in the background of this shell (not a subshell: a signal interrupts the wait at once,
# and its CPU time shows in this shell's cutime once reaped).
run_load() {
  "$@" >"$OUT" 2>&1 &
  LOAD_PID=$!
  local rc=0
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=
  return $rc
}

# Runs wrk for route $1 against server $2 for $3 seconds on core set $4; sets R_RPS, R_REQS,
# R_P50, R_P99 (µs), R_ERRORS (socket errors and non-2xx answers).
run_wrk() {
  local route=$1 name=$2 secs=$3 cores=$4 url args=()
  case $route in
    hello) url="http://127.0.0.1:${PORT[$name]}/hello/bench" ;;
    echo-json) url="http://127.0.0.1:${PORT[$name]}/echo-json"; args=(-s "$APP_DIR/post-json.lua") ;;
  esac
  ECHO_JSON_BODY=$BODY run_load taskset -c "$(load_cpus "$cores")" \
      wrk -t1 -c"$CONNECTIONS" -d"$secs"s --latency "${args[@]}" "$url" \
    || { cat "$OUT" >&2; die "wrk failed against $name"; }
  R_RPS=$(awk '/^Requests\/sec:/ {print $2}' "$OUT")
  R_REQS=$(awk '/ requests in / {print $1}' "$OUT")
  R_P50=$(to_us "$(awk '$1 == "50%" {print $2}' "$OUT")")
  R_P99=$(to_us "$(awk '$1 == "99%" {print $2}' "$OUT")")
  R_ERRORS=$(awk '
    /Socket errors:/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { e += $NF }
    END { print e + 0 }' "$OUT")
  [ -n "$R_RPS" ] && [ -n "$R_REQS" ] || { cat "$OUT" >&2; die "could not read wrk output for $name"; }
}

# ---------------------------------------------------------------- CPU accounting

tree_ticks() {  # utime+stime of process $1 and all its descendants, in clock ticks
  local pid=$1 s f sum=0 c
  if [ -r "/proc/$pid/stat" ]; then
    s=$(<"/proc/$pid/stat"); s=${s##*) }
    read -r -a f <<<"$s"
    sum=$((f[11] + f[12]))
  fi
  for c in $(pgrep -P "$pid" || true); do
    sum=$((sum + $(tree_ticks "$c")))
  done
  echo "$sum"
}

children_ticks() {  # cutime+cstime of this shell: CPU of its finished children (wrk)
  local s f
  s=$(<"/proc/$$/stat"); s=${s##*) }
  read -r -a f <<<"$s"
  echo $((f[13] + f[14]))
}

machine_busy_ticks() {
  local cpu user nice system idle iowait irq softirq steal rest
  read -r cpu user nice system idle iowait irq softirq steal rest </proc/stat
  echo $((user + nice + system + irq + softirq + steal))
}

quiet_before() {  # yes | no | unchecked
  [ -f "$QUIET_TOOL" ] || { echo unchecked; return; }
  if python3 "$QUIET_TOOL" --timeout "$QUIET_TIMEOUT" >>"$LOG_DIR/wait-quiet.log" 2>&1; then echo yes; else echo no; fi
}

# One measured run; appends to RUNS:
# cores route server round req/s p50_us p99_us server_cpu(cores) other_pct quiet errors
measure() {
  local cores=$1 route=$2 name=$3 round=$4 pid=${PID[$3]} quiet s0 c0 m0 t0 s1 c1 m1 t1
  quiet=$(quiet_before)
  OUT=$LOG_DIR/$cores.$route.$name.round$round.txt
  s0=$(tree_ticks "$pid"); c0=$(children_ticks); m0=$(machine_busy_ticks); t0=$EPOCHREALTIME
  run_wrk "$route" "$name" "$DURATION" "$cores"
  t1=$EPOCHREALTIME; s1=$(tree_ticks "$pid"); c1=$(children_ticks); m1=$(machine_busy_ticks)
  kill -0 "$pid" 2>/dev/null || die "$name died during the run (log: $LOG_DIR/$name.$cores.log)"
  awk -v OFS='\t' -v co="$cores" -v ro="$route" -v n="$name" -v r="$round" -v q="$quiet" -v hz="$CLK_TCK" \
      -v rps="$R_RPS" -v p50="$R_P50" -v p99="$R_P99" -v err="$R_ERRORS" \
      -v srv=$((s1 - s0)) -v load=$((c1 - c0)) -v all=$((m1 - m0)) -v t0="$t0" -v t1="$t1" 'BEGIN {
    wall = t1 - t0
    other = 100 * (all - srv - load) / (wall * hz)
    if (other < 0) other = 0
    printf "%s\t%s\t%s\t%d\t%.0f\t%.0f\t%.0f\t%.2f\t%.1f\t%s\t%d\t%.2f\n", co, ro, n, r, rps, p50, p99, srv / (wall * hz), other, q, err, load / (wall * hz)
  }' >>"$RUNS"
  tail -n 1 "$RUNS" | awk -F'\t' '{ printf "py-e2e: %s core(s) %s %s round %d: %s req/s, p50 %s us, p99 %s us, server CPU %.2f cores, wrk %.2f cores, other %s%% of a core, quiet before: %s, errors %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $12, $9, $10, $11 }' >&2
}

# ---------------------------------------------------------------- report

summarize() {
  echo "### Time from launch to the first answered request (s)"
  echo
  echo "| cores | server | seconds |"
  echo "|---|---|---|"
  awk -F'\t' '{ printf "| %s | %s | %s |\n", $1, $2, $3 }' "$STARTS"
  echo
  awk -F'\t' -v other_max="$OTHER_MAX" '
    function med(key, col,   n, i, j, t, v) {
      n = 0
      for (i = 1; i <= cnt[key]; i++) if (use[key, i]) v[++n] = val[key, i, col]
      if (n == 0) return ""
      for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
      lo[key, col] = v[1]; hi[key, col] = v[n]
      return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    {
      key = $1 SUBSEP $2 SUBSEP $3
      if (!(key in cnt)) { order[++nk] = key }
      i = ++cnt[key]
      for (c = 5; c <= 8; c++) val[key, i, c] = $c
      val[key, i, 13] = $8 > 0 ? $5 / $8 : 0   # requests per server CPU-second
      clean[key, i] = $11 == 0 && $9 <= other_max
      valid[key, i] = $11 == 0
      if (clean[key, i]) nclean[key]++
      if (valid[key, i]) nvalid[key]++
    }
    END {
      print "| cores | route | server | req/s | p50 µs | p99 µs | server CPU (cores) | req per CPU-second | runs used |"
      print "|---|---|---|---|---|---|---|---|---|"
      for (k = 1; k <= nk; k++) {
        key = order[k]; split(key, p, SUBSEP)
        for (i = 1; i <= cnt[key]; i++) use[key, i] = nclean[key] ? clean[key, i] : valid[key, i]
        note = nclean[key] ? "" : (nvalid[key] ? " (none quiet: noisy)" : " (all had errors)")
        used = nclean[key] ? nclean[key] : nvalid[key]
        rps[key] = med(key, 5)
        if (rps[key] == "") { printf "| %s | %s | %s | n/a | n/a | n/a | n/a | n/a | 0 of %d%s |\n", p[1], p[2], p[3], cnt[key], note; continue }
        percpu[key] = med(key, 13)
        printf "| %s | %s | %s | %.0f (%.0f–%.0f) | %.0f | %.0f | %.2f | %.0f | %d of %d%s |\n", p[1], p[2], p[3],
          rps[key], lo[key, 5], hi[key, 5], med(key, 6), med(key, 7), med(key, 8), percpu[key], used, cnt[key], note
      }
      print ""
      for (k = 1; k <= nk; k++) {
        key = order[k]; split(key, p, SUBSEP)
        if (p[3] == "siphon" || !(key in rps) || rps[key] <= 0) continue
        s = p[1] SUBSEP p[2] SUBSEP "siphon"
        if (!(s in rps) || rps[s] == "") continue
        printf "- %s core(s), %s: siphon / %s: req/s **%.2f**, req per CPU-second %s\n", p[1], p[2], p[3], rps[s] / rps[key],
          (percpu[key] > 0 ? sprintf("%.2f", percpu[s] / percpu[key]) : "n/a")
      }
    }' "$RUNS"
}

all_runs_table() {
  echo "| cores | route | server | round | req/s | p50 µs | p99 µs | server CPU (cores) | wrk CPU (cores) | other CPU % | quiet before | errors |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $12, $9, $10, $11 }' "$RUNS"
}

# ---------------------------------------------------------------- main

log "uvicorn flags: ${UVICORN_FLAGS[*]:-(defaults)}; logs in $LOG_DIR"
[ -f "$QUIET_TOOL" ] || log "no $QUIET_TOOL: runs will not wait for a quiet machine"
for cores in $CORE_SETS; do
  read -r -a servers <<<"$(servers_for "$cores")"
  i=0
  for name in "${servers[@]}"; do
    start_server "$name" $((PORT_BASE + i)) "$cores"
    i=$((i + 1))
  done
  for name in "${servers[@]}"; do
    w=$WARMUP
    [[ $name == siphon* ]] || w=$PEER_WARMUP
    [ "$w" -gt 0 ] || continue
    for route in $ROUTES; do
      log "$cores core(s): warming up $name on $route for $w s"
      OUT=$LOG_DIR/$cores.$route.$name.warmup.txt
      run_wrk "$route" "$name" "$w" "$cores"
      log "  warm-up ended at $R_RPS req/s"
    done
  done
  n=${#servers[@]}
  for ((round = 1; round <= ROUNDS; round++)); do
    for route in $ROUTES; do
      for ((k = 0; k < n; k++)); do
        measure "$cores" "$route" "${servers[$(((round - 1 + k) % n))]}" "$round"
      done
    done
  done
  stop_servers
done

SUMMARY=$(summarize)
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || rev="$rev (with uncommitted changes)"
mkdir -p "$(dirname "$RESULTS")"
{
  echo "# Python end-to-end results"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $rev"
  echo "- machine: $(nproc) cores, $(uname -sr); siphon-http: $("$ROOT/bin/siphon-http" --version 2>/dev/null || echo '?')"
  echo "- uvicorn $("$PYTHON" -c 'import uvicorn; print(uvicorn.__version__)'), starlette $("$PYTHON" -c 'import starlette; print(starlette.__version__)'), flags: ${UVICORN_FLAGS[*]:-(defaults)}"
  echo "- wrk -t1 -c$CONNECTIONS, ${DURATION} s per run, $ROUNDS rounds; warm-up ${WARMUP} s per route (siphon), ${PEER_WARMUP} s (uvicorn)"
  echo "- 1 core: servers on core 0, wrk on core 1; 2 cores: servers and wrk share cores 0 and 1"
  echo "- cells: median (min–max) over clean runs (others used at most $OTHER_MAX% of a core)"
  echo
  echo "$SUMMARY"
  echo
  echo "## Every run"
  echo
  all_runs_table
} >"$RESULTS"
echo
echo "$SUMMARY"
echo "results: $RESULTS"
