#!/usr/bin/python3
"""The cold path: a fresh server under load from its first answer, in fixed windows.

What a replica that was just started, rescheduled or added by an autoscaler goes through. For
each case, a new server process is launched pinned to one core (SERVER_CPU), the script polls
until the route first answers correctly (launch to first answer), then runs
`wrk -t1 -c64 -d<window>s` on the other core (LOAD_CPU) back to back for --seconds, and records
each window's requests per second and the server's CPU share. At the end it reads the server's
memory: peak and current RSS (VmHWM, VmRSS) and, for siphon, the JVM's heap, code cache and
metaspace (jcmd), or the whole Native Memory Tracking summary with --nmt.

Cases are server:route, run in the order given, each in its own fresh process:
  siphon-async  bench/python/cold_async.py: `async def` handlers (what users write)
  siphon-sync   bench/python/cold_sync.py: plain `def` handlers
  uvicorn       bench/python/starlette_app.py on uvicorn (uvloop + httptools when importable)
routes: hello (GET /hello/bench), echo-json (POST ~1 KB JSON: loads, add a field, dumps),
proxy (siphon-async only: GET /proxy/hello/bench, forwarded by http.Client to the engine's Java
demo server on the load core).

Reported per case: launch to first answer; the steady level (the median of the last
--steady-windows windows); time from launch until throughput stays at >= 90 % of that level
(judged on a rolling median of three windows, so that one slow window on a shared machine does
not decide); requests per server CPU-second at the steady level; memory at the end. The
results go to --out (windows.tsv, summary.md, cold-path.png when matplotlib is importable).

  bench/cold-path.py [--cases siphon-async:hello,uvicorn:hello] [--seconds 180] [--window 5]

Run on a quiet machine: ../shared/tools/wait-quiet runs (when present) before each case.
"""
import argparse
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP_DIR = os.path.join(ROOT, "bench", "python")
BODY_FILE = os.path.join(APP_DIR, "echo.json")
QUIET_TOOL = os.path.join(ROOT, "..", "shared", "tools", "wait-quiet")
CLK_TCK = os.sysconf("SC_CLK_TCK")
ALL_CASES = ["siphon-async:hello", "siphon-sync:hello", "uvicorn:hello",
             "siphon-async:echo-json", "siphon-sync:echo-json", "uvicorn:echo-json",
             "siphon-async:proxy"]
PATHS = {"hello": "/hello/bench", "echo-json": "/echo-json", "proxy": "/proxy/hello/bench"}


