#!/usr/bin/env bash
# Runs the JMH benchmarks of bench/target/siphon-bench.jar (what `make bench` does); arguments
# are JMH's (a benchmark regular expression, -f, -wi, -prof gc, -h for the list).
#
# PyDispatchBench needs GraalPy, which the uber jar leaves out, and GraalPy's JIT, which on a
# stock JDK needs JVMCI and the Graal compiler of GraalPy's own version on the upgrade module
# path (as bin/siphon-http sets up). This script starts JMH with pybridge/target on the class
# path and those flags; JMH's forks inherit the class path and the flags of this JVM. The
# flags enable JVMCI for Truffle only: HotSpot keeps compiling Java with C2
# (-XX:+UseJVMCICompiler is not set), so the Java benchmarks run as with java -jar.
# Without the Graal jars PyDispatchBench refuses to run (interpreted figures are no measurement).
set -euo pipefail
cd "$(dirname "$0")/.."
jar=bench/target/siphon-bench.jar
py=pybridge/target
[ -f "$jar" ] || { echo "jmh.sh: $jar is missing: build first (make build)" >&2; exit 1; }
jdk=$(bin/find-jdk) || exit 1
java=$jdk/bin/java
opts=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
      -Dpolyglot.engine.WarnInterpreterOnly=false)
cp=$jar
if [ -f "$py/siphon-http.jar" ]; then
  cp="$cp:$py/siphon-http.jar:$py/lib/*"
  jit=$(find "$py/jit" -maxdepth 1 -name '*.jar' 2>/dev/null | sort | paste -sd: -)
  if [ -n "$jit" ] && "$java" -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path "$jit" -version >/dev/null 2>&1; then
    opts+=(-XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path "$jit")
  else
    echo "jmh.sh: no GraalPy JIT on $jdk: PyDispatchBench will refuse to run" >&2
    [ -n "$jit" ] && cp="$cp:$jit"
  fi
fi
exec "$java" "${opts[@]}" -cp "$cp" org.openjdk.jmh.Main "$@"
