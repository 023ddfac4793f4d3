#!/usr/bin/env bash
# End-to-end load comparison of this engine against a Netty 4.2 peer, all in
# one run on one machine. How to read the output: bench/README.md.
#
# Method. Every server is started up front on its own port, pinned to core
# SERVER_CPU; the load tool is pinned to LOAD_CPU. Each server is checked (it
# must answer "hi bench"), then warmed up. Then ROUNDS rounds: in each, every
# server gets one measured run, the order rotating from round to round so no
# server always goes first. Before each measured run ../shared/tools/wait-quiet
# (when present) waits for an idle machine. During each run the script reads
# the server's CPU time (/proc/PID/stat), the load tool's, and the whole
# machine's (/proc/stat); what neither used is "other" CPU, and a run where it
# exceeds OTHER_MAX percent of one core is flagged and left out of the medians
# (unless a server has no clean run, in which case its cell says so).
#
# Scenarios. A scenario NAME is a function scenario_NAME (with "-" as "_")
# taking SERVER PORT SECONDS that
# drives one load run and leaves its numbers in R_* (see run_wrk). Adding one
# (TLS, say) means: a run_TOOL function that parses the tool's output into the
# same R_* variables, a scenario_NAME function, its name in SCENARIOS, and its
# servers and peer in scenario_applies and scenario_peer.
#   h1-hello        HTTP/1.1 keep-alive, wrk -t1 -c$CONNECTIONS; this engine and netty
#   h2c-hello       HTTP/2 prior knowledge, h2load -t1 -c$H2_CONNECTIONS -m$H2_STREAMS;
#                   this engine and netty-h2 (Netty's HTTP/2 codec)
#   https-hello     h1-hello over TLS; siphon-tls-virtual, siphon-tls-platform and netty-tls
#                   (Netty with the JDK's own TLS)
#   h2-tls-hello    h2c-hello over TLS (ALPN h2); siphon-tls-virtual, siphon-tls-platform and
#                   netty-h2-tls
#   tls-handshakes  a new TLS connection per request (wrk -t1 -c$HS_CONNECTIONS with
#                   "Connection: close": req/s is handshakes/s); the three siphon-tls servers
#                   and netty-tls
#   https-provider  https-hello on this engine alone: BouncyCastle's JSSE (siphon-tls-virtual)
#                   against the JDK's (siphon-tls-jdk), the latter as the "peer"
#
# Servers. siphon-virtual, siphon-platform: the demo HelloServer, cleartext, with its selector
# loops on virtual or platform threads. siphon-tls-virtual, siphon-tls-platform: the same over
# TLS (BouncyCastle JSSE, the engine's default). siphon-tls-jdk: TLS through the JDK's JSSE
# provider (-Dsiphon.tls.jsse=jdk), virtual-thread loops. netty, netty-h2: the cleartext peers;
# netty-tls, netty-h2-tls: the same over the JDK's TLS (ALPN h2 and http/1.1 for netty-h2-tls).
# The TLS servers share a throwaway CA and server certificate for 127.0.0.1 made at start by
# bench/tls-certs.sh (TLS_KEY). BouncyCastle's JSSE sends no TLS 1.3 session tickets, so this
# engine never resumes a session; the JDK's does, and wrk resumes whenever it can. The servers
# on the JDK's TLS therefore run with JDK_TLS_OPTS, which turns their tickets off, so that every
# server in tls-handshakes does full handshakes.
# A scenario runs against the servers of SERVERS it applies to; the ratio line
# compares this engine with the scenario's peer.
#
# Environment (defaults in brackets):
#   SERVERS        servers to run [all nine: "siphon-virtual siphon-platform netty netty-h2
#                  siphon-tls-virtual siphon-tls-platform siphon-tls-jdk netty-tls netty-h2-tls"]
#   SCENARIOS      scenarios to run ["h1-hello h2c-hello https-hello h2-tls-hello
#                  tls-handshakes https-provider"]
#   DURATION       seconds per measured run [10]
#   WARMUP         seconds of warm-up load per server and scenario [10; 0 skips]
#   ROUNDS         measured runs per server and scenario [3]
#   CONNECTIONS    wrk connections (h1-hello, https-hello, https-provider) [64]
#   H2_CONNECTIONS h2load connections (h2c-hello, h2-tls-hello) [16]
#   H2_STREAMS     h2load concurrent streams per connection (h2c-hello, h2-tls-hello) [32]
#   HS_CONNECTIONS wrk connections, each closed after one request (tls-handshakes) [64]
#   TLS_KEY        server key of the TLS runs: ec (ECDSA P-256) or rsa (RSA 2048) [ec]
#   IO_LOOPS       --io-loops for this engine [1, as the peer's one event loop]
#   SERVER_CPU     core the servers are pinned to [0]
#   LOAD_CPU       core the load tool is pinned to [1]
#                  siphon-access-log is this engine with its access log on (JSON lines to a file
#                  in the log directory), for the log's cost (not in the default SERVERS either)
#   SIPHON_BASELINE another checkout of this project, built (make build): the server
#                  siphon-baseline runs its engine jar (virtual loops) in h1-hello and h2c-hello,
#                  for an A/B of two builds in one run (it is not in the default SERVERS)
#   PORT_BASE      the i-th server listens on PORT_BASE+i [18080]
#   START_TIMEOUT  seconds a server may take to answer [60]
#   QUIET_TIMEOUT  seconds wait-quiet may wait before each run [60]
#   OTHER_MAX      percent of one core others may use during a clean run [10]
#   JAVA_OPTS      JVM flags for every server [-XX:+UseParallelGC]
#   NETTY_OPTS     extra JVM flags for the Netty peer (its fast settings on JDK 25)
#   JDK_TLS_OPTS   extra JVM flags for the servers on the JDK's TLS (netty-tls, netty-h2-tls,
#                  siphon-tls-jdk) [-Djdk.tls.server.newSessionTicketCount=0: no session
#                  tickets, so no resumption, as on this engine's BouncyCastle TLS]
#   RESULTS        markdown results [bench/target/e2e-results.md]
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

