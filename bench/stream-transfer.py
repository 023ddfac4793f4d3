#!/usr/bin/python3
"""A gigabyte up and down through streamed bodies: this engine's Python routes against Netty.

The issue 17 target: a 1 GiB upload through a streaming route and a 1 GiB download through a
StreamingResponse, over HTTP/1.1 and h2, each with the server's RSS growing by less than 64 MiB,
and the throughput next to the same transfer served by Netty's streaming API in one run.

Servers (each a fresh process, both started up front, pinned to --server-cpu):
  siphon  bin/siphon-http --config bench/python/stream.yaml --script bench/python/stream.py
          (the launcher's defaults: ParallelGC, -Xmx256m on one core)
  netty   dev.siphon.http.bench.NettyStreamServer from bench/target/siphon-bench.jar, with the
          same -XX:+UseParallelGC -Xmx (--netty-heap) and MALLOC_ARENA_MAX=2 as the launcher sets
Cases: protocol h1 (HTTP/1.1) or h2c (HTTP/2 with prior knowledge), direction up or down.
  up    curl -T FILE (PUT, Content-Length) of a sparse --size file (zeros from the page cache) to
        /upload, which counts the bytes and answers "<bytes> <chunks>"
  down  curl -o /dev/null of /download/<size>
The client, curl, runs on --load-cpu.

Method. Each server is checked and warmed with one --warmup-size transfer per case. Then --rounds
rounds; in each, every server runs every case once, the servers' order alternating from round to
round. Before each measured transfer ../shared/tools/wait-quiet (when present; QUIET_TOOL names
another) waits for an idle machine, at most --quiet-timeout seconds (a run that found none is
marked). Per transfer: curl's %{speed_upload} or %{speed_download}; the server's CPU time
(/proc/PID/stat, all threads) and the other server's (it idles on the same core); the server's
VmRSS just before; the peak, as the larger of VmRSS sampled every --sample-ms and VmHWM after
resetting it before the transfer (echo 5 > /proc/PID/clear_refs, exact); growth = peak - before.
Every transfer is checked (status, size, the upload's byte count); one wrong answer stops the run.

Output: a table on stdout and in --out/summary.md (median MB/s, 1 MB = 10^6 bytes; RSS growth
median and max in MiB; MB per server CPU-second; the ratios siphon/netty), every transfer in
--out/runs.tsv, each server's log and its JVM's heap at the end (jcmd GC.heap_info).

  bench/stream-transfer.py [--servers siphon,netty] [--protocols h1,h2c] [--directions up,down]
                           [--rounds 3] [--size 1G] [--warmup-size 64M]

Needs the built tree (make build, or the reactor's package of pybridge and bench), curl with
HTTP/2 and taskset.
"""
import argparse
import datetime
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP_DIR = os.path.join(ROOT, "bench", "python")
BENCH_JAR = os.path.join(ROOT, "bench", "target", "siphon-bench.jar")
QUIET_TOOL = os.environ.get("QUIET_TOOL") or os.path.join(ROOT, "..", "shared", "tools", "wait-quiet")
CLK_TCK = os.sysconf("SC_CLK_TCK")
NETTY_OPTS = ["--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED",
              "-Dio.netty.leakDetection.level=disabled"]
RSS_TARGET_MIB = 64


def log(msg):
    print("stream-transfer: " + msg, file=sys.stderr, flush=True)


def die(msg):
    raise SystemExit("stream-transfer: " + msg)


def size_arg(text):
    m = re.fullmatch(r"(\d+)([KMG]?)", text.strip().upper())
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (bytes, or a number with K, M or G)")
    return int(m.group(1)) * {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}[m.group(2)]


def list_arg(allowed):
    def parse(text):
        items = [x for x in text.split(",") if x]
        bad = [x for x in items if x not in allowed]
        if bad or not items:
            raise argparse.ArgumentTypeError(f"{text!r}: expected a comma-separated list of {', '.join(allowed)}")
        return items
    return parse


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jdk():
    return subprocess.run([os.path.join(ROOT, "bin", "find-jdk")], check=True, capture_output=True,
                          text=True).stdout.strip()


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def cpu_ticks(pid):
    """utime + stime of the process (all its threads), in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def machine_ticks():
    """(busy, total) ticks of all cores from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    total = sum(fields)
    return total - fields[3] - fields[4], total


