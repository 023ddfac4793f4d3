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
     whenever the server closes them) and the script waits until --connections are open at once;
  4. abused: the same wrk rounds, while the abusive clients keep their connections open;
  5. it prints the medians and their ratio, and exits 1 when the ratio is above --max-ratio (2).

Usage (after make build; bin/ensure-tools bench installs wrk):
  bench/abuse-p99.py                     # 1,000 slowloris + 1,000 zero-window
  bench/abuse-p99.py --slowloris 1500 --zero-window 500 --seconds 30
"""
import argparse
import asyncio
import importlib.util
import os
import re
import ssl
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
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


async def phase(name, args):
    p99s, failed, requests = [], 0, 0
    for i in range(args.rounds):
        r, out = await wrk(args, args.seconds)
        if "p99_ms" not in r:
            sys.exit(f"abuse-p99: no latency in wrk's output:\n{out}")
        p99s.append(r["p99_ms"])
        failed += r["failed"]
        requests += r["requests"]
        soak.log(f"{name} round {i + 1}: p99 {r['p99_ms']:.2f} ms, {r['requests']} requests, {r['failed']} failed")
    return statistics.median(p99s), p99s, requests, failed


async def main(args):
    os.makedirs(args.out, exist_ok=True)
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
        idle, idle_all, idle_n, idle_failed = await phase("idle", args)

        abuse = soak.Abuse(sargs, os.path.join(certs, "ca.pem"))
        abuse.start()
        want = args.connections or int(0.95 * (args.slowloris + args.zero_window))
        t0 = time.monotonic()
        while abuse.open_now() < want:
            if time.monotonic() - t0 > 120:
                sys.exit(f"abuse-p99: only {abuse.open_now()} of {want} abusive connections open after 120 s")
            await asyncio.sleep(0.5)
        soak.log(f"{abuse.open_now()} abusive connections open after {time.monotonic() - t0:.1f} s")
        abused, abused_all, abused_n, abused_failed = await phase("abused", args)
        still_open = abuse.open_now()
    finally:
        if abuse:
            await abuse.stop()
        await server.stop()
    ratio = abused / idle
    print(f"p99 idle (median of {args.rounds}): {idle:.2f} ms {['%.2f' % x for x in idle_all]}, "
          f"{idle_n} requests, {idle_failed} failed")
    print(f"p99 with {want} abusive connections (median of {args.rounds}): {abused:.2f} ms "
          f"{['%.2f' % x for x in abused_all]}, {abused_n} requests, {abused_failed} failed; "
          f"{still_open} abusive connections open at the end")
    for kind, st in abuse.stats.items():
        print(f"  {kind}: {st['connections']} connections made, {st['closed_by_server']} closed by the server, "
              f"{st['refused']} refused")
    ok = ratio <= args.max_ratio and idle_failed == 0 and abused_failed == 0
    print(f"ratio {ratio:.2f} (target <= {args.max_ratio}): {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