def log(msg):
    print("cold-path: " + msg, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jdk():
    return subprocess.run([os.path.join(ROOT, "bin", "find-jdk")], check=True, capture_output=True,
                          text=True).stdout.strip()


def tree_ticks(pid):
    """utime + stime of pid and its descendants, in clock ticks."""
    total = 0
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total = int(fields[11]) + int(fields[12])
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = f.read().split()
    except OSError:
        return total
    return total + sum(tree_ticks(int(k)) for k in kids)


def status_kib(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def expected(route):
    if route == "echo-json":
        with open(BODY_FILE) as f:
            doc = json.load(f)
        doc["echoed"] = True
        return json.dumps(doc).encode()
    return b"hi bench"


def ask(port, route):
    """One request; the body, or None when nothing answers (yet)."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        if route == "echo-json":
            with open(BODY_FILE, "rb") as f:
                c.request("POST", PATHS[route], body=f.read(), headers={"content-type": "application/json"})
        else:
            c.request("GET", PATHS[route])
        r = c.getresponse()
        body = r.read()
        c.close()
        return body if r.status == 200 else b"status %d: " % r.status + body
    except OSError:
        return None


class Server:
    def __init__(self, kind, route, port, args, upstream_port):
        self.kind = kind
        self.route = route
        self.port = port
        self.log_path = os.path.join(args.out, f"{kind}.{route}.log")
        env = dict(os.environ)
        if kind.startswith("siphon"):
            script = "cold_async.py" if kind == "siphon-async" else "cold_sync.py"
            env.update(SIPHON_LISTEN=f"127.0.0.1:{port}", SIPHON_WORKERS=str(args.workers),
                       SIPHON_IO_LOOPS=str(args.workers), UPSTREAM_URL=f"http://127.0.0.1:{upstream_port}")
            opts = env.get("SIPHON_JAVA_OPTS", "")
            if args.nmt:
                opts += " -XX:NativeMemoryTracking=summary"
            env["SIPHON_JAVA_OPTS"] = opts.strip()
            cmd = [os.path.join(ROOT, "bin", "siphon-http"), "--config", os.path.join(APP_DIR, "cold.yaml"),
                   "--script", os.path.join(APP_DIR, script)]
        else:
            cmd = [args.python, "-m", "uvicorn", "--app-dir", APP_DIR, "starlette_app:app", "--host", "127.0.0.1",
                   "--port", str(port), "--no-access-log", "--log-level", "warning"]
            if subprocess.run([args.python, "-c", "import uvloop"], capture_output=True).returncode == 0:
                cmd += ["--loop", "uvloop"]
            if subprocess.run([args.python, "-c", "import httptools"], capture_output=True).returncode == 0:
                cmd += ["--http", "httptools"]
        self.cmd = ["taskset", "-c", args.server_cpu] + cmd
        self.env = env
        self.proc = None

    def start(self, timeout):
        want = expected(self.route)
        logf = open(self.log_path, "wb")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=logf, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.launched = t0
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise SystemExit(f"cold-path: {self.kind} exited before answering; see {self.log_path}")
            body = ask(self.port, self.route)
            if body is not None:
                if body != want:
                    raise SystemExit(f"cold-path: {self.kind} answered {PATHS[self.route]} with {body[:200]!r}")
                return time.monotonic() - t0
            time.sleep(0.02)
        raise SystemExit(f"cold-path: {self.kind} did not answer within {timeout} s; see {self.log_path}")

    def memory(self, java_home, nmt):
        pid = self.proc.pid
        if self.kind.startswith("siphon"):
            pid = java_pid(pid)
        m = {"rss_peak_mib": status_kib(pid, "VmHWM") / 1024, "rss_mib": status_kib(pid, "VmRSS") / 1024}
        if self.kind.startswith("siphon"):
            m.update(jvm_memory(java_home, pid, nmt, self.log_path + ".nmt"))
        return m

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def java_pid(pid):
    """taskset execs the launcher, which execs java: the same pid; kept as a function for clarity."""
    return pid


def jcmd(java_home, pid, *what):
    r = subprocess.run([os.path.join(java_home, "bin", "jcmd"), str(pid), *what], capture_output=True, text=True,
                       timeout=60)
    return r.stdout


def jvm_memory(java_home, pid, nmt, nmt_file):
    """Heap used and committed, code cache used, metaspace committed (MiB); NMT's committed total with --nmt."""
    out = {}
    heap = jcmd(java_home, pid, "GC.heap_info")
    used = committed = 0
    for total, u in re.findall(r"total (\d+)K, used (\d+)K", heap):
        committed += int(total)
        used += int(u)
    out["heap_used_mib"] = used / 1024
    out["heap_committed_mib"] = committed / 1024
    cc = jcmd(java_home, pid, "Compiler.codecache")
    out["code_cache_used_mib"] = sum(int(x) for x in re.findall(r"used=(\d+)Kb", cc)) / 1024
    ms = jcmd(java_home, pid, "VM.metaspace", "basic")
    m = re.search(r"Both:.*?([\d.]+) ([KMG])B committed", ms, re.S)
    if m:
        out["metaspace_committed_mib"] = float(m.group(1)) * {"K": 1 / 1024, "M": 1, "G": 1024}[m.group(2)]
    if nmt:
        text = jcmd(java_home, pid, "VM.native_memory", "summary")
        with open(nmt_file, "w") as f:
            f.write(text)
        m = re.search(r"Total: reserved=\d+KB, committed=(\d+)KB", text)
        if m:
            out["nmt_committed_mib"] = int(m.group(1)) / 1024
    return out


def wait_quiet(timeout):
    if os.path.exists(QUIET_TOOL):
        r = subprocess.run([sys.executable, QUIET_TOOL, "--timeout", str(timeout)], capture_output=True, text=True)
        return r.returncode == 0
    return None


def wrk(args, port, route, seconds):
    cmd = ["taskset", "-c", args.load_cpu, "wrk", "-t1", f"-c{args.connections}", f"-d{seconds}s"]
    env = dict(os.environ)
    if route == "echo-json":
        cmd += ["-s", os.path.join(APP_DIR, "post-json.lua")]
        env["ECHO_JSON_BODY"] = BODY_FILE
    cmd.append(f"http://127.0.0.1:{port}{PATHS[route]}")
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    m = re.search(r"^Requests/sec:\s+([\d.]+)", r.stdout, re.M)
    if not m:
        raise SystemExit("cold-path: cannot read wrk's output:\n" + r.stdout + r.stderr)
    errors = 0
    m2 = re.search(r"Non-2xx or 3xx responses: (\d+)", r.stdout)
    if m2:
        errors += int(m2.group(1))
    m3 = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", r.stdout)
    if m3:
        errors += sum(int(x) for x in m3.groups())
    return float(m.group(1)), errors


def run_case(case, args, java_home, upstream_port):
    kind, route = case.split(":")
    quiet = wait_quiet(args.quiet_timeout)
    server = Server(kind, route, free_port(), args, upstream_port)
    windows = []
    try:
        first = server.start(args.start_timeout)
        log(f"{case}: first answer {first:.2f} s after launch (quiet before: {quiet})")
        end = server.launched + first + args.seconds
        while time.monotonic() < end - 0.5:
            t = time.monotonic() - server.launched
            c0 = tree_ticks(server.proc.pid)
            w0 = time.monotonic()
            rps, errors = wrk(args, server.port, route, args.window)
            dt = time.monotonic() - w0
            cpu = (tree_ticks(server.proc.pid) - c0) / CLK_TCK / dt
            rss = status_kib(server.proc.pid, "VmRSS") / 1024
            windows.append({"t": t, "rps": rps, "cpu": cpu, "errors": errors, "rss_mib": rss})
            if args.verbose:
                log(f"{case}: {t:6.1f} s  {rps:9.0f} req/s  cpu {cpu:.2f}  rss {rss:.0f} MiB  errors {errors}")
        mem = server.memory(java_home, args.nmt)
    finally:
        server.stop()
    return summarize(case, first, windows, mem, args)


def summarize(case, first, windows, mem, args):
    k = min(args.steady_windows, max(1, len(windows) // 4))
    tail = windows[-k:]
    steady = statistics.median(w["rps"] for w in tail)
    steady_cpu = statistics.median(w["cpu"] for w in tail)
    # a single slow window on a shared machine should not decide: the curve is smoothed with a
    # rolling median of three windows before it is compared with 90 % of the steady level
    smooth = [statistics.median(w["rps"] for w in windows[max(0, i - 1):i + 2]) for i in range(len(windows))]
    t90 = None
    for i in range(len(windows)):
        if all(v >= 0.9 * steady for v in smooth[i:]):
            t90 = windows[i]["t"]
            break
    reached = next((w["t"] for w, v in zip(windows, smooth) if v >= 0.9 * steady), None)
    first10 = [w["rps"] for w in windows if w["t"] - first < 10.0 + 1e-9]
    first120 = [w["rps"] for w in windows if w["t"] - first < 120.0]
    res = {"case": case, "first_answer_s": first, "steady_rps": steady, "steady_cpu": steady_cpu,
           "per_cpu_s": steady / steady_cpu if steady_cpu > 0 else 0.0, "t90_s": t90, "reached90_s": reached,
           "first10_rps": statistics.mean(first10) if first10 else 0.0,
           "first120_rps": statistics.mean(first120) if first120 else 0.0,
           "errors": sum(w["errors"] for w in windows), "windows": windows}
    res.update(mem)
    t90s = (f"never (first reached at {reached:.0f} s)" if reached is not None else "never") if t90 is None \
        else f"{t90:.0f} s"
    log(f"{case}: steady {steady:.0f} req/s ({res['per_cpu_s']:.0f} per CPU-s), >=90 % from {t90s} after launch, "
        f"peak RSS {mem.get('rss_peak_mib', 0):.0f} MiB, errors {res['errors']}")
    return res


def write_results(results, args):
    with open(os.path.join(args.out, "windows.tsv"), "w") as f:
        f.write("case\tseconds_since_launch\treq_per_s\tserver_cpu\trss_mib\terrors\n")
        for r in results:
            for w in r["windows"]:
                f.write(f"{r['case']}\t{w['t']:.1f}\t{w['rps']:.0f}\t{w['cpu']:.2f}\t{w['rss_mib']:.0f}\t{w['errors']}\n")
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    lines = [f"# Cold path, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"- commit {git_rev()}; server on core {args.server_cpu}, wrk -t1 -c{args.connections} on core "
             f"{args.load_cpu}; {args.window} s windows for {args.seconds} s from the first answer; "
             f"workers {args.workers}",
             f"- steady = median of the last {args.steady_windows} windows; t90 = time from launch to the start of "
             "the window from which the curve (a rolling median of 3 windows) stays >= 90 % of steady", "",
             "| case | first answer s | t90 s | 90 % first reached s | first 10 s req/s | first 120 s req/s | steady req/s | "
             "req per CPU-s | peak RSS MiB | RSS end | heap used/committed | code cache | metaspace | NMT committed "
             "| errors |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        def g(key, fmt="{:.0f}"):
            return fmt.format(r[key]) if key in r and r[key] is not None else "–"
        heap = f"{g('heap_used_mib')}/{g('heap_committed_mib')}" if "heap_used_mib" in r else "–"
        lines.append(f"| {r['case']} | {r['first_answer_s']:.1f} | {g('t90_s')} | {g('reached90_s')} | {r['first10_rps']:.0f} | "
                     f"{r['first120_rps']:.0f} | {r['steady_rps']:.0f} | {r['per_cpu_s']:.0f} | {g('rss_peak_mib')} | "
                     f"{g('rss_mib')} | {heap} | {g('code_cache_used_mib')} | {g('metaspace_committed_mib')} | "
                     f"{g('nmt_committed_mib')} | {r['errors']} |")
    by = {r["case"]: r for r in results}
    ratios = []
    for route in PATHS:
        a, s, u = by.get(f"siphon-async:{route}"), by.get(f"siphon-sync:{route}"), by.get(f"uvicorn:{route}")
        if a and u and u["per_cpu_s"]:
            ratios.append(f"- {route}: async siphon / uvicorn, steady req per CPU-second: "
                          f"**{a['per_cpu_s'] / u['per_cpu_s']:.2f}** (req/s {a['steady_rps'] / u['steady_rps']:.2f})")
        if a and s and s["per_cpu_s"]:
            ratios.append(f"- {route}: async / plain def siphon, steady req per CPU-second: "
                          f"**{a['per_cpu_s'] / s['per_cpu_s']:.2f}** (req/s {a['steady_rps'] / s['steady_rps']:.2f})")
    if ratios:
        lines += [""] + ratios
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(text)
    print(text)
    plot(results, args)


def plot(results, args):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is not importable: no plot (apt-get install python3-matplotlib)")
        return
    routes = [r for r in PATHS if any(x["case"].endswith(":" + r) for x in results)]
    fig, axes = plt.subplots(len(routes), 1, figsize=(9, 3.2 * len(routes)), squeeze=False)
    for ax, route in zip(axes[:, 0], routes):
        for r in results:
            if not r["case"].endswith(":" + route):
                continue
            xs = [0, r["first_answer_s"]] + [w["t"] + args.window for w in r["windows"]]
            ys = [0, 0] + [w["rps"] for w in r["windows"]]
            ax.step(xs, ys, where="pre", label=r["case"].split(":")[0])
        ax.set_title(f"{route}: req/s in {args.window} s windows from launch (server on one core)")
        ax.set_xlabel("seconds since launch")
        ax.set_ylabel("req/s")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
    fig.tight_layout()
    path = os.path.join(args.out, "cold-path.png")
    fig.savefig(path, dpi=80)
    log(f"plot: {path}")


def git_rev():
    r = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    rev = r.stdout.strip() or "unknown"
    if subprocess.run(["git", "-C", ROOT, "diff", "--quiet", "HEAD"]).returncode != 0:
        rev += " (with uncommitted changes)"
    return rev


def start_upstream(java_home, args):
    port = free_port()
    cp = os.path.join(ROOT, "engine", "target", "siphon-engine.jar") + ":" + os.path.join(ROOT, "engine", "target",
                                                                                           "lib", "*")
    proc = subprocess.Popen(["taskset", "-c", args.load_cpu, os.path.join(java_home, "bin", "java"),
                             "-XX:+UseParallelGC", "-cp", cp, "dev.siphon.http.demo.HelloServer",
                             f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/hello/bench")
            if c.getresponse().read() == b"hi bench":
                # warm the upstream itself, so that the proxy's curve is the proxy's
                subprocess.run(["taskset", "-c", args.load_cpu, "wrk", "-t1", "-c64", "-d20s",
                                f"http://127.0.0.1:{port}/hello/bench"], capture_output=True)
                return proc, port
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("cold-path: the upstream (dev.siphon.http.demo.HelloServer) did not start")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=",".join(ALL_CASES), help="comma-separated server:route (default: all)")
    ap.add_argument("--seconds", type=int, default=180, help="seconds of load from the first answer (default 180)")
    ap.add_argument("--window", type=int, default=5, help="seconds per window (default 5)")
    ap.add_argument("--steady-windows", type=int, default=6, help="windows at the end that define steady (default 6)")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--workers", type=int, default=1, help="siphon worker contexts and I/O loops (default 1)")
    ap.add_argument("--server-cpu", default="0")
    ap.add_argument("--load-cpu", default="1")
    ap.add_argument("--nmt", action="store_true", help="run siphon with Native Memory Tracking and keep its summary")
    ap.add_argument("--python", default="/usr/bin/python3", help="the interpreter for uvicorn")
    ap.add_argument("--start-timeout", type=int, default=180)
    ap.add_argument("--quiet-timeout", type=int, default=120)
    ap.add_argument("--out", default=None, help="results directory (default bench/target/cold-path/<time>)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every window")
    args = ap.parse_args()
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    for c in cases:
        kind, _, route = c.partition(":")
        if kind not in ("siphon-async", "siphon-sync", "uvicorn") or route not in PATHS:
            ap.error(f"unknown case {c!r}; cases are {', '.join(ALL_CASES)}")
        if route == "proxy" and kind != "siphon-async":
            ap.error("the proxy route is siphon-async only")
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            ap.error(f"{tool} is missing: bin/ensure-tools python-bench installs it")
    if args.out is None:
        args.out = os.path.join(ROOT, "bench", "target", "cold-path", time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(args.out, exist_ok=True)
    java_home = jdk()
    upstream = None
    upstream_port = free_port()
    try:
        if any(c.endswith(":proxy") for c in cases):
            upstream, upstream_port = start_upstream(java_home, args)
        results = [run_case(c, args, java_home, upstream_port) for c in cases]
    finally:
        if upstream:
            os.killpg(upstream.pid, signal.SIGTERM)
    write_results(results, args)
    log(f"results in {args.out}")


if __name__ == "__main__":
    main()
