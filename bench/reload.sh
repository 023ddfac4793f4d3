#!/usr/bin/env bash
# Reloads under load (docs/performance.md, "Reloads under load"; issue 17 item 5 target: 20
# reloads -- script changes and certificate renewals -- during a 60-second load run, with zero
# failed or non-2xx requests by the load tools' own counts).
#
#   bench/reload.sh [SECONDS] [RELOADS]        60 and 20 by default
#
# Starts bin/siphon-http (this tree's pybridge/target: build it first) with a cleartext and a
# TLS listener and an admin listener, then for SECONDS runs at once:
#   - wrk (HTTP/1.1, keep-alive) on the cleartext listener,
#   - h2load (HTTP/2 over TLS, keep-alive) on the TLS listener,
#   - a curl loop that opens a new TLS connection per request (so handshakes happen all along
#     and meet every renewed certificate; verified against the bench CA),
# while it sends RELOADS SIGHUPs spread over the run, alternately after rewriting the script
# (its answer's version changes) and after renewing the certificate (a new key and certificate
# from the same CA, each moved into place whole). Prints each tool's counts, the reloads the
# server counted (siphon_python_reloads_total), and the process's RSS: before, the highest during the
# run, and after. Before the load run, the memory the overlap of two script generations costs:
# a request of the old script is held in flight (its handler waits for a file) so that both
# generations are alive, and the live heap after a full GC (jcmd GC.run, GC.heap_info) is
# compared with one generation's, and with the heap after the old one was released.
#
# Environment: WORKERS [2], WRK_CONNECTIONS [8], H2_CONNECTIONS [4], H2_STREAMS [8].
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=${1:-60}
RELOADS=${2:-20}
WORKERS=${WORKERS:-2}
for t in wrk h2load curl openssl; do
  command -v "$t" >/dev/null || { echo "$0: $t not found (bin/ensure-tools bench)" >&2; exit 1; }
done
[[ -f pybridge/target/siphon-http.jar ]] || { echo "$0: build first (make build)" >&2; exit 1; }

work=$(mktemp -d)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

bench/tls-certs.sh "$work" ec
cat >"$work/server.ext" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
EOF
renew() { # a new key and certificate signed by the bench CA, each moved into place whole
  local n=$1
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/next.key" 2>/dev/null
  openssl req -new -key "$work/next.key" -sha256 -subj "/CN=127.0.0.1 renewal $n" -out "$work/next.csr" 2>/dev/null
  openssl x509 -req -in "$work/next.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -sha256 \
    -days 2 -extfile "$work/server.ext" -out "$work/next.pem" 2>/dev/null
  mv "$work/next.key" "$work/server.key"
  mv "$work/next.pem" "$work/server.pem"
}
script() { # version $1 of the app
  cat >"$work/app.py.tmp" <<EOF
from siphon import http

@http.route("/")
def root(req):
    return http.Response(body="hello v$1")
EOF
  mv "$work/app.py.tmp" "$work/app.py"
}
script 0
cat >"$work/http.yaml" <<EOF
servers:
  - listen: 127.0.0.1:0
  - listen: 127.0.0.1:0
    tls:
      cert_path: $work/server.pem
      key_path: $work/server.key
admin:
  listen: 127.0.0.1:0
engine:
  workers: $WORKERS
EOF

bin/siphon-http --config "$work/http.yaml" --script "$work/app.py" >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 1800); do
  grep -q "admin listener on" "$work/out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/err" >&2; exit 1; }
  sleep 0.1
done
http_url=$(grep -o 'listening on http://[^ ]*' "$work/out" | head -1 | cut -d' ' -f3)
https_url=$(grep -o 'listening on https://[^ ]*' "$work/out" | head -1 | cut -d' ' -f3)
admin_url=$(grep -o 'admin listener on http://[^ ]*' "$work/out" | cut -d' ' -f4)
for _ in $(seq 1 1800); do # every worker loaded
  grep -q "start-up: worker $((WORKERS - 1)) ready" "$work/err" && break
  sleep 0.1