SERVERS=${SERVERS:-"siphon-virtual siphon-platform netty netty-h2 siphon-tls-virtual siphon-tls-platform siphon-tls-jdk netty-tls netty-h2-tls"}
SCENARIOS=${SCENARIOS:-"h1-hello h2c-hello https-hello h2-tls-hello tls-handshakes https-provider"}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
H2_CONNECTIONS=${H2_CONNECTIONS:-16}
H2_STREAMS=${H2_STREAMS:-32}
HS_CONNECTIONS=${HS_CONNECTIONS:-64}
TLS_KEY=${TLS_KEY:-ec}
IO_LOOPS=${IO_LOOPS:-1}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
PORT_BASE=${PORT_BASE:-18080}
START_TIMEOUT=${START_TIMEOUT:-60}
QUIET_TIMEOUT=${QUIET_TIMEOUT:-60}
OTHER_MAX=${OTHER_MAX:-10}
JAVA_OPTS=${JAVA_OPTS:-"-XX:+UseParallelGC"}
NETTY_OPTS=${NETTY_OPTS:-"--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED -Dio.netty.leakDetection.level=disabled"}
JDK_TLS_OPTS=${JDK_TLS_OPTS--Djdk.tls.server.newSessionTicketCount=0}
RESULTS=${RESULTS:-bench/target/e2e-results.md}

ENGINE_CP='engine/target/siphon-engine.jar:engine/target/lib/*'
TLS_LIB=bench/target/tls-lib   # siphon-tls and its BouncyCastle jars, copied by the bench build
BENCH_JAR=bench/target/siphon-bench.jar
QUIET_TOOL=$ROOT/../shared/tools/wait-quiet
CLK_TCK=$(getconf CLK_TCK)

die() { echo "e2e: $*" >&2; exit 1; }
log() { echo "e2e: $*" >&2; }

for n in DURATION WARMUP ROUNDS CONNECTIONS H2_CONNECTIONS H2_STREAMS HS_CONNECTIONS IO_LOOPS SERVER_CPU LOAD_CPU PORT_BASE START_TIMEOUT QUIET_TIMEOUT OTHER_MAX; do
  [[ ${!n} =~ ^[0-9]+$ ]] || die "$n must be a whole number, not '${!n}'"
done
[ "$DURATION" -gt 0 ] && [ "$ROUNDS" -gt 0 ] || die "DURATION and ROUNDS must be at least 1"
[[ $TLS_KEY == ec || $TLS_KEY == rsa ]] || die "TLS_KEY must be ec or rsa, not '$TLS_KEY'"

# The Makefile exports a suitable JAVA_HOME; run directly, bin/find-jdk picks one.
JAVA_HOME=$(bin/find-jdk) || exit 1
export JAVA_HOME
JAVA=$JAVA_HOME/bin/java

