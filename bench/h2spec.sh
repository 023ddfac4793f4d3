#!/usr/bin/env bash
# Runs the h2spec conformance tester (github.com/summerwind/h2spec) against
# this engine's demo server over h2c (prior knowledge) and over TLS (ALPN h2), in strict mode, and
# checks its failures against bench/h2spec-excludes.txt: any failure not listed
# there fails the script, and so does a listed case that now passes.
#
# h2spec is a Go program. The script uses, in order: $H2SPEC (a binary),
# h2spec on the PATH, bench/target/h2spec/h2spec from an earlier build, or
# builds it from source: a git clone of $H2SPEC_SRC at $H2SPEC_COMMIT, compiled
# offline with Debian's Go and Debian's packages of its dependencies (no Go
# module proxy needed):
#   apt-get install golang-go golang-github-fatih-color-dev \
#     golang-github-spf13-cobra-dev golang-golang-x-net-dev \
#     golang-github-mattn-go-colorable-dev golang-github-mattn-go-isatty-dev \
#     golang-github-spf13-pflag-dev golang-golang-x-sys-dev \
#     golang-github-inconshreveable-mousetrap-dev
#
# Environment (defaults in brackets):
#   H2SPEC         path of an h2spec binary [none]
#   H2SPEC_SRC     git URL or directory to clone h2spec from [https://github.com/summerwind/h2spec]
#   H2SPEC_COMMIT  commit to build [af83a65f0b6273ef38bf778d400d98892e7653d8, 2.6.0 + 3 fixes]
#   PORT           port of the engine under test [18444]
#   TIMEOUT        h2spec's per-case timeout in seconds [2]
#   REPORT         JUnit reports, one per mode: REPORT.h2c, REPORT.tls [bench/target/h2spec-report.xml]
#   MODES          h2c (cleartext, prior knowledge) and/or tls (ALPN h2; needs bench/target/tls-lib
#                  from the bench build) [h2c tls]
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
H2SPEC_SRC=${H2SPEC_SRC:-https://github.com/summerwind/h2spec}
H2SPEC_COMMIT=${H2SPEC_COMMIT:-af83a65f0b6273ef38bf778d400d98892e7653d8}
PORT=${PORT:-18444}
TIMEOUT=${TIMEOUT:-2}
REPORT=${REPORT:-bench/target/h2spec-report.xml}
MODES=${MODES:-h2c tls}
TLS_LIB=${TLS_LIB:-bench/target/tls-lib}
EXCLUDES=bench/h2spec-excludes.txt
BUILD=$ROOT/bench/target/h2spec

die() { echo "h2spec.sh: $*" >&2; exit 1; }
log() { echo "h2spec.sh: $*" >&2; }

build_h2spec() {
  command -v go >/dev/null || die "no h2spec and no Go to build it: install the Debian packages listed at the top of $0, or set H2SPEC"
  local gopath=$BUILD/gopath src
  src=$gopath/src/github.com/summerwind/h2spec
  rm -rf "$gopath"
  mkdir -p "$(dirname "$src")"
  log "building h2spec $H2SPEC_COMMIT from $H2SPEC_SRC"
  git clone -q "$H2SPEC_SRC" "$src" || die "cannot clone $H2SPEC_SRC (set H2SPEC_SRC to a local clone)"
  git -C "$src" checkout -q "$H2SPEC_COMMIT" || die "commit $H2SPEC_COMMIT not in $H2SPEC_SRC"
  # GOPATH mode: the dependencies come from /usr/share/gocode (Debian's golang-*-dev packages).
  (cd "$src" && GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOCACHE="$BUILD/cache" GOPROXY=off \
      go build -ldflags "-X main.VERSION=2.6.0 -X main.COMMIT=$H2SPEC_COMMIT" -o "$BUILD/h2spec" cmd/h2spec/h2spec.go) \
    || die "go build failed: are the golang-*-dev packages listed at the top of $0 installed?"
}

if [ -n "${H2SPEC:-}" ]; then
  [ -x "$H2SPEC" ] || die "H2SPEC=$H2SPEC is not an executable"
elif command -v h2spec >/dev/null; then
  H2SPEC=$(command -v h2spec)
else
  [ -x "$BUILD/h2spec" ] || build_h2spec
  H2SPEC=$BUILD/h2spec
fi
log "using $H2SPEC ($("$H2SPEC" --version | head -n 1))"

# Each case's id is its test suite's package and its 1-based position in the suite.
check() {
python3 - "$1" "$REPORT.$1" "$EXCLUDES" <<'PY'
import sys
import xml.etree.ElementTree as ET

mode, report, excludes_file = sys.argv[1], sys.argv[2], sys.argv[3]
excluded = {}
for line in open(excludes_file, encoding="utf-8"):
    line = line.strip()
    if line and not line.startswith("#"):
        modes, _, rest = line.partition(" ")
        case, _, reason = rest.strip().partition(" ")
        if not reason.strip():
            sys.exit(f"{excludes_file}: {case} has no reason")
        if mode in modes.split(","):
            excluded[case] = reason.strip()

failed, passed = {}, set()
for suite in ET.parse(report).getroot().iter("testsuite"):
    for i, case in enumerate(suite.iter("testcase"), 1):
        cid = f"{case.get('package')}/{i}"
        bad = case.find("failure") if case.find("failure") is not None else case.find("error")
        if bad is not None:
            failed[cid] = case.get("classname")
        elif case.find("skipped") is None:
            passed.add(cid)

unexpected = {c: d for c, d in failed.items() if c not in excluded}
stale = sorted(c for c in excluded if c in passed)
for c, d in sorted(failed.items()):
    print(f"h2spec.sh: {mode}: {'excluded' if c in excluded else 'FAILED  '} {c}: {d}", file=sys.stderr)
for c in stale:
    print(f"h2spec.sh: {mode}: {c} is excluded but passes now: remove it from {excludes_file}", file=sys.stderr)
print(f"h2spec.sh: {mode}: {len(passed)} passed, {len(failed)} failed ({len(failed) - len(unexpected)} excluded),"
      f" {len(unexpected)} unexpected failures, {len(stale)} stale exclusions", file=sys.stderr)
sys.exit(1 if unexpected or stale else 0)
PY
}

[ -f engine/target/siphon-engine.jar ] || die "engine/target/siphon-engine.jar is missing: build first (make build)"
JAVA_HOME=$(bin/find-jdk) || exit 1
mkdir -p "$(dirname "$REPORT")" "$BUILD"
SERVER=
WORK=$(mktemp -d "${TMPDIR:-/tmp}/siphon-h2spec.XXXXXX")
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT

# run_mode MODE PORT: starts the demo server for MODE (h2c: cleartext, prior knowledge; tls: TLS
# with ALPN h2), runs h2spec against it and writes $REPORT.MODE.
run_mode() {
  local mode=$1 port=$2 cp='engine/target/siphon-engine.jar:engine/target/lib/*' tls=() h2tls=() url i
  url="http://127.0.0.1:$port/hello/h2spec"
  if [ "$mode" = tls ]; then
    [ -d "$TLS_LIB" ] || die "$TLS_LIB is missing: build first (make build), or leave tls out of MODES"
    bench/tls-certs.sh "$WORK/pki" >/dev/null
    cp="$cp:$TLS_LIB/*"
    tls=(--tls-cert "$WORK/pki/server.pem" --tls-key "$WORK/pki/server.key")
    h2tls=(-t -k)
    url="https://127.0.0.1:$port/hello/h2spec"
  fi
  curl -sk -o /dev/null --max-time 1 "$url" && die "port $port already answers HTTP (set PORT)"
  "$JAVA_HOME/bin/java" -cp "$cp" dev.siphon.http.demo.HelloServer "127.0.0.1:$port" --io-loops 1 "${tls[@]}" \
    >"$WORK/server-$mode.log" 2>&1 &
  SERVER=$!
  for ((i = 0; i < 120; i++)); do
    [ "$(curl -sk --http2-prior-knowledge --max-time 1 "$url" || true)" = "hi h2spec" ] && break
    [ "$(curl -sk --http2 --max-time 1 "$url" || true)" = "hi h2spec" ] && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server-$mode.log" >&2; die "the engine exited"; }
    sleep 0.25
  done
  ((i < 120)) || die "the engine did not answer on port $port"
  local out=$BUILD/h2spec-output-$mode.txt
  "$H2SPEC" --strict "${h2tls[@]}" -h 127.0.0.1 -p "$port" -P /hello/h2spec -o "$TIMEOUT" -j "$REPORT.$mode" \
    >"$out" 2>&1 || true
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server-$mode.log" >&2; die "the engine died during the $mode run"; }
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
  SERVER=
  log "$mode: $(grep -E '^[0-9]+ tests, ' "$out")" || { cat "$out" >&2; die "h2spec did not finish ($mode, output above)"; }
}

status=0
port=$PORT
for mode in $MODES; do
  case $mode in h2c|tls) ;; *) die "MODES: unknown mode '$mode' (h2c, tls)" ;; esac
  run_mode "$mode" "$port"
  check "$mode" || status=1
  port=$((port + 1))
done
exit $status