done
rss() { awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status"; }
echo "== siphon-http pid $pid: $http_url, $https_url, admin $admin_url; $WORKERS worker(s)"
echo "== warm-up: 10 s of wrk"
wrk -t1 -c"${WRK_CONNECTIONS:-8}" -d10s "$http_url/" >/dev/null

echo "== the overlap held open: a request of the old script in flight keeps its contexts alive"
# live heap after a full collection (ParallelGC: System.gc is one), and RSS
live() {
  "$JCMD" "$pid" GC.run >/dev/null
  "$JCMD" "$pid" GC.heap_info | awk '/PSYoungGen|ParOldGen/ {for (i = 1; i <= NF; i++) if ($i == "used") {v = $(i + 1); sub("K,?", "", v); s += v}} END {print int(s / 1024)}'
}
JCMD="$(bin/find-jdk)/bin/jcmd"
gate="$work/gate"
script_gated() { # version $1, with /slow answering once $gate exists
  cat >"$work/app.py.tmp" <<EOF
import asyncio, os
from siphon import http

@http.route("/")
def root(req):
    return http.Response(body="hello v$1")

@http.route("/slow")
async def slow(req):
    while not os.path.exists("$gate"):
        await asyncio.sleep(0.05)
    return http.Response(body="slow v$1")
EOF
  mv "$work/app.py.tmp" "$work/app.py"
}
reloaded() { grep -c 'siphon.http: reloaded ' "$work/err" || true; }
n=$(reloaded)
script_gated 1000
kill -HUP "$pid"
until [ "$(curl -s "$http_url/")" = "hello v1000" ]; do sleep 0.2; done
until [ "$(reloaded)" -ge $((n + 1)) ]; do sleep 0.2; done
sleep 2
one_live=$(live); one_rss=$(rss)
curl -s --max-time 120 "$http_url/slow" >"$work/slow.txt" &
slow_pid=$!
sleep 1
script_gated 1001
t0=$(date +%s.%N)
kill -HUP "$pid"
until [ "$(curl -s "$http_url/")" = "hello v1001" ]; do sleep 0.05; done
t1=$(date +%s.%N)
sleep 2
two_live=$(live); two_rss=$(rss)
touch "$gate"
wait "$slow_pid"
until [ "$(reloaded)" -ge $((n + 2)) ]; do sleep 0.2; done
sleep 2
after_live=$(live); after_rss=$(rss)
echo "   SIGHUP to the new script answering: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s;"   "the slow request of the old script answered: $(cat "$work/slow.txt")"
grep 'siphon.http: reloaded ' "$work/err" | tail -1 | sed 's/^/   /'
echo "   live heap after a full GC (MiB): one generation $one_live, two (overlap) $two_live"   "(+$((two_live - one_live))), after the old one was released $after_live"
echo "   RSS (MiB): one generation $one_rss, two $two_rss, after $after_rss"

rss_before=$(rss)
ok_before=$(reloaded)
tls_before=$(grep -c 'TLS reloaded for' "$work/err" || true)
echo "== $SECONDS_RUN s of load with $RELOADS reloads"
wrk -t1 -c"${WRK_CONNECTIONS:-8}" -d"${SECONDS_RUN}s" "$http_url/" >"$work/wrk.txt" 2>&1 &
wrk_pid=$!
h2load -t1 -c"${H2_CONNECTIONS:-4}" -m"${H2_STREAMS:-8}" -D "$SECONDS_RUN" "$https_url/" >"$work/h2load.txt" 2>&1 &
h2_pid=$!
(
  ok=0; bad=0; end=$((SECONDS + SECONDS_RUN))
  while [ $SECONDS -lt $end ]; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$work/ca.pem" "$https_url/" || true)
    if [ "$code" = 200 ]; then ok=$((ok + 1)); else bad=$((bad + 1)); echo "curl: $code" >>"$work/curl-bad.txt"; fi
  done
  echo "$ok $bad" >"$work/curl.txt"
) &
curl_pid=$!
rss_peak=$rss_before
(
  while kill -0 "$wrk_pid" 2>/dev/null; do rss >>"$work/rss.txt"; sleep 0.2; done
) &
sampler=$!
interval=$(awk -v s="$SECONDS_RUN" -v n="$RELOADS" 'BEGIN { printf "%.2f", (s - 4) / n }')
sleep 2
for i in $(seq 1 "$RELOADS"); do
  if (( i % 2 )); then script "$i"; what="script v$i"; else renew "$i"; what="certificate renewal $i"; fi
  kill -HUP "$pid"
  echo "   reload $i at $(date +%T): $what"
  sleep "$interval"
done
wait "$wrk_pid" "$h2_pid" "$curl_pid" || true
wait "$sampler" || true
rss_peak=$(sort -n "$work/rss.txt" | tail -1)
sleep 5
rss_after=$(rss)

echo "== wrk (HTTP/1.1 keep-alive, cleartext)"
cat "$work/wrk.txt"
echo "== h2load (HTTP/2 over TLS, keep-alive)"
grep -E "^(finished|requests|status codes|traffic)" "$work/h2load.txt"
read -r curl_ok curl_bad <"$work/curl.txt"
echo "== curl, a new TLS connection per request: $curl_ok answered 200, $curl_bad not"
[ -f "$work/curl-bad.txt" ] && sort "$work/curl-bad.txt" | uniq -c
echo "== the server's own count"
curl -s "$admin_url/metrics" | grep '^siphon_python_reloads_total'
echo "   (2 of them before the load run) reloads in its log during the run: $(( $(reloaded) - ok_before ))," \
  "TLS reloaded: $(( $(grep -c 'TLS reloaded for' "$work/err") - tls_before ))," \
  "failed: $(grep -c 'reload of .* failed' "$work/err" || true)"
echo "   now serving: $(curl -s "$http_url/")"
echo "== RSS (MiB): before $rss_before, highest during the run $rss_peak, 5 s after $rss_after"