for tool in taskset curl; do
  command -v "$tool" >/dev/null || die "$tool not found: run bin/ensure-tools bench"
done

LOG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/siphon-e2e.XXXXXX")
RUNS=$LOG_DIR/runs.tsv   # one line per measured run, see measure
: >"$RUNS"
PKI=$LOG_DIR/pki         # the TLS servers' CA, certificate and key (bench/tls-certs.sh)

# ---------------------------------------------------------------- servers

declare -A PORT PID
STARTED=()
LOAD_PID=

ALL_SERVERS="siphon-virtual siphon-platform siphon-baseline siphon-access-log netty netty-h2 siphon-tls-virtual siphon-tls-platform siphon-tls-jdk netty-tls netty-h2-tls"

# Sets CMD to the command line of server $1 listening on port $2.
server_command() {
  local name=$1 port=$2
  local tls=(--tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key")
  # shellcheck disable=SC2206  # the *_OPTS variables are word lists on purpose
  case $name in
    siphon-virtual|siphon-platform)
      CMD=("$JAVA" $JAVA_OPTS -cp "$ENGINE_CP" dev.siphon.http.demo.HelloServer "127.0.0.1:$port"
           --loop-threads "${name#siphon-}" --io-loops "$IO_LOOPS") ;;
    siphon-access-log)
      CMD=("$JAVA" $JAVA_OPTS -cp "$ENGINE_CP" dev.siphon.http.demo.HelloServer "127.0.0.1:$port"
           --loop-threads virtual --io-loops "$IO_LOOPS" --access-log "$LOG_DIR/access-$port.log") ;;
    siphon-baseline)
      [ -n "${SIPHON_BASELINE:-}" ] || die "siphon-baseline needs SIPHON_BASELINE=<another checkout, built>"
      CMD=("$JAVA" $JAVA_OPTS -cp "$SIPHON_BASELINE/engine/target/siphon-engine.jar:$SIPHON_BASELINE/engine/target/lib/*"
           dev.siphon.http.demo.HelloServer "127.0.0.1:$port" --loop-threads virtual --io-loops "$IO_LOOPS") ;;
    siphon-tls-virtual|siphon-tls-platform)
      CMD=("$JAVA" $JAVA_OPTS -cp "$ENGINE_CP:$TLS_LIB/*" dev.siphon.http.demo.HelloServer "127.0.0.1:$port"
           --loop-threads "${name#siphon-tls-}" --io-loops "$IO_LOOPS" "${tls[@]}") ;;
    siphon-tls-jdk)
      CMD=("$JAVA" $JAVA_OPTS $JDK_TLS_OPTS -Dsiphon.tls.jsse=jdk -cp "$ENGINE_CP:$TLS_LIB/*"
           dev.siphon.http.demo.HelloServer "127.0.0.1:$port" --loop-threads virtual --io-loops "$IO_LOOPS" "${tls[@]}") ;;
    netty)
      CMD=("$JAVA" $JAVA_OPTS $NETTY_OPTS -cp "$BENCH_JAR" dev.siphon.http.bench.NettyHelloServer "127.0.0.1:$port") ;;
    netty-h2)
      CMD=("$JAVA" $JAVA_OPTS $NETTY_OPTS -cp "$BENCH_JAR" dev.siphon.http.bench.NettyH2HelloServer "127.0.0.1:$port") ;;
    netty-tls)
      CMD=("$JAVA" $JAVA_OPTS $NETTY_OPTS $JDK_TLS_OPTS -cp "$BENCH_JAR" dev.siphon.http.bench.NettyHelloServer
           "127.0.0.1:$port" "${tls[@]}") ;;
    netty-h2-tls)
      CMD=("$JAVA" $JAVA_OPTS $NETTY_OPTS $JDK_TLS_OPTS -cp "$BENCH_JAR" dev.siphon.http.bench.NettyH2HelloServer
           "127.0.0.1:$port" "${tls[@]}") ;;
    *) die "unknown server '$name' (known: $ALL_SERVERS)" ;;
  esac
}

required_files() {
  case $1 in
    siphon-tls-*) echo engine/target/siphon-engine.jar "$TLS_LIB" ;;
    siphon-baseline) echo "${SIPHON_BASELINE:-.}/engine/target/siphon-engine.jar" ;;
    siphon-*) echo engine/target/siphon-engine.jar ;;
    netty*) echo "$BENCH_JAR" ;;
  esac
}

is_tls() {
  case $1 in
    *-tls*) return 0 ;;
    *) return 1 ;;
  esac
}

