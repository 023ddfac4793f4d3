#!/usr/bin/env bash
# Heap held per idle keep-alive HTTP/1.1 connection (docs/performance.md, "Idle connections").
#
#   bench/idle-connections.sh [N]      N connections, 10000 by default
#
# Starts the demo HelloServer (a Java handler) in its own JVM, opens N connections from
# 127.0.0.1 with bench/idle/IdleClient.java (another JVM, one NIO selector), sends one
# GET /hello/idle on each and reads its answer, and leaves them open and idle. The server's
# live heap is measured with `jcmd GC.class_histogram` (it runs a full GC first and sums the
# objects still reachable, less the collector's filler arrays) after a warm-up of 500 connections and again with the N open; the
# difference divided by N is the figure. The classes that grew most are listed, then the
# client closes everything and the live heap is measured once more.
#
# Needs engine/target built (mvn -o -q package -pl engine -am -DskipTests) and a descriptor
# limit above N on both sides: the script raises `ulimit -n` to the hard limit.
#
# Environment: SERVER_OPTS (JVM options of the server) [-XX:+UseParallelGC -Xmx1g],
# IO_LOOPS [2].
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
JAVA_HOME=${JAVA_HOME:-$(bin/find-jdk)}
JAVA="$JAVA_HOME/bin/java"
JCMD="$JAVA_HOME/bin/jcmd"
SERVER_OPTS=${SERVER_OPTS:--XX:+UseParallelGC -Xmx1g}
IO_LOOPS=${IO_LOOPS:-2}
ulimit -n "$(ulimit -Hn)"
if (( $(ulimit -n) < N + 200 )); then
  echo "ulimit -n is $(ulimit -n): too low for $N connections" >&2
  exit 1
fi
[[ -f engine/target/siphon-engine.jar ]] || { echo "build the engine first (engine/target)" >&2; exit 1; }

work=$(mktemp -d)
server_pid=
client_pid=
cleanup() {
  exec 3>&- 2>/dev/null || true
  [[ -n $client_pid ]] && kill "$client_pid" 2>/dev/null || true
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck disable=SC2086
"$JAVA" $SERVER_OPTS -cp "engine/target/siphon-engine.jar:engine/target/lib/*" dev.siphon.http.demo.HelloServer \
  127.0.0.1:0 --io-loops "$IO_LOOPS" --max-connections $((N + 100)) --max-connections-per-ip $((N + 100)) \
  --idle-timeout-ms 3600000 >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 100); do
  grep -q "listening on" "$work/server.out" 2>/dev/null && break
  sleep 0.1
done
port=$(sed -n 's#.*listening on http://127.0.0.1:\([0-9]*\).*#\1#p' "$work/server.out" | head -1)
[[ -n $port ]] || { echo "server did not start:"; cat "$work/server.err"; exit 1; } >&2

# Compiled once, so the warm-up and the measured run start alike.
"$JAVA_HOME/bin/javac" -d "$work/client" bench/idle/IdleClient.java

live() { # bytes of live objects in the server's heap, after the full GC the histogram runs
  "$JCMD" "$server_pid" GC.class_histogram >"$work/histo.$1"
  # FillerElement arrays are the collector's padding of unused space, not objects: left out
  awk '/^ *[0-9]+:/ && !/FillerElement/ {t += $3} END {print t}' "$work/histo.$1"
}

# The same client, run to the end (warm-up) or held open (the measured run).
mkfifo "$work/ctl"
"$JAVA" -cp "$work/client" IdleClient 127.0.0.1 "$port" 500 <<<"" >/dev/null
sleep 1
before=$(live before)

"$JAVA" -Xss256k -cp "$work/client" IdleClient 127.0.0.1 "$port" "$N" <"$work/ctl" >"$work/client.out" &
client_pid=$!
exec 3>"$work/ctl"
for _ in $(seq 1200); do
  grep -q "^ready" "$work/client.out" 2>/dev/null && break
  kill -0 "$client_pid" 2>/dev/null || { echo "client failed" >&2; exit 1; }
  sleep 0.1
done
grep -q "^ready" "$work/client.out" || { echo "client did not get $N answers" >&2; exit 1; }
open_fds=$(ls /proc/"$server_pid"/fd | wc -l)
with=$(live with)
"$JCMD" "$server_pid" GC.heap_info | grep -iE "used|total" >"$work/heap.with" || true

echo "connections:            $N (client: $(cat "$work/client.out"))"
echo "server descriptors:     $open_fds"
echo "live heap before:       $before bytes"
echo "live heap with N open:  $with bytes"
awk -v b="$before" -v w="$with" -v n="$N" \
  'BEGIN { printf "per connection:         %.0f bytes (%.2f KiB)\n", (w - b) / n, (w - b) / n / 1024 }'
echo
echo "classes that grew most (bytes per connection, instances per connection):"
awk -v n="$N" '
  FNR == NR && /^ *[0-9]+:/ { b[$4] = $3; bi[$4] = $2; next }
  /^ *[0-9]+:/ { d = $3 - b[$4]; if (d > n / 4) printf "%8.1f %6.2f  %s\n", d / n, ($2 - bi[$4]) / n, $4 }
' "$work/histo.before" "$work/histo.with" | sort -rn | head -25

exec 3>&-
wait "$client_pid" || true
client_pid=
sleep 2
after=$(live after)
echo
echo "live heap after closing: $after bytes; server descriptors: $(ls /proc/"$server_pid"/fd | wc -l)"
