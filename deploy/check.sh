#!/usr/bin/env bash
# deploy/check.sh: builds and runs every template in deploy/ for real on this machine (no Docker
# engine needed), and prints one line per check, then "deploy: N passed, N failed".
#
#   deploy/check.sh            (make deploy-check; needs root for podman and debootstrap)
#
#  1. a Debian trixie base image made by debootstrap from Debian's packages (no registry needed),
#     imported into podman as localhost/siphon-debian:trixie;
#  2. deploy/Dockerfile built with podman: the image serves at once, as uid 10001, with the JIT,
#     the AOT cache and GraalPy's resources baked in, on a read-only root file system, within
#     one core and 640 MiB under load; SIGTERM turns /readyz 503 while the application keeps
#     serving (drain_delay_ms), then the JVM exits 143 within the stop timeout;
#  3. deploy/compose.yaml with podman-compose: up, probes, the health check command, down;
#  4. deploy/k8s: validated against the Kubernetes API's schemas and for unknown fields
#     (deploy/test/validate-k8s.mjs), then the ConfigMap and the Deployment run with
#     `podman kube play`: the pod serves the ConfigMap's script;
#  5. deploy/siphon-http.service run by systemd as the first process of a container, where
#     `systemd-analyze verify` passes with the files the unit names in place: started at boot,
#     serving, stopped cleanly (status 143 is success), restarted by Restart=on-failure after a
#     crash.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root"

work=${SIPHON_DEPLOY_WORK:-/var/tmp/siphon-deploy-check}
mkdir -p "$work"
base=localhost/siphon-debian:trixie
image=localhost/siphon-http:dev
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
say() { echo "---- $*"; }

need=()
for c in podman debootstrap podman-compose node npm curl wrk python3; do
  command -v "$c" >/dev/null 2>&1 || need+=("$c")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "deploy/check.sh needs: ${need[*]} (bin/ensure-tools deploy installs them)" >&2
  exit 2
fi

# This machine's sandbox: cgroups in hybrid mode (crun refuses them, runc takes them) and no
# CAP_SYS_RESOURCE (podman's default rlimits, above the current ones, cannot be set). A
# containers.conf of our own keeps both within what the machine allows; on an ordinary host
# neither setting is needed.
conf="$work/containers.conf"
nofile=$(ulimit -Hn)
cat >"$conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=16384:16384"]
[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF="$conf"

cleanup() {
  podman rm -f -t 0 siphon-check siphon-check-systemd >/dev/null 2>&1
  podman kube down "$work/kube.yaml" >/dev/null 2>&1
  podman-compose -f deploy/compose.yaml down -t 0 >/dev/null 2>&1
}
trap cleanup EXIT
cleanup

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# wait_for URL SECONDS: until URL answers 200; prints the seconds it took
wait_for() {
  local url=$1 limit=$2 start
  start=$(date +%s%N)
  for ((i = 0; i < limit * 4; i++)); do
    if curl -fs -m 1 -o /dev/null "$url"; then
      echo $(( ($(date +%s%N) - start) / 1000000 ))
      return 0
    fi
    sleep 0.25
  done
  return 1
}
status_of() { curl -s -m 2 -o /dev/null -w '%{http_code}' "$1"; }
# ip_of CONTAINER: its address on podman's network (ports published on 0.0.0.0 are not reachable
# through 127.0.0.1 on every host; the container's own address always is)
ip_of() {
  local c=$1 infra
  infra=$(podman inspect "$c" --format '{{.PodInfraID}}' 2>/dev/null)
  [ -n "$infra" ] && c=$infra
  podman inspect "$c" --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}'
}

# ---- 1. the base image
if ! podman image exists "$base"; then
  say "debootstrap: Debian trixie (minbase) into $work/rootfs"
  rm -rf "$work/rootfs"
  if ! debootstrap --variant=minbase trixie "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1; then
    tail -20 "$work/debootstrap.log"; bad "base image: debootstrap failed ($work/debootstrap.log)"; exit 1
  fi
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | podman import - "$base" >/dev/null && rm -rf "$work/rootfs"
fi
check "base image $base made by debootstrap" podman image exists "$base"

# ---- 2. the Dockerfile
say "podman build -f deploy/Dockerfile (log: $work/build.log)"
ca=()
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  ca=(-v /usr/local/share/ca-certificates:/usr/local/share/ca-certificates:ro)  # a TLS-intercepting proxy's CA
fi
build_start=$(date +%s)
if podman build --network host --pull=never "${ca[@]}" --build-arg "BASE=$base" \
    -f deploy/Dockerfile -t "$image" . >"$work/build.log" 2>&1; then
  ok "image built in $(( $(date +%s) - build_start )) s, $(podman image inspect "$image" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}')"
else
  tail -30 "$work/build.log"; bad "podman build failed"; exit 1
fi