# Whether server $1 must negotiate h2 through ALPN (it serves h2-tls-hello).
tls_h2() {
  case $1 in
    siphon-tls-*|netty-h2-tls) return 0 ;;
    *) return 1 ;;
  esac
}

# curl flags to reach server $1: the cleartext HTTP/2 peer speaks nothing else; the TLS servers
# are checked against the bench CA.
curl_protocol() {
  case $1 in
    netty-h2) echo --http2-prior-knowledge ;;
    *-tls*) echo --http1.1 --cacert "$PKI/ca.pem" ;;
    *) echo --http1.1 ;;
  esac
}

server_url() {  # SERVER PATH
  if is_tls "$1"; then echo "https://127.0.0.1:${PORT[$1]}$2"; else echo "http://127.0.0.1:${PORT[$1]}$2"; fi
}

stop_servers() {
  local pid i
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  STARTED=()
}

on_exit() {
  local rc=$?
  [ -z "${LOAD_PID:-}" ] || kill "$LOAD_PID" 2>/dev/null || true
  stop_servers
  echo "e2e: server logs and raw load-tool output: $LOG_DIR" >&2
  exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_server() {
  local name=$1 port=$2
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port already accepts connections: another server would be measured (set PORT_BASE)"
  fi
  server_command "$name" "$port"
  echo "${CMD[*]}" >"$LOG_DIR/$name.cmd"
  taskset -c "$SERVER_CPU" "${CMD[@]}" >"$LOG_DIR/$name.log" 2>&1 &
  PID[$name]=$!
  PORT[$name]=$port
  STARTED+=("$!")
}

# Waits until server $1 answers GET /hello/bench with "hi bench" (and, for a server of
# h2-tls-hello, also over h2 chosen by ALPN).
wait_ready() {
  local name=$1 url body version deadline=$((SECONDS + START_TIMEOUT)) flags
  url=$(server_url "$name" /hello/bench)
  read -r -a flags <<<"$(curl_protocol "$name")"
  while ((SECONDS < deadline)); do
    kill -0 "${PID[$name]}" 2>/dev/null || { tail -n 20 "$LOG_DIR/$name.log" >&2; die "$name exited before answering"; }
    if body=$(curl -s "${flags[@]}" --max-time 2 "$url"); then
      [ "$body" = "hi bench" ] || die "$name answered $url with '$body', not 'hi bench'"
      if tls_h2 "$name"; then
        version=$(curl -s --http2 --cacert "$PKI/ca.pem" --max-time 2 -o /dev/null -w '%{http_version}' "$url") || true
        [ "$version" = 2 ] || die "$name did not negotiate h2 through ALPN (curl saw HTTP/${version:-none})"
      fi
      log "$name ready on port ${PORT[$name]} (pid ${PID[$name]})"
      return
    fi
    sleep 0.25
  done
  tail -n 20 "$LOG_DIR/$name.log" >&2
  die "$name did not answer within $START_TIMEOUT s"
}

# ---------------------------------------------------------------- load tools
#
# A run_TOOL function runs one load, pinned to LOAD_CPU, through run_load in
# this shell (not a subshell: the tool's CPU time is read from this shell's
# cutime/cstime once it is reaped), writes the tool's output to $OUT and sets:
#   R_RPS (requests per second), R_REQS (requests completed),
#   R_P50, R_P99 (latency percentiles in microseconds), R_ERRORS (failed
#   requests plus socket errors).

# Prints a wrk latency such as 245.00us, 1.23ms or 1.02s in microseconds.
to_us() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") print n; else if (u == "ms") print n * 1000; else if (u == "s") print n * 1000000;
    else if (u == "m") print n * 60000000; else print "nan" }'
}

# Runs a load tool command in the background and waits for it: a signal to
# this script then interrupts the wait at once (a foreground child would defer
# the trap until it finished), and on_exit stops the tool.
run_load() {
  "$@" >"$OUT" 2>&1 &
  LOAD_PID=$!
  local rc=0
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=
  return $rc
}