def java_pid(pid, timeout=10):
    """The java process: taskset and the launcher exec it, so normally pid itself."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        todo = [pid]
        while todo:
            p = todo.pop()
            try:
                with open(f"/proc/{p}/comm") as f:
                    if f.read().strip() == "java":
                        return p
                with open(f"/proc/{p}/task/{p}/children") as f:
                    todo += [int(k) for k in f.read().split()]
            except OSError:
                pass
        time.sleep(0.1)
    die(f"no java process under pid {pid}")


class Server:
    def __init__(self, name, args, java_home):
        self.name = name
        self.port = free_port()
        self.log_path = os.path.join(args.out, f"{name}.log")
        env = dict(os.environ)
        if name == "siphon":
            env.update(SIPHON_LISTEN=f"127.0.0.1:{self.port}", SIPHON_WORKERS="1", SIPHON_IO_LOOPS="1")
            cmd = [os.path.join(ROOT, "bin", "siphon-http"), "--config", os.path.join(APP_DIR, "stream.yaml"),
                   "--script", os.path.join(APP_DIR, "stream.py")]
        else:
            env["MALLOC_ARENA_MAX"] = env.get("MALLOC_ARENA_MAX", "2")  # as bin/siphon-http sets it
            cmd = [os.path.join(java_home, "bin", "java"), "-XX:+UseParallelGC", f"-Xmx{args.netty_heap}",
                   *NETTY_OPTS, *args.netty_opts.split(), "-cp", BENCH_JAR,
                   "dev.siphon.http.bench.NettyStreamServer", f"127.0.0.1:{self.port}"]
        if args.nmt:
            if name == "siphon":
                env["SIPHON_JAVA_OPTS"] = (env.get("SIPHON_JAVA_OPTS", "") + " -XX:NativeMemoryTracking=summary").strip()
            else:
                cmd.insert(1, "-XX:NativeMemoryTracking=summary")
        self.cmd = ["taskset", "-c", args.server_cpu] + cmd
        self.java_home = java_home
        self.env = env
        self.proc = None
        self.pid = None

    def start(self, timeout):
        logf = open(self.log_path, "wb")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=logf, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                die(f"{self.name} exited before answering; see {self.log_path}")
            r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                                f"http://127.0.0.1:{self.port}/download/1"], capture_output=True, text=True)
            if r.stdout == "200 1":
                self.pid = java_pid(self.proc.pid)
                return time.monotonic() - t0
            time.sleep(0.2)
        die(f"{self.name} did not answer within {timeout} s; see {self.log_path}")

    def jcmd(self, *what):
        r = subprocess.run([os.path.join(self.java_home, "bin", "jcmd"), str(self.pid), *what],
                           capture_output=True, text=True, timeout=60)
        return r.stdout

    def heap_info(self, java_home):
        return self.jcmd("GC.heap_info")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def wait_quiet(timeout):
    if not os.path.exists(QUIET_TOOL):
        return None
    r = subprocess.run([sys.executable, QUIET_TOOL, "--timeout", str(timeout)], capture_output=True, text=True)
    return r.returncode == 0


def curl_command(server, protocol, direction, size, upload_file, load_cpu):
    cmd = ["taskset", "-c", load_cpu, "curl", "-sS", "--max-time", "900"]
    if protocol == "h2c":
        cmd.append("--http2-prior-knowledge")
    else:
        cmd.append("--http1.1")
    base = f"http://127.0.0.1:{server.port}"
    if direction == "up":
        cmd += ["-T", upload_file, "-o", "-", "-w", "\n%{http_code} %{http_version} %{speed_upload}", base + "/upload"]
    else:
        cmd += ["-o", "/dev/null", "-w", "%{http_code} %{http_version} %{speed_download} %{size_download}",
                f"{base}/download/{size}"]
    return cmd


def check(out, protocol, direction, size):
    """Bytes per second from curl's -w line, after checking status, protocol and size."""
    lines = out.strip().split("\n")
    fields = lines[-1].split()
    want_version = "2" if protocol == "h2c" else "1.1"
    if len(fields) < 3 or fields[0] != "200" or fields[1] != want_version:
        raise ValueError(f"expected 200 over HTTP/{want_version}, got {lines[-1]!r}")
    if direction == "up":
        body = lines[0].split() if len(lines) > 1 else []
        if not body or body[0] != str(size):
            raise ValueError(f"the server counted {lines[0]!r}, not {size} bytes")
        return float(fields[2]), int(body[1])
    if int(fields[3]) != size:
        raise ValueError(f"downloaded {fields[3]} bytes, not {size}")
    return float(fields[2]), None