app=$(free_port) admin=$(free_port)
start=$(date +%s%N)
podman run -d --name siphon-check -p "127.0.0.1:$app:8080" -p "127.0.0.1:$admin:9090" \
  --cpus 1 --memory 640m --read-only --tmpfs /tmp "$image" >/dev/null
if first=$(wait_for "http://127.0.0.1:$app/hello/container" 120); then
  ok "container serves: first answer $(( ($(date +%s%N) - start) / 1000000 )) ms after podman run"
else
  podman logs siphon-check 2>&1 | tail -30; bad "container did not serve within 120 s"; exit 1
fi
check "answer is the script's" test "$(curl -s "http://127.0.0.1:$app/hello/container")" = "hi container"
check "runs as uid 10001, not root" test "$(podman exec siphon-check id -u)" = 10001
cmdline=$(podman exec siphon-check cat /proc/1/cmdline | tr '\0' ' ')
check "the JVM is the container's first process, from the runtime image" grep -q '^/opt/siphon-http/target/runtime/bin/java ' <<<"$cmdline"
check "GraalPy's JIT is on (JVMCI)" grep -q -- '-XX:+EnableJVMCI' <<<"$cmdline"
check "the AOT cache is used" grep -q -- '-XX:AOTCache=/opt/siphon-http/target/runtime/siphon.aot' <<<"$cmdline"
check "no JIT or resource-cache warning in the log" bash -c "! podman logs siphon-check 2>&1 | grep -E 'interpreted|cannot be written|WARNING'"
check "/readyz 200 on the admin port" test "$(status_of "http://127.0.0.1:$admin/readyz")" = 200
check "/metrics has siphon_build_info" bash -c "curl -s http://127.0.0.1:$admin/metrics | grep -q '^siphon_build_info'"
check "the image's probe command (siphon-probe /healthz) exits 0" podman exec siphon-check /opt/siphon-http/bin/siphon-probe /healthz

say "load: wrk -c 32 for 30 s on the async route, limits --cpus 1 --memory 640m"
wrk -t 1 -c 32 -d 30s "http://127.0.0.1:$app/orders/42" >"$work/wrk.txt" 2>&1
rate=$(awk '/Requests\/sec/ {print int($2)}' "$work/wrk.txt")
cg=$(podman inspect siphon-check --format '{{.State.CgroupPath}}' 2>/dev/null)
peak=
for f in "/sys/fs/cgroup/memory$cg/memory.max_usage_in_bytes" "/sys/fs/cgroup$cg/memory.peak"; do
  [ -r "$f" ] && peak=$(( $(cat "$f") / 1048576 )) && break
done
errors=$(grep -c 'Non-2xx\|Socket errors' "$work/wrk.txt")
check "under load: ${rate:-0} req/s, no errors, peak memory ${peak:-?} MiB of 640" \
  test "${rate:-0}" -gt 0 -a "$errors" = 0 -a "$(podman inspect siphon-check --format '{{.State.OOMKilled}}')" = false
[ -n "$peak" ] && check "peak memory under load below the 640 MiB limit" test "$peak" -lt 640

say "SIGTERM: podman stop -t 30 (the image's http.yaml: drain_delay_ms 5000, shutdown_grace_ms 10000)"
stop_start=$(date +%s%N)
podman stop -t 30 siphon-check >/dev/null &
stopper=$!
ready=
for ((i = 0; i < 40; i++)); do
  ready=$(status_of "http://127.0.0.1:$admin/readyz")
  [ "$ready" = 503 ] && break
  sleep 0.05
done
check "/readyz answers 503 right after SIGTERM" test "$ready" = 503
check "the application still serves during the drain delay" test "$(status_of "http://127.0.0.1:$app/hello/draining")" = 200
wait "$stopper"
stop_ms=$(( ($(date +%s%N) - stop_start) / 1000000 ))
code=$(podman inspect siphon-check --format '{{.State.ExitCode}}')
check "exit status 143 (SIGTERM, not killed) after $stop_ms ms, within the 30 s stop timeout" test "$code" = 143 -a "$stop_ms" -lt 30000
podman rm -f siphon-check >/dev/null

# ---- 3. Compose
say "podman-compose -f deploy/compose.yaml up -d"
if podman-compose -f deploy/compose.yaml up -d >"$work/compose.log" 2>&1; then
  ctr=$(podman ps --filter label=com.docker.compose.service=siphon-http --format '{{.Names}}' | head -n1)
  ip=$(ip_of "$ctr")
  if t=$(wait_for "http://$ip:8080/hello/compose" 120); then
    ok "compose: the service answers on port 8080 (${t} ms)"
  else
    podman logs "$ctr" 2>&1 | tail -20; bad "compose: no answer on port 8080"
  fi
  check "compose: /readyz 200 on 127.0.0.1:9090" test "$(status_of http://127.0.0.1:9090/readyz)" = 200
  check "compose: the health check passes (podman healthcheck run)" podman healthcheck run "$ctr"
  check "compose: read-only root, 1 CPU, 640 MiB" test "$(podman inspect "$ctr" --format '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}')" = "true 1000000000 671088640"
  podman-compose -f deploy/compose.yaml stop -t 30 >>"$work/compose.log" 2>&1
  check "compose: stop ends the service with status 143 (SIGTERM, within stop_grace_period)" \
    test "$(podman inspect "$ctr" --format '{{.State.ExitCode}}')" = 143
  podman-compose -f deploy/compose.yaml down -t 0 >>"$work/compose.log" 2>&1
