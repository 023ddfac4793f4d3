#!/usr/bin/env bash
# An A/B of two siphon servers on the Python path, over several pairs of fresh processes.
#
# bench/py-e2e.sh measures one process of each server. A fresh GraalPy process settles its JIT
# differently from one launch to the next: two launches of the same build differ by up to
# ±5 % on the same route after the same warm-up, whatever the number of rounds. A difference of
# a few percent therefore needs several pairs of processes. This runs bench/py-e2e.sh PAIRS
# times (the two servers started in alternating order), collects each pair's ratios and prints
# their medians.
#
#   PAIRS=4 SERVERS="siphon siphon-nometrics" ROUTES=hello WARMUP=120 ROUNDS=3 \
#     SIPHON_SCRIPT=bench/python/cold_async.py SIPHON_CONFIG=bench/python/cold.yaml bench/py-ab.sh
#
# SERVERS names siphon and one other server of bench/py-e2e.sh (siphon-nometrics: this build
# with metrics recording off; siphon-baseline: SIPHON_BASELINE's build; siphon-mw3: the async
# routes behind three (req, call_next) middlewares); every other variable
# goes to bench/py-e2e.sh (CORE_SETS defaults to 1 here). Results: bench/target/py-ab/.
set -euo pipefail

cd "$(dirname "$0")/.."
PAIRS=${PAIRS:-4}
SERVERS=${SERVERS:-siphon siphon-nometrics}
read -r -a pair <<<"$SERVERS"
[ "${#pair[@]}" = 2 ] || { echo "py-ab: SERVERS must name two servers, one of them siphon" >&2; exit 2; }
export CORE_SETS=${CORE_SETS:-1}
OUT=bench/target/py-ab
mkdir -p "$OUT"
: >"$OUT/ratios.txt"

for ((i = 1; i <= PAIRS; i++)); do
  if ((i % 2)); then order="${pair[0]} ${pair[1]}"; else order="${pair[1]} ${pair[0]}"; fi
  echo "py-ab: pair $i of $PAIRS ($order)" >&2
  SERVERS="$order" RESULTS="$OUT/pair-$i.md" bench/py-e2e.sh >"$OUT/pair-$i.log" 2>&1 \
    || { echo "py-ab: pair $i failed; see $OUT/pair-$i.log" >&2; exit 1; }
  grep '^- .* siphon / ' "$OUT/pair-$i.md" | sed "s/^/pair $i: /" | tee -a "$OUT/ratios.txt" >&2
done

# "pair N: - 1 core(s), hello: siphon / X: req/s **0.97**, req per CPU-second 0.98"
awk '
  function median(list, n,   a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    key = $0; sub(/^pair [0-9]+: - /, "", key); sub(/: req\/s.*/, "", key)
    rps = $0; sub(/.*req\/s \*\*/, "", rps); sub(/\*\*.*/, "", rps)
    cpu = $0; sub(/.*req per CPU-second /, "", cpu)
    if (!(key in seen)) { seen[key] = 1; keys[++n] = key }
    r[key] = r[key] " " rps; c[key] = c[key] " " cpu
  }
  END {
    for (k = 1; k <= n; k++) {
      key = keys[k]
      printf "%s: median over pairs: req/s %.3f (%s ), per CPU-second %.3f (%s )\n", key, median(r[key]), r[key],
        median(c[key]), c[key]
    }
  }' "$OUT/ratios.txt" | tee "$OUT/summary.txt"
