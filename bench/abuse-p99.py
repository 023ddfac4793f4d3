#!/usr/bin/python3
"""A well-behaved client's latency with abusive connections open, against the same on an idle server.

Issue 12's target: with 2,000 abusive connections open (slowloris and zero-window HTTP/2), the
p99 of a well-behaved client on the hello route stays within 2x its value on an idle server.

The server is the soak test's (bench/soak.py): bin/siphon-http running SoakServer on
bench/python/soak_app.py (`async def` routes), pinned to --server-cpu, every limit at its default.
The clients run on --load-cpu. In one run:

  1. warm-up: wrk on GET /hello/wrk for --warmup seconds (a fresh GraalPy needs minutes to reach
     full speed; see docs/performance.md, "The cold path"), not measured;
  2. idle: --rounds rounds of `wrk -t1 -c<--wrk-connections> -d<--seconds>s --latency`, each
     request after a --wrk-delay-ms pause (a fixed, moderate rate, not saturation), p99 of each;
  3. the abusive connections open (--slowloris and --zero-window, from 127.0.1.x; they reconnect
     whenever the server closes them) and the script waits until --connections are open at once.
     They run in a child process of their own on --load-cpu at --abuse-nice (19): wrk gets the core
     first, as it would if the attacker were another machine; the CPU each side used is reported;
  4. abused: the same wrk rounds, while the abusive clients keep their connections open;
  5. it prints the medians and their ratio, and exits 1 when the ratio is above --max-ratio (2).

Usage (after make build; bin/ensure-tools bench installs wrk):
  bench/abuse-p99.py                     # 1,000 slowloris + 1,000 zero-window
  bench/abuse-p99.py --slowloris 1500 --zero-window 500 --seconds 30
"""
import argparse
import asyncio
import importlib.util
import json
import os
import re
import signal
import ssl
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ARGV = sys.argv[1:]  # as given (soak_args replaces sys.argv)
spec = importlib.util.spec_from_file_location("soak", os.path.join(HERE, "soak.py"))
soak = importlib.util.module_from_spec(spec)
spec.loader.exec_module(soak)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    a = p.add_argument
    a("--slowloris", type=int, default=1000, help="slowloris connections [1000]")
    a("--zero-window", type=int, default=1000, help="zero-window HTTP/2 connections [1000]")
    a("--zw-streams", type=int, default=4, help="streams each zero-window connection holds [4]")
    a("--connections", type=int, default=0, help="abusive connections to wait for [95 %% of slowloris + zero-window: a slowloris client is closed after header_timeout_ms and reconnects]")
    a("--warmup", type=int, default=90, help="seconds of unmeasured load first [90]")
    a("--seconds", type=int, default=20, help="seconds of each wrk round [20]")
    a("--rounds", type=int, default=3, help="wrk rounds per phase [3]")
    a("--wrk-connections", type=int, default=8, help="wrk connections [8]")
    a("--wrk-delay-ms", type=int, default=2, help="wrk pause before each request, per connection [2]")
    a("--max-ratio", type=float, default=2.0, help="p99 under abuse over p99 idle that passes [2]")
    a("--server-cpu", default="0", help="core(s) for the server [0]")
    a("--load-cpu", default="1", help="core(s) for the clients [1]")
    a("--port", type=int, default=18690, help="cleartext port; TLS on port+1 [18690]")
    a("--abuse-nice", type=int, default=19, help="niceness of the abusive clients' process, which shares --load-cpu "
      "with wrk [19: they take only what wrk leaves, as an attacker on another machine would; 0 lets them compete]")
    a("--abuse-only", action="store_true", help=argparse.SUPPRESS)  # the child process that runs the abusive clients
    a("--out", default=os.path.join(os.path.dirname(HERE), "bench", "target", "abuse-p99"), help="results directory")
    return p.parse_args()


def soak_args(args):
    """The soak test's settings for its Server and Abuse classes: only slowloris and zero-window."""
    sys.argv = ["soak.py", "--server-cpu", args.server_cpu, "--load-cpu", args.load_cpu, "--port", str(args.port),
                "--out", args.out, "--slowloris", str(args.slowloris), "--zero-window", str(args.zero_window),
                "--zw-streams", str(args.zw_streams), "--no-read", "0", "--resets", "0", "--garbage", "0",
                "--sample-seconds", "3600", "--wrk-delay-ms", str(args.wrk_delay_ms)]
    return soak.parse_args()


