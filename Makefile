# siphon-http for the JVM. Two commands do all set-up: `make run` and `make test`.
SHELL := /bin/bash
JDK := $(shell bin/find-jdk)
ifeq ($(JDK),)
$(error no JDK >= 21 found: set JAVA_HOME to one, or install one under /usr/lib/jvm)
endif
export JAVA_HOME := $(JDK)
export PATH := $(JDK)/bin:$(PATH)
MVN ?= mvn
MVNFLAGS ?= -B -q -Dstyle.color=never
SOURCES := $(shell find router engine tls pybridge client bench -name '*.java' -o -name 'pom.xml' -o -name '*.py' -o -name '*.yaml' 2>/dev/null | grep -v /target/) pom.xml
STAMP := engine/target/.built
ENGINE_CP = engine/target/siphon-engine.jar:engine/target/lib/*
JAVA_FLAGS ?= -XX:+UseParallelGC

.PHONY: build run test python-dist fuzz bench bench-e2e bench-python bench-cold bench-stream bench-soak deploy-check clean jdk

jdk:
	@echo "$(JDK)"

$(STAMP): $(SOURCES)
	$(MVN) $(MVNFLAGS) install -DskipTests
	@touch $@

build: $(STAMP)

## Serves examples/hello.py on 127.0.0.1:8080 through the launcher: GET /hello/{name} -> "hi <name>".
run: $(STAMP)
	bin/siphon-http --config examples/http.yaml --script examples/hello.py

## Builds and runs every test; ends with one line "tests: N passed, N failed, N skipped".
test:
	bin/ensure-tools
	rm -rf */target/surefire-reports
	$(MVN) -B -ntp -Dstyle.color=never install; status=$$?; bin/test-summary || status=1; exit $$status
	@touch $(STAMP)

## Builds the CPython test harness siphon-http-testing (python/siphon-testing, docs/testing.md):
## its wheel and sdist into dist/python, offline, with Debian's python3-setuptools and python3-wheel.
python-dist:
	rm -rf dist/python
	/usr/bin/python3 python/siphon-testing/build_dist.py dist/python

## Fuzzes the parsers with Jazzer (docs/fuzzing.md), one target after another, FUZZ_SECONDS each;
## FUZZ_TARGET picks one, e.g. make fuzz FUZZ_TARGET=HpackDecoderFuzzTest FUZZ_SECONDS=600.
FUZZ_TARGETS := Http1HeadParserFuzzTest ChunkedDecoderFuzzTest FrameReaderFuzzTest HpackDecoderFuzzTest \
	ConfigLoaderFuzzTest RouterFuzzTest PathDecoderFuzzTest
FUZZ_TARGET ?= $(FUZZ_TARGETS)
FUZZ_SECONDS ?= 300
fuzz:
	@status=0; for t in $(FUZZ_TARGET); do \
	  src=$$(find router/src/test engine/src/test -name "$$t.java" | head -1); \
	  [ -n "$$src" ] || { echo "no fuzz test $$t; one of: $(FUZZ_TARGETS)"; exit 2; }; \
	  module=$${src%%/*}; \
	  echo "== $$t: $(FUZZ_SECONDS) s"; \
	  log=$$module/target/fuzz-$$t.log; mkdir -p $$module/target; \
	  nice $(MVN) $(MVNFLAGS) package -pl $$module -am -Dtest=$$t -Dsurefire.failIfNoSpecifiedTests=false \
	    -Dfuzz.seconds=$(FUZZ_SECONDS) > $$log 2>&1 || status=1; \
	  grep -aE '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::|seed corpus|^Done|Tests run:|FuzzTestFinding|^crash|^== ' $$log; \
	  echo "(libFuzzer's whole output: $$log)"; \
	done; exit $$status

## JMH micro-benchmarks (see docs/performance.md); bench/jmh.sh adds GraalPy and its JIT flags.
bench: $(STAMP)
	bench/jmh.sh $(JMH_ARGS)

## End-to-end load comparison against the Netty peer (see docs/performance.md).
bench-e2e: $(STAMP)
	bin/ensure-tools bench
	bench/e2e.sh

## Python end-to-end comparison against uvicorn + Starlette (see docs/performance.md, "Python").
bench-python: $(STAMP)
	bin/ensure-tools python-bench
	bench/py-e2e.sh

## A fresh server under load from its first answer, side by side with uvicorn (docs/performance.md,
## "The cold path"); COLD_ARGS e.g. --seconds 60 --cases siphon-async:hello,uvicorn:hello.
bench-cold: $(STAMP)
	bin/ensure-tools python-bench
	bench/cold-path.py $(COLD_ARGS)

## 1 GiB up and down through streamed bodies, HTTP/1.1 and h2c, against Netty, with the servers' RSS
## growth (docs/performance.md, "Streaming bodies"); STREAM_ARGS e.g. --rounds 1 --size 256M --nmt.
bench-stream: $(STAMP)
	bin/ensure-tools bench
	bench/stream-transfer.py $(STREAM_ARGS)

## The soak test: 30 minutes of mixed HTTP/1.1, h2c and TLS load with abusive clients, judged on
## flat memory, fds and buffer pool and no failed request (docs/performance.md, "Soak");
## SOAK_ARGS e.g. --minutes 5 --sample-seconds 15 (bench/soak.py --help for the rest).
bench-soak: $(STAMP)
	bin/ensure-tools bench
	bench/soak.py $(SOAK_ARGS)

## Builds the container image (podman, from a debootstrap base) and runs every template in deploy/
## for real: the image, Compose, the Kubernetes manifests (validated, then podman kube play) and
## the systemd unit under systemd (docs/deployment.md). Needs root; about 10 minutes.
deploy-check:
	bin/ensure-tools deploy
	deploy/check.sh

clean:
	$(MVN) $(MVNFLAGS) clean