def transfer(server, protocol, direction, size, upload_file, args, others=(), nmt_name=None):
    """One transfer, measured; a dict of its figures. others: the idle servers, whose CPU is recorded."""
    pid = server.pid
    if args.nmt:
        server.jcmd("VM.native_memory", "baseline")
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current RSS
    before = status_kib(pid, "VmRSS")
    sampled = [before]
    done = threading.Event()

    def sample():
        while not done.wait(args.sample_ms / 1000):
            sampled.append(status_kib(pid, "VmRSS"))

    sampler = threading.Thread(target=sample, daemon=True)
    c0, (b0, t0) = cpu_ticks(pid), machine_ticks()
    o0 = sum(cpu_ticks(o.pid) for o in others)
    w0 = time.monotonic()
    sampler.start()
    r = subprocess.run(curl_command(server, protocol, direction, size, upload_file, args.load_cpu),
                       capture_output=True, text=True)
    done.set()
    sampler.join()
    wall = time.monotonic() - w0
    cpu = (cpu_ticks(pid) - c0) / CLK_TCK
    idle_servers_cpu = (sum(cpu_ticks(o.pid) for o in others) - o0) / CLK_TCK
    b1, t1 = machine_ticks()
    hwm = status_kib(pid, "VmHWM")
    after = status_kib(pid, "VmRSS")
    if r.returncode != 0:
        die(f"{server.name} {protocol} {direction}: curl failed ({r.returncode}): {r.stderr.strip()}")
    try:
        speed, chunks = check(r.stdout, protocol, direction, size)
    except ValueError as e:
        die(f"{server.name} {protocol} {direction}: {e}")
    peak = max(max(sampled), hwm)
    if args.nmt and nmt_name:
        with open(os.path.join(args.out, f"nmt-{nmt_name}.txt"), "w") as f:
            f.write(f"VmRSS before {before} KiB, peak {peak} KiB, after {after} KiB\n")
            f.write(server.jcmd("VM.native_memory", "summary.diff"))
    # the machine's busy CPU beyond this server's and curl's is others' load: curl is at most wall
    # seconds of one core, so "other" here is an upper bound
    machine_busy = (b1 - b0) / CLK_TCK
    return {"mbps": speed / 1e6, "seconds": wall, "cpu_s": cpu, "rss_before_mib": before / 1024,
            "rss_peak_mib": peak / 1024, "rss_sampled_peak_mib": max(sampled) / 1024, "rss_hwm_mib": hwm / 1024,
            "rss_after_mib": after / 1024, "growth_mib": (peak - before) / 1024, "chunks": chunks,
            "machine_busy_s": machine_busy, "idle_servers_cpu_s": idle_servers_cpu,
            "samples": len(sampled)}


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def git_rev():
    r = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return r.stdout.strip() + ("+dirty" if dirty else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--servers", type=list_arg(["siphon", "netty"]), default=["siphon", "netty"])
    ap.add_argument("--protocols", type=list_arg(["h1", "h2c"]), default=["h1", "h2c"])
    ap.add_argument("--directions", type=list_arg(["up", "down"]), default=["up", "down"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--size", type=size_arg, default=size_arg("1G"), help="bytes per transfer [1G]")
    ap.add_argument("--warmup-size", type=size_arg, default=size_arg("64M"),
                    help="bytes of the one warm-up transfer per server and case [64M; 0 skips]")
    ap.add_argument("--server-cpu", default="1", help="core(s) the servers are pinned to [1]")
    ap.add_argument("--load-cpu", default="0", help="core(s) curl is pinned to [0]")
    ap.add_argument("--netty-heap", default="256m",
                    help="-Xmx of the Netty peer [256m: what bin/siphon-http gives a server on one core]")
    ap.add_argument("--netty-opts", default="", help="more JVM options for the Netty peer")
    ap.add_argument("--sample-ms", type=int, default=100, help="RSS sampling period [100]")
    ap.add_argument("--quiet-timeout", type=int, default=15, help="most seconds wait-quiet waits per transfer [15]")
    ap.add_argument("--nmt", action="store_true",
                    help="run the JVMs with Native Memory Tracking and keep each transfer's diff (what the RSS "
                         "growth is made of) in --out/nmt-*.txt; jcmd then runs around every transfer")
    ap.add_argument("--start-timeout", type=int, default=120)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "target", "stream-transfer"))
    args = ap.parse_args()
    if args.rounds < 1 or args.size < 1 or args.sample_ms < 10:
        die("--rounds and --size must be at least 1, --sample-ms at least 10")
    for tool in ("curl", "taskset"):
        if not shutil.which(tool):
            die(f"{tool} not found: run bin/ensure-tools bench")
    if "HTTP2" not in subprocess.run(["curl", "-V"], capture_output=True, text=True).stdout:
        die("this curl has no HTTP/2")
    if "siphon" in args.servers and not os.path.exists(os.path.join(ROOT, "pybridge", "target", "siphon-http.jar")):
        die("pybridge/target/siphon-http.jar is not built: make build")
    if "netty" in args.servers and not os.path.exists(BENCH_JAR):
        die(f"{BENCH_JAR} is not built: make build")
    os.makedirs(args.out, exist_ok=True)
    java_home = jdk()
    if not os.path.exists(QUIET_TOOL):
        log(f"no {QUIET_TOOL}: transfers will not wait for a quiet machine")

    tmp = tempfile.mkdtemp(prefix="siphon-stream-")
    big = os.path.join(tmp, "upload.bin")
    small = os.path.join(tmp, "warmup.bin")
    for path, n in ((big, args.size), (small, args.warmup_size)):
        with open(path, "wb") as f:
            f.truncate(n)  # sparse: reads are zeros from the page cache, no disk
    cases = [(p, d) for p in args.protocols for d in args.directions]
    servers = [Server(name, args, java_home) for name in args.servers]
    runs = []
    started = time.monotonic()
    try:
        for s in servers:
            t = s.start(args.start_timeout)
            log(f"{s.name}: answering {t:.1f} s after launch (pid {s.pid}, port {s.port}), "
                f"RSS {status_kib(s.pid, 'VmRSS') / 1024:.0f} MiB")
        if args.warmup_size:
            for s in servers:
                for p, d in cases:
                    w = transfer(s, p, d, args.warmup_size, small, args, nmt_name=f"{s.name}-warmup-{p}-{d}")
                    log(f"{s.name} {p} {d}: warm-up {args.warmup_size >> 20} MiB at {w['mbps']:.0f} MB/s, "
                        f"RSS {w['rss_before_mib']:.0f} -> peak {w['rss_peak_mib']:.0f} MiB")
        for rnd in range(1, args.rounds + 1):
            order = servers if rnd % 2 else servers[::-1]
            for s in order:
                for p, d in cases:
                    quiet = wait_quiet(args.quiet_timeout)
                    r = transfer(s, p, d, args.size, big, args, [o for o in servers if o is not s],
                                 nmt_name=f"{s.name}-{rnd}-{p}-{d}")
                    r.update(server=s.name, protocol=p, direction=d, round=rnd, quiet=quiet)
                    runs.append(r)
                    log(f"round {rnd} {s.name} {p} {d}: {r['mbps']:.1f} MB/s, {r['cpu_s']:.1f} CPU-s, RSS "
                        f"{r['rss_before_mib']:.0f} -> peak {r['rss_peak_mib']:.0f} MiB (growth {r['growth_mib']:.1f}), "
                        f"quiet {quiet}" + (f", {r['chunks']} chunks" if r["chunks"] else ""))
        heaps = {s.name: s.heap_info(java_home) for s in servers}
        end_rss = {s.name: (status_kib(s.pid, "VmRSS") / 1024) for s in servers}
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.monotonic() - started

    keys = ["round", "server", "protocol", "direction", "mbps", "seconds", "cpu_s", "rss_before_mib",
            "rss_sampled_peak_mib", "rss_hwm_mib", "rss_peak_mib", "growth_mib", "rss_after_mib", "chunks",
            "machine_busy_s", "idle_servers_cpu_s", "samples", "quiet"]
    with open(os.path.join(args.out, "runs.tsv"), "w") as f:
        f.write("\t".join(keys) + "\n")
        for r in runs:
            f.write("\t".join(f"{r[k]:.2f}" if isinstance(r[k], float) else str(r[k]) for k in keys) + "\n")
    for name, text in heaps.items():
        with open(os.path.join(args.out, f"{name}.heap.txt"), "w") as f:
            f.write(text)

    def cell(server, p, d):
        rs = [r for r in runs if (r["server"], r["protocol"], r["direction"]) == (server, p, d)]
        return {"mbps": median([r["mbps"] for r in rs]), "all": [r["mbps"] for r in rs],
                "growth": median([r["growth_mib"] for r in rs]), "growth_max": max(r["growth_mib"] for r in rs),
                "per_cpu": median([args.size / 1e6 / r["cpu_s"] for r in rs if r["cpu_s"] > 0]),
                "chunk_kib": median([args.size / r["chunks"] / 1024 for r in rs if r["chunks"]]),
                "quiet": sum(1 for r in rs if r["quiet"]), "n": len(rs)}

    names = {"h1": "HTTP/1.1", "h2c": "h2c", "up": "upload", "down": "download"}
    lines = [f"# Streaming bodies: {args.size / 1024 ** 3:g} GiB up and down, "
             f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"commit {git_rev()}; servers on core {args.server_cpu}, curl on core {args.load_cpu}; "
             f"{args.rounds} rounds, medians; warm-up {args.warmup_size >> 20} MiB per case; "
             f"Netty -Xmx{args.netty_heap}; {elapsed / 60:.1f} min", "",
             "| server | protocol | direction | MB/s median (each round) | MB per server CPU-s | RSS growth MiB median / max "
             f"| < {RSS_TARGET_MIB} MiB | upload chunk KiB | quiet runs |",
             "|---|---|---|---|---|---|---|---|---|"]
    for s in args.servers:
        for p, d in cases:
            c = cell(s, p, d)
            lines.append(f"| {s} | {names[p]} | {names[d]} | **{c['mbps']:.0f}** ({' / '.join(f'{x:.0f}' for x in c['all'])}) "
                         f"| {c['per_cpu']:.0f} | {c['growth']:.1f} / {c['growth_max']:.1f} "
                         f"| {'yes' if c['growth_max'] < RSS_TARGET_MIB else '**no**'} "
                         f"| {c['chunk_kib']:.0f} | {c['quiet']}/{c['n']} |".replace("| nan |", "| – |"))
    if "siphon" in args.servers and "netty" in args.servers:
        lines += ["", "| protocol | direction | siphon / netty MB/s | siphon / netty MB per CPU-s |", "|---|---|---|---|"]
        for p, d in cases:
            a, b = cell("siphon", p, d), cell("netty", p, d)
            lines.append(f"| {names[p]} | {names[d]} | **{a['mbps'] / b['mbps']:.2f}** | {a['per_cpu'] / b['per_cpu']:.2f} |")
    lines += ["", "RSS at the end: " + ", ".join(f"{n} {v:.0f} MiB" for n, v in end_rss.items()) + "; each transfer "
              f"in {os.path.relpath(os.path.join(args.out, 'runs.tsv'), ROOT)}"]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(text)
    print(text)
    failed = [r for r in runs if r["growth_mib"] >= RSS_TARGET_MIB]
    if failed:
        log(f"{len(failed)} transfer(s) grew the RSS by {RSS_TARGET_MIB} MiB or more")


if __name__ == "__main__":
    main()