else
  tail -20 "$work/compose.log"; bad "podman-compose up failed"
fi

# ---- 4. Kubernetes
say "deploy/k8s: schema validation (npm ci in deploy/test)"
if (cd deploy/test && npm ci --no-audit --no-fund --silent >"$work/npm.log" 2>&1); then
  if node deploy/test/validate-k8s.mjs deploy/k8s/*.yaml >"$work/validate.txt" 2>&1; then
    ok "manifests valid: $(tail -n1 "$work/validate.txt")"
  else
    cat "$work/validate.txt"; bad "manifests invalid"
  fi
else
  tail -20 "$work/npm.log"; bad "npm ci in deploy/test failed"
fi

say "podman kube play: the ConfigMap and the Deployment"
podman tag "$image" registry.example/siphon-http:0.1.0
# one replica: podman publishes every containerPort on the host, so a second pod's would collide
cat deploy/k8s/configmap.yaml <(echo ---) <(sed 's/^  replicas: .*/  replicas: 1/' deploy/k8s/deployment.yaml) >"$work/kube.yaml"
if podman kube play "$work/kube.yaml" >"$work/kube.log" 2>&1; then
  pod_ctr=siphon-http-pod-0-siphon-http
  ip=$(ip_of "$pod_ctr")
  if t=$(wait_for "http://$ip:8080/orders/7" 120); then
    ok "kube play: the pod serves the ConfigMap's script (${t} ms)"
  else
    podman logs "$pod_ctr" 2>&1 | tail -20; bad "kube play: no answer on port 8080"
  fi
  check "kube play: the ConfigMap's async route answers" test "$(curl -s "http://$ip:8080/orders/7")" = '{"id": "7"}'
  check "kube play: /readyz and /healthz 200 on the admin port" \
    test "$(status_of "http://$ip:9090/readyz") $(status_of "http://$ip:9090/healthz")" = "200 200"
  check "kube play: uid 10001, read-only root, 1 CPU, 640 MiB, as deployment.yaml asks" \
    test "$(podman exec "$pod_ctr" id -u) $(podman inspect "$pod_ctr" --format '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}')" = "10001 true 1000000000 671088640"
  podman kube down "$work/kube.yaml" >>"$work/kube.log" 2>&1
else
  tail -20 "$work/kube.log"; bad "podman kube play failed"
fi

# ---- 5. systemd
say "the unit under systemd, in a container whose first process is systemd"
if podman build --network host --pull=never --build-arg "BASE=$base" --build-arg "IMAGE=$image" \
    -f deploy/test/systemd.Containerfile -t localhost/siphon-http-systemd:dev . >"$work/systemd-build.log" 2>&1; then
  podman run -d --name siphon-check-systemd --systemd=always --network host localhost/siphon-http-systemd:dev >/dev/null
  sd() { podman exec siphon-check-systemd systemctl "$@"; }
  check "systemd: the unit passes systemd-analyze verify (with the files it names in place)" \
    podman exec siphon-check-systemd systemd-analyze verify --man=no /etc/systemd/system/siphon-http.service
  if t=$(wait_for http://127.0.0.1:8080/hello/systemd 120); then
    ok "systemd: started at boot (enabled), serves (${t} ms)"
  else
    podman exec siphon-check-systemd journalctl -u siphon-http --no-pager | tail -20; bad "systemd: no answer"
  fi
  check "systemd: runs as User=siphon" \
    test "$(podman exec siphon-check-systemd stat -c %U "/proc/$(sd show siphon-http -p MainPID --value)")" = siphon
  sd stop siphon-http
  check "systemd: stop is clean (exit 143 is success, Result=success)" \
    test "$(sd show siphon-http -p Result --value)" = success
  sd start siphon-http
  wait_for http://127.0.0.1:8080/hello/again 120 >/dev/null
  sd kill --signal=KILL siphon-http
  sleep 1
  if t=$(wait_for http://127.0.0.1:8080/hello/restarted 120) && [ "$(sd show siphon-http -p NRestarts --value)" -ge 1 ]; then
    ok "systemd: Restart=on-failure brought it back after SIGKILL ($(sd show siphon-http -p NRestarts --value) restart)"
  else
    bad "systemd: not restarted after SIGKILL"
  fi
  podman rm -f -t 0 siphon-check-systemd >/dev/null
else
  tail -20 "$work/systemd-build.log"; bad "the systemd test image did not build"
fi

echo "deploy: $passed passed, $failed failed"
[ "$failed" = 0 ]