run_wrk() {  # SERVER URL SECONDS [CONNECTIONS [wrk options...]]
  local conns=${4:-$CONNECTIONS}
  run_load taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"$3"s --latency "${@:5}" "$2" \
    || { cat "$OUT" >&2; die "wrk failed against $1"; }
  R_RPS=$(awk '/^Requests\/sec:/ {print $2}' "$OUT")
  R_REQS=$(awk '/ requests in / {print $1}' "$OUT")
  R_P50=$(to_us "$(awk '$1 == "50%" {print $2}' "$OUT")")
  R_P99=$(to_us "$(awk '$1 == "99%" {print $2}' "$OUT")")
  R_ERRORS=$(awk '
    /Socket errors:/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { e += $NF }
    END { print e + 0 }' "$OUT")
  [ -n "$R_RPS" ] && [ -n "$R_REQS" ] || { cat "$OUT" >&2; die "could not read wrk output for $1"; }
}

# h2load reports no latency percentiles (only min/max/mean/sd), so R_P50 and
# R_P99 stay empty: the report shows "n/a" for them. Errors are failed,
# errored and timed-out requests plus answers other than 2xx.
run_h2load() {  # SERVER URL SECONDS
  run_load taskset -c "$LOAD_CPU" h2load -t1 -c"$H2_CONNECTIONS" -m"$H2_STREAMS" -D "$3" "$2" \
    || { cat "$OUT" >&2; die "h2load failed against $1"; }
  R_RPS=$(awk '/^finished in / { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^req\/s/) print $i }' "$OUT")
  R_REQS=$(awk '/^requests: / { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^succeeded/) print $i }' "$OUT")
  R_P50=
  R_P99=
  R_ERRORS=$(awk '
    /^requests: / { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^(failed|errored|timeout)/) e += $i }
    /^status codes: / { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^[345]xx/) e += $i }
    END { print e + 0 }' "$OUT")
  [ -n "$R_RPS" ] && [ -n "$R_REQS" ] || { cat "$OUT" >&2; die "could not read h2load output for $1"; }
  if [[ $2 == https:* ]] && ! grep -q '^Application protocol: h2$' "$OUT"; then
    cat "$OUT" >&2; die "h2load did not negotiate h2 with $1"
  fi
}

# ---------------------------------------------------------------- scenarios

scenario_h1_hello() {  # SERVER PORT SECONDS: HTTP/1.1 keep-alive, GET /hello/bench
  run_wrk "$1" "http://127.0.0.1:$2/hello/bench" "$3"
}

scenario_h2c_hello() {  # SERVER PORT SECONDS: HTTP/2 prior knowledge, GET /hello/bench
  run_h2load "$1" "http://127.0.0.1:$2/hello/bench" "$3"
}

scenario_https_hello() {  # SERVER PORT SECONDS: HTTP/1.1 over TLS, keep-alive
  run_wrk "$1" "https://127.0.0.1:$2/hello/bench" "$3"
}

scenario_h2_tls_hello() {  # SERVER PORT SECONDS: HTTP/2 over TLS (ALPN h2)
  run_h2load "$1" "https://127.0.0.1:$2/hello/bench" "$3"
}

# A new TLS connection per request: the server closes after each response, wrk reconnects.
# Full handshakes every time: see JDK_TLS_OPTS at the top.
scenario_tls_handshakes() {  # SERVER PORT SECONDS
  run_wrk "$1" "https://127.0.0.1:$2/hello/bench" "$3" "$HS_CONNECTIONS" -H 'Connection: close'
}

scenario_https_provider() {  # SERVER PORT SECONDS: https-hello, for the provider comparison
  scenario_https_hello "$@"
}

# Whether scenario $1 runs against server $2.
scenario_applies() {
  case $1:$2 in
    h1-hello:siphon-virtual|h1-hello:siphon-platform|h1-hello:netty|h1-hello:siphon-baseline|h1-hello:siphon-access-log) return 0 ;;
    h2c-hello:siphon-virtual|h2c-hello:siphon-platform|h2c-hello:netty-h2|h2c-hello:siphon-baseline|h2c-hello:siphon-access-log) return 0 ;;
    https-hello:siphon-tls-virtual|https-hello:siphon-tls-platform|https-hello:netty-tls) return 0 ;;
    h2-tls-hello:siphon-tls-virtual|h2-tls-hello:siphon-tls-platform|h2-tls-hello:netty-h2-tls) return 0 ;;
    tls-handshakes:siphon-tls-*|tls-handshakes:netty-tls) return 0 ;;
    https-provider:siphon-tls-virtual|https-provider:siphon-tls-jdk) return 0 ;;
    *) return 1 ;;
  esac
}

# The peer this engine is compared with in scenario $1.
scenario_peer() {
  case $1 in
    h2c-hello) echo netty-h2 ;;
    https-hello|tls-handshakes) echo netty-tls ;;
    h2-tls-hello) echo netty-h2-tls ;;
    https-provider) echo siphon-tls-jdk ;;
    *) echo netty ;;
  esac
}