async def wrk(args, seconds, latency=True):
    lua = os.path.join(HERE, "python", "soak-wrk.lua")
    cmd = soak.pinned(args.load_cpu, ["wrk", "-t1", f"-c{args.wrk_connections}", f"-d{seconds}s", "--timeout", "10s",
                                      "-s", lua] + (["--latency"] if latency else [])
                      + [f"http://127.0.0.1:{args.port}/"])
    env = dict(os.environ, SOAK_WRK_MODE="hello", SOAK_WRK_DELAY_MS=str(args.wrk_delay_ms))
    proc = await asyncio.create_subprocess_exec(*cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = (await proc.communicate())[0].decode(errors="replace")
    return soak.parse_wrk(out), out


def cpu_seconds(pid):
    """User plus system CPU time of a process so far, from /proc (0 when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


async def phase(name, args, server_pid, abuse_pid=None):
    p99s, failed, requests, server_cpu, abuse_cpu = [], 0, 0, [], []
    for i in range(args.rounds):
        s0, a0, t0 = cpu_seconds(server_pid), cpu_seconds(abuse_pid) if abuse_pid else 0, time.monotonic()
        r, out = await wrk(args, args.seconds)
        wall = time.monotonic() - t0
        server_cpu.append(100 * (cpu_seconds(server_pid) - s0) / wall)
        abuse_cpu.append(100 * (cpu_seconds(abuse_pid) - a0) / wall if abuse_pid else 0)
        if "p99_ms" not in r:
            sys.exit(f"abuse-p99: no latency in wrk's output:\n{out}")
        p99s.append(r["p99_ms"])
        failed += r["failed"]
        requests += r["requests"]
        soak.log(f"{name} round {i + 1}: p99 {r['p99_ms']:.2f} ms, {r['requests']} requests, {r['failed']} failed; "
                 f"server CPU {server_cpu[-1]:.0f} %" + (f", abusive clients' CPU {abuse_cpu[-1]:.0f} %" if abuse_pid else ""))
    return {"p99": statistics.median(p99s), "rounds": p99s, "requests": requests, "failed": failed,
            "server_cpu": statistics.median(server_cpu), "abuse_cpu": statistics.median(abuse_cpu)}


class AbuseProcess:
    """The abusive clients in a child process of their own (this script with --abuse-only), pinned to
    --load-cpu at --abuse-nice, so that their CPU use is measured apart and does not run ahead of wrk."""

    def __init__(self, args):
        self.args = args
        self.proc = None
        self.open = 0
        self.stats = {}

    async def start(self):
        argv = [sys.executable, os.path.abspath(__file__), "--abuse-only"] + [
            x for x in ARGV if x != "--abuse-only"]
        nice = self.args.abuse_nice
        self.proc = await asyncio.create_subprocess_exec(*soak.pinned(self.args.load_cpu, argv), stdout=subprocess.PIPE,
                                                         preexec_fn=(lambda: os.nice(nice)) if nice else None)
        asyncio.ensure_future(self._read())

    async def _read(self):
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                return
            if line.startswith(b"open "):
                self.open = int(line.split()[1])
            elif line.startswith(b"stats "):
                self.stats = json.loads(line[6:])

    async def stop(self):
        if self.proc and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.proc.wait(), 60)
            await asyncio.sleep(0.2)  # the last lines


async def abuse_only(args):
    """The child: runs the abusive clients, prints how many are open twice a second and, on SIGTERM, closes
    them and prints what they saw."""
    sargs = soak_args(args)
    abuse = soak.Abuse(sargs, os.path.join(args.out, "certs", "ca.pem"))
    abuse.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    while not stop.is_set():
        print(f"open {abuse.open_now()}", flush=True)
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except asyncio.TimeoutError:
            pass
    still_open = abuse.open_now()
    await abuse.stop()
    stats = {k: {"connections": v["connections"], "closed_by_server": v["closed_by_server"], "refused": v["refused"]}
             for k, v in abuse.stats.items()}
    stats["_open_at_end"] = still_open
    print("stats " + json.dumps(stats), flush=True)
    return 0


async def main(args):
    if args.abuse_only:
        return await abuse_only(args)
    os.makedirs(args.out, exist_ok=True)
    if args.load_cpu and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(c) for c in args.load_cpu.split(",")})  # this process: wrk's driver
    sargs = soak_args(args)
    certs = os.path.join(args.out, "certs")
    subprocess.run([os.path.join(HERE, "tls-certs.sh"), certs], check=True)
    server = soak.Server(sargs, certs)
    await server.start()
    abuse = None
    try:
        await asyncio.wait_for(server.ready.wait(), 300)
        ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
        loop = asyncio.get_running_loop()
        t0 = time.monotonic()
        while not await loop.run_in_executor(None, soak.probe, args.port, ctx):
            if time.monotonic() - t0 > 300 or not server.alive():
                sys.exit(f"abuse-p99: the server does not answer; see {server.log.name}")
            await asyncio.sleep(1)
        soak.log(f"serving; warm-up {args.warmup} s")
        await wrk(args, args.warmup, latency=False)
        idle = await phase("idle", args, server.proc.pid)

        abuse = AbuseProcess(args)
        await abuse.start()
        want = args.connections or int(0.95 * (args.slowloris + args.zero_window))
        t0 = time.monotonic()
        while abuse.open < want:
            if time.monotonic() - t0 > 120:
                sys.exit(f"abuse-p99: only {abuse.open} of {want} abusive connections open after 120 s")
            await asyncio.sleep(0.5)
        soak.log(f"{abuse.open} abusive connections open after {time.monotonic() - t0:.1f} s "
                 f"(their process at nice {args.abuse_nice})")
        abused = await phase("abused", args, server.proc.pid, abuse.proc.pid)
    finally:
        if abuse:
            await abuse.stop()
        await server.stop()
    ratio = abused["p99"] / idle["p99"]
    print(f"p99 idle (median of {args.rounds}): {idle['p99']:.2f} ms {['%.2f' % x for x in idle['rounds']]}, "
          f"{idle['requests']} requests, {idle['failed']} failed; server CPU {idle['server_cpu']:.0f} %")
    print(f"p99 with {want} abusive connections (median of {args.rounds}): {abused['p99']:.2f} ms "
          f"{['%.2f' % x for x in abused['rounds']]}, {abused['requests']} requests, {abused['failed']} failed; "
          f"server CPU {abused['server_cpu']:.0f} %, abusive clients' CPU {abused['abuse_cpu']:.0f} % (nice "
          f"{args.abuse_nice}); {abuse.stats.get('_open_at_end', '?')} abusive connections open at the end")
    for kind, st in abuse.stats.items():
        if not kind.startswith("_"):
            print(f"  {kind}: {st['connections']} connections made, {st['closed_by_server']} closed by the server, "
                  f"{st['refused']} refused")
    ok = ratio <= args.max_ratio and idle["failed"] == 0 and abused["failed"] == 0
    print(f"ratio {ratio:.2f} (target <= {args.max_ratio}): {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