# The load tool scenario $1 needs.
scenario_tool() {
  case $1 in
    h2c-hello|h2-tls-hello) echo h2load ;;
    *) echo wrk ;;
  esac
}

# A line printed under scenario $1's table, or nothing.
scenario_note() {
  case $1 in
    tls-handshakes) echo "One request per connection: req/s is full TLS handshakes per second (server key: $TLS_KEY)." ;;
    https-provider) echo "This engine only, virtual-thread loops: BouncyCastle's JSSE (siphon-tls-virtual, the default) against the JDK's (siphon-tls-jdk, -Dsiphon.tls.jsse=jdk); the ratio is BouncyCastle's over the JDK's." ;;
  esac
}

# ---------------------------------------------------------------- measuring

proc_ticks() {  # utime+stime of process $1, in clock ticks
  local s f
  s=$(<"/proc/$1/stat")
  s=${s##*) }   # drop "pid (comm) ": field 3 (state) is now the first
  read -r -a f <<<"$s"
  echo $((f[11] + f[12]))
}

children_ticks() {  # cutime+cstime of this shell: CPU of its finished children
  local s f
  s=$(<"/proc/$$/stat")
  s=${s##*) }
  read -r -a f <<<"$s"
  echo $((f[13] + f[14]))
}

machine_busy_ticks() {  # all cores, from the first line of /proc/stat
  local cpu user nice system idle iowait irq softirq steal rest
  read -r cpu user nice system idle iowait irq softirq steal rest </proc/stat
  echo $((user + nice + system + irq + softirq + steal))
}

quiet_before() {  # yes | no | unchecked
  [ -f "$QUIET_TOOL" ] || { echo unchecked; return; }
  if python3 "$QUIET_TOOL" --timeout "$QUIET_TIMEOUT" >>"$LOG_DIR/wait-quiet.log" 2>&1; then echo yes; else echo no; fi
}

# One measured run of scenario $1 against server $2 in round $3; appends to RUNS:
# scenario server round req/s p50_us p99_us cpu_share req_per_cpu_s other_pct quiet errors load_share
measure() {
  local scenario=$1 name=$2 round=$3 pid=${PID[$2]} quiet
  quiet=$(quiet_before)
  OUT=$LOG_DIR/$scenario.$name.round$round.txt
  local s0 c0 m0 t0 s1 c1 m1 t1
  s0=$(proc_ticks "$pid"); c0=$(children_ticks); m0=$(machine_busy_ticks); t0=$EPOCHREALTIME
  "scenario_${scenario//-/_}" "$name" "${PORT[$name]}" "$DURATION"
  t1=$EPOCHREALTIME; s1=$(proc_ticks "$pid"); c1=$(children_ticks); m1=$(machine_busy_ticks)
  kill -0 "$pid" 2>/dev/null || die "$name died during the run (log: $LOG_DIR/$name.log)"
  awk -v OFS='\t' -v sc="$scenario" -v n="$name" -v r="$round" -v q="$quiet" -v hz="$CLK_TCK" \
      -v rps="$R_RPS" -v reqs="$R_REQS" -v p50="$R_P50" -v p99="$R_P99" -v err="$R_ERRORS" \
      -v srv=$((s1 - s0)) -v load=$((c1 - c0)) -v all=$((m1 - m0)) -v t0="$t0" -v t1="$t1" 'BEGIN {
    wall = t1 - t0
    share = srv / (wall * hz)
    per_cpu = srv > 0 ? reqs / (srv / hz) : 0
    other = 100 * (all - srv - load) / (wall * hz)
    if (other < 0) other = 0
    p50 = p50 == "" ? "-" : sprintf("%.0f", p50)
    p99 = p99 == "" ? "-" : sprintf("%.0f", p99)
    printf "%s\t%s\t%d\t%.0f\t%s\t%s\t%.3f\t%.0f\t%.1f\t%s\t%d\t%.3f\n", sc, n, r, rps, p50, p99, share, per_cpu, other, q, err, load / (wall * hz)
  }' >>"$RUNS"
  tail -n 1 "$RUNS" | awk -F'\t' '{ printf "e2e: %s %s round %d: %s req/s, p50 %s us, p99 %s us, server CPU %.0f%%, %s req/CPU-s, load tool CPU %.0f%%, other CPU %s%%, quiet before: %s, errors %s\n", $1, $2, $3, $4, $5 == "-" ? "n/a" : $5, $6 == "-" ? "n/a" : $6, $7 * 100, $8, $12 * 100, $9, $10, $11 }' >&2
}

# ---------------------------------------------------------------- report

# Prints the markdown summary of RUNS.
summarize() {
  local sc peers=""
  for sc in $SCENARIOS; do
    peers="$peers $sc=$(scenario_peer "$sc")"
    export "E2E_NOTE_${sc//-/_}=$(scenario_note "$sc")"
  done
  awk -F'\t' -v other_max="$OTHER_MAX" -v servers="$SERVERS" -v scenarios="$SCENARIOS" -v peers="$peers" '
    function cell(key, col,   n, i, j, t, v, lo, hi, med, fmt) {
      n = 0
      for (i = 1; i <= cnt[key]; i++) if (use[key, i] && val[key, i, col] != "-") v[++n] = val[key, i, col]
      if (n == 0) return "n/a"
      for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
      med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      medians[key, col] = med
      fmt = col == 7 ? "%.0f%%" : "%.0f"
      if (col == 7) { med *= 100; lo = v[1] * 100; hi = v[n] * 100 } else { lo = v[1]; hi = v[n] }
      if (n == 1) return sprintf(fmt, med)
      return sprintf(fmt " (" fmt "–" fmt ")", med, lo, hi)
    }
    {
      key = $1 SUBSEP $2
      i = ++cnt[key]
      for (c = 4; c <= 8; c++) val[key, i, c] = $c
      valid[key, i] = $11 == 0
      clean[key, i] = $11 == 0 && $9 <= other_max
      if (clean[key, i]) nclean[key]++
      if (valid[key, i]) nvalid[key]++
    }
    END {
      ns = split(scenarios, sc, " "); nv = split(servers, sv, " ")
      np = split(peers, pl, " ")
      for (a = 1; a <= np; a++) { eq = index(pl[a], "="); peer_of[substr(pl[a], 1, eq - 1)] = substr(pl[a], eq + 1) }
      for (a = 1; a <= ns; a++) {
        print "### " sc[a]
        print ""
        print "| server | req/s | p50 µs | p99 µs | server CPU | req per CPU-second | runs used |"
        print "|---|---|---|---|---|---|---|"
        for (b = 1; b <= nv; b++) {
          key = sc[a] SUBSEP sv[b]
          if (!cnt[key]) continue
          # Clean runs when there are any, else every run with no errors, flagged.
          note = ""
          for (i = 1; i <= cnt[key]; i++) use[key, i] = nclean[key] ? clean[key, i] : valid[key, i]
          if (!nclean[key]) { note = nvalid[key] ? " (none quiet: noisy)" : " (all had errors)"; noisy = 1 }
          used = nclean[key] ? nclean[key] : nvalid[key]
          printf "| %s | %s | %s | %s | %s | %s | %d of %d%s |\n", sv[b], cell(key, 4), cell(key, 5), cell(key, 6), cell(key, 7), cell(key, 8), used, cnt[key], note
        }
        print ""
        nk = sc[a]; gsub(/-/, "_", nk)
        if (ENVIRON["E2E_NOTE_" nk] != "") { print ENVIRON["E2E_NOTE_" nk]; print "" }
        if (noisy) {
          print "Warning: some servers had no clean run; their cells use noisy runs and are not comparable."
          print ""
          noisy = 0
        }
        pname = peer_of[sc[a]]
        peer = sc[a] SUBSEP pname
        if ((peer, 4) in medians && medians[peer, 4] > 0 && medians[peer, 8] > 0) {
          for (b = 1; b <= nv; b++) {
            if (sv[b] == pname) continue
            key = sc[a] SUBSEP sv[b]
            if (!((key, 4) in medians)) continue
            printf "- %s / %s: req/s %.2f, req per CPU-second %.2f\n", sv[b], pname, medians[key, 4] / medians[peer, 4], medians[key, 8] / medians[peer, 8]
          }
          print ""
        }
      }
    }' "$RUNS"
}

all_runs_table() {
  echo "| scenario | server | round | req/s | p50 µs | p99 µs | server CPU | req per CPU-s | load tool CPU | other CPU | quiet before | errors |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  awk -F'\t' '{ printf "| %s | %s | %d | %s | %s | %s | %.0f%% | %s | %.0f%% | %s%% | %s | %s |\n", $1, $2, $3, $4, $5 == "-" ? "n/a" : $5, $6 == "-" ? "n/a" : $6, $7 * 100, $8, $12 * 100, $9, $10, $11 }' "$RUNS"
}

write_results() {
  local summary=$1 rev
  rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  git diff --quiet HEAD 2>/dev/null || rev="$rev (with uncommitted changes)"
  mkdir -p "$(dirname "$RESULTS")"
  {
    echo "# End-to-end results"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $rev"
    echo "- machine: $(nproc) cores, $(uname -sr), JDK: $("$JAVA" -version 2>&1 | head -n 1)"
    echo "- servers pinned to core $SERVER_CPU, load tool to core $LOAD_CPU; h1: wrk -t1 -c$CONNECTIONS;" \
         "h2c: h2load -t1 -c$H2_CONNECTIONS -m$H2_STREAMS;" \
         "${WARMUP} s warm-up, $ROUNDS rounds of ${DURATION} s; this engine with --io-loops $IO_LOOPS"
    echo "- TLS: $TLS_KEY server key (bench/tls-certs.sh); https: wrk -t1 -c$CONNECTIONS; h2 over TLS:" \
         "h2load -t1 -c$H2_CONNECTIONS -m$H2_STREAMS; tls-handshakes: wrk -t1 -c$HS_CONNECTIONS, Connection: close"
    echo "- JVM flags: \`$JAVA_OPTS\`; Netty also \`$NETTY_OPTS\`; servers on the JDK's TLS also \`$JDK_TLS_OPTS\`"
    echo "- cells: median (min–max) over clean runs (others used at most $OTHER_MAX% of a core)"
    echo
    echo "$summary"
    echo
    echo "## Every run"
    echo
    all_runs_table
  } >"$RESULTS"
}

# ---------------------------------------------------------------- main

read -r -a SERVER_LIST <<<"$SERVERS"
read -r -a SCENARIO_LIST <<<"$SCENARIOS"
[ ${#SERVER_LIST[@]} -gt 0 ] || die "SERVERS is empty"
for sc in "${SCENARIO_LIST[@]}"; do
  declare -F "scenario_${sc//-/_}" >/dev/null || die "unknown scenario '$sc'"
  tool=$(scenario_tool "$sc")
  command -v "$tool" >/dev/null || die "$tool not found (scenario $sc): run bin/ensure-tools bench"
done
need_pki=
for name in "${SERVER_LIST[@]}"; do
  server_command "$name" 0
  for f in $(required_files "$name"); do
    [ -e "$f" ] || die "$f is missing: build first (make build)"
  done
  if is_tls "$name"; then need_pki=1; fi
done
if [ -n "$need_pki" ]; then
  command -v openssl >/dev/null || die "openssl not found (TLS servers): run bin/ensure-tools bench"
  bench/tls-certs.sh "$PKI" "$TLS_KEY" || die "could not make the TLS certificates"
  log "TLS servers use a $TLS_KEY certificate for 127.0.0.1 from a throwaway CA in $PKI"
fi
[ -f "$QUIET_TOOL" ] || log "no $QUIET_TOOL: runs will not wait for a quiet machine"

i=0
for name in "${SERVER_LIST[@]}"; do
  start_server "$name" $((PORT_BASE + i))
  i=$((i + 1))
done
for name in "${SERVER_LIST[@]}"; do wait_ready "$name"; done

for sc in "${SCENARIO_LIST[@]}"; do
  targets=()
  for name in "${SERVER_LIST[@]}"; do
    if scenario_applies "$sc" "$name"; then targets+=("$name"); fi
  done
  if [ ${#targets[@]} -eq 0 ]; then
    log "$sc: none of SERVERS ($SERVERS) serves this scenario; skipped"
    continue
  fi
  if [ "$WARMUP" -gt 0 ]; then
    for name in "${targets[@]}"; do
      log "$sc: warming up $name for $WARMUP s"
      OUT=$LOG_DIR/$sc.$name.warmup.txt
      "scenario_${sc//-/_}" "$name" "${PORT[$name]}" "$WARMUP"
    done
  fi
  n=${#targets[@]}
  for ((round = 1; round <= ROUNDS; round++)); do
    for ((k = 0; k < n; k++)); do
      measure "$sc" "${targets[$(((round - 1 + k) % n))]}" "$round"
    done
  done
done

stop_servers
SUMMARY=$(summarize)
write_results "$SUMMARY"
echo
echo "$SUMMARY"
echo "results: $RESULTS"
