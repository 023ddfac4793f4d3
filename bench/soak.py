#!/usr/bin/python3
"""The soak test: mixed HTTP/1.1, h2c and TLS load with a share of abusive clients, for --minutes.

What it runs (one command: `make bench-soak`, or bench/soak.py [options] after `make build`):

  server   bin/siphon-http with SIPHON_MAIN=dev.siphon.http.bench.SoakServer: the launcher's JVM
           options and heap, serving bench/python/soak_app.py (`async def` routes) from
           bench/python/soak.yaml, a cleartext listener (HTTP/1.1 + h2c) and a TLS one (throwaway
           certificates from bench/tls-certs.sh), pinned to --server-cpu. Every --sample-seconds it
           prints a sample: RSS, heap in use after a full GC, open file descriptors, threads, the
           buffer pool's outstanding count and the engine's counters.
  load     the well-behaved clients, pinned to --load-cpu, each at a fixed, moderate rate (the
           abusive share should matter): wrk over HTTP/1.1 keep-alive (hello, JSON echo, a 20-ms
           sleep, every body checked: bench/python/soak-wrk.lua; a request unanswered in 35 s is
           a failure), h2load over h2c (hello, sleep), h2load over TLS with ALPN h2 (JSON echo)
           and h2load --h1 over TLS (hello).
  abuse    asyncio clients in this process (also on --load-cpu), each reconnecting (after
           --reconnect-ms) whenever the server closes it or refuses it, from loopback addresses
           of their own (127.0.1.1 ... 127.0.1.<--abuse-sources>) so that per-address limits
           meet them and not the well-behaved clients on 127.0.0.1:
             slowloris    an HTTP/1.1 head, one more byte every --slowloris-interval s (1 in 4 over TLS)
             zero-window  HTTP/2 with SETTINGS_INITIAL_WINDOW_SIZE 0: --zw-streams streams for a
                          --zw-kib KiB body each, never a WINDOW_UPDATE (every other one over TLS)
             no-read      HTTP/1.1: 8 pipelined requests for 256 KiB bodies, then silence, never
                          reading (a TCP zero window); held up to --no-read-hold s
             resets       HTTP/2 rapid reset: HEADERS then RST_STREAM, --reset-burst at a time (every
                          other one over TLS)
             garbage      random bytes, random bytes after a valid request line or the h2 preface,
                          random or truncated TLS ClientHellos, and half a ClientHello then silence

At the end the load stops, every abusive connection is closed, and after --settle-seconds the
server takes a final sample (repeated for up to --final-wait-seconds, 75, until the pool and the
connection count are 0; the server log describes each connection still open at each of them).

Verdict (exit 0 on PASS, 1 on FAIL; the samples, the verdict and the clients' reports are saved
as JSON in --out, default bench/target/soak/):
  - the buffer pool's outstanding count is 0 and no connection is open at the end;
  - open file descriptors are back within --fd-slack of the baseline taken before the load;
  - flat memory: of the samples taken under load, the first third is warm-up (GraalPy's JIT);
    the median of the last third must be within --heap-tolerance % (heap after GC) and
    --rss-tolerance % (RSS) of the median of the middle third, and the heap after GC at the end
    (idle) no more than that same bound. Needs 6 samples under load (--sample-seconds);
  - the well-behaved clients had no failed request: wrk no socket error, no non-2xx answer and
    no wrong body; h2load 0 failed, 0 errored, 0 timeout, every answer 2xx;
  - the server stayed up the whole time.
How to read the table and the figures: docs/performance.md, "Soak".
"""
import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import time

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP_DIR = os.path.join(ROOT, "bench", "python")
ECHO_JSON = os.path.join(APP_DIR, "echo.json")
MIB = 1024 * 1024


def log(msg):
    print("soak: " + msg, file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="See the module docstring (head -60 bench/soak.py) for the method.")
    a = p.add_argument
    a("--minutes", type=float, default=30, help="minutes of load [30]")
    a("--sample-seconds", type=int, default=60, help="seconds between samples [60]")
    a("--settle-seconds", type=int, default=5, help="idle seconds after the load before the final sample [5]")
    a("--final-wait-seconds", type=int, default=75, help="how long the final sample is repeated until the pool "
      "and the connection count are 0 [75: longer than idle_timeout_ms, so a connection still open then is held "
      "by no timeout; each is described in the server log]")
    a("--server-cpu", default="0", help="core(s) for the server (taskset -c) [0]")
    a("--load-cpu", default="1", help="core(s) for the clients [1]")
    a("--workers", type=int, default=1, help="Python worker contexts and I/O loops [1]")
    a("--port", type=int, default=18680, help="cleartext port; TLS on port+1 [18680]")
    a("--out", default=os.path.join(ROOT, "bench", "target", "soak"), help="results directory")
    # well-behaved load
    a("--wrk-connections", type=int, default=16, help="wrk connections [16]")
    a("--wrk-delay-ms", type=int, default=10, help="wrk pause before each request, per connection [10]")
    a("--h2-clients", type=int, default=4, help="clients of each h2load run [4]")
    a("--h2-rps", type=int, default=50, help="requests/s of each h2load client [50]")
    # abusive clients
    a("--slowloris", type=int, default=200, help="slowloris connections [200]")
    a("--slowloris-interval", type=float, default=3, help="seconds between a slowloris client's bytes [3]")
    a("--zero-window", type=int, default=40, help="zero-window HTTP/2 connections [40]")
    a("--zw-streams", type=int, default=100, help="streams each zero-window connection opens [100]")
    a("--zw-kib", type=int, default=8, help="KiB of each zero-window stream's response body [8]")
    a("--no-read", type=int, default=20, help="HTTP/1.1 connections that never read [20]")
    a("--no-read-hold", type=int, default=90, help="seconds a no-read client holds its connection [90]")
    a("--resets", type=int, default=10, help="rapid-reset HTTP/2 connections [10]")
    a("--reset-burst", type=int, default=50, help="HEADERS+RST_STREAM pairs per burst [50]")
    a("--reset-pause-ms", type=int, default=100, help="pause between bursts [100]")
    a("--garbage", type=int, default=40, help="garbage clients [40]")
    a("--reconnect-ms", type=int, default=1000, help="an abusive client's pause before it reconnects [1000]")
    a("--abuse-sources", type=int, default=16, help="loopback addresses the abusive clients use [16]")
    # verdict
    a("--fd-slack", type=int, default=16, help="open fds allowed above the baseline at the end [16]")
    a("--heap-tolerance", type=float, default=10, help="percent, heap after GC, last third over middle [10]")
    a("--rss-tolerance", type=float, default=20, help="percent, RSS, last third over middle [20]")
    args = p.parse_args()
    if args.minutes <= 0 or args.sample_seconds < 1:
        p.error("--minutes must be above 0 and --sample-seconds at least 1")
    return args


# --------------------------------------------------------------------------------------------
# The server


class Server:
    """bin/siphon-http running SoakServer; its sample lines go to self.samples."""

    def __init__(self, args, certs):
        self.args = args
        self.certs = certs
        self.samples = []
        self.requested = asyncio.Queue()
        self.urls = []
        self.ready = asyncio.Event()
        self.proc = None
        self.exit_status = None
        self.log = open(os.path.join(args.out, "server.log"), "wb")

    async def start(self):
        a = self.args
        env = dict(os.environ,
                   SIPHON_MAIN="dev.siphon.http.bench.SoakServer",
                   SIPHON_CLASSPATH=os.path.join(ROOT, "bench", "target", "classes"),
                   SOAK_LISTEN=f"127.0.0.1:{a.port}", SOAK_TLS_LISTEN=f"127.0.0.1:{a.port + 1}",
                   SOAK_CERTS=self.certs, SOAK_WORKERS=str(a.workers), SOAK_IO_LOOPS=str(a.workers))
        cmd = pinned(a.server_cpu, [os.path.join(ROOT, "bin", "siphon-http"),
                                    "--config", os.path.join(APP_DIR, "soak.yaml"),
                                    "--script", os.path.join(APP_DIR, "soak_app.py"),
                                    "--sample-seconds", str(a.sample_seconds)])
        self.proc = await asyncio.create_subprocess_exec(*cmd, env=env, cwd=ROOT, stdin=subprocess.PIPE,
                                                         stdout=subprocess.PIPE, stderr=self.log)
        asyncio.ensure_future(self._read())

    async def _read(self):
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                break
            if line.startswith(b'{"soak_sample":'):
                s = json.loads(line)
                s["at"] = time.time()
                self.samples.append(s)
                if s["kind"] == "requested":
                    self.requested.put_nowait(s)
                else:
                    on_sample(s)
                continue
            self.log.write(line)
            self.log.flush()
            m = re.match(rb"soak-server: listening on (\S+)", line)
            if m:
                self.urls.append(m.group(1).decode())
                if len(self.urls) == 2:
                    self.ready.set()
        self.exit_status = await self.proc.wait()
        self.ready.set()

    def alive(self):
        return self.proc is not None and self.proc.returncode is None

    async def sample_now(self):
        """A sample taken now (after a full GC)."""
        self.proc.stdin.write(b"sample\n")
        await self.proc.stdin.drain()
        return await asyncio.wait_for(self.requested.get(), 60)

    async def stop(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except asyncio.TimeoutError:
                log("the server did not stop within 30 s of SIGTERM: killing it")
                self.proc.kill()
                await self.proc.wait()
        self.log.close()


def pinned(cpus, cmd):
    return ["taskset", "-c", cpus] + cmd if cpus and shutil.which("taskset") else cmd


def probe(port, tls_ctx):
    """GET /hello/ready over cleartext and TLS; True when both answer right."""
    import http.client
    try:
        for conn in (http.client.HTTPConnection("127.0.0.1", port, timeout=10),
                     http.client.HTTPSConnection("127.0.0.1", port + 1, timeout=10, context=tls_ctx)):
            conn.request("GET", "/hello/ready")
            r = conn.getresponse()
            if r.status != 200 or r.read() != b"hi ready":
                return False
            conn.close()
        return True
    except OSError:
        return False


# --------------------------------------------------------------------------------------------
# Abusive clients


class Abuse:
    """Counts, per kind, what the abusive clients did and how their connections ended."""

    def __init__(self, args, ca):
        self.args = args
        self.sources = [f"127.0.1.{i + 1}" for i in range(max(1, args.abuse_sources))]
        self.stats = {}
        self.h2_tls = ssl.create_default_context(cafile=ca)
        self.h2_tls.set_alpn_protocols(["h2"])
        self.h1_tls = ssl.create_default_context(cafile=ca)
        self.h1_tls.set_alpn_protocols(["http/1.1"])
        self.tasks = []
        self.stopping = False

    def stat(self, kind):
        return self.stats.setdefault(kind, {"connections": 0, "open": 0, "closed_by_server": 0,
                                            "refused": 0, "errors": {}, "lifetime_s": 0.0})

    def open_now(self):
        return sum(s["open"] for s in self.stats.values())

    def start(self):
        a = self.args
        plan = [("slowloris", a.slowloris, self.slowloris), ("zero-window", a.zero_window, self.zero_window),
                ("no-read", a.no_read, self.no_read), ("resets", a.resets, self.resets),
                ("garbage", a.garbage, self.garbage)]
        for kind, n, fn in plan:
            self.stat(kind)
            for i in range(n):
                self.tasks.append(asyncio.ensure_future(self.forever(kind, i, fn)))

    async def stop(self):
        """Ends every abusive client. Cancelling once is not enough on Python 3.11: asyncio.wait_for
        loses a cancellation that arrives as the awaited connect completes (gh-86296)."""
        self.stopping = True
        while True:
            pending = [t for t in self.tasks if not t.done()]
            if not pending:
                return
            for t in pending:
                t.cancel()
            await asyncio.wait(pending, timeout=1)

    async def forever(self, kind, i, fn):
        """Runs one abusive client: connect, abuse until the server closes, pause, again."""
        await asyncio.sleep(random.random() * 5)  # spread the first connects
        st = self.stat(kind)
        while not self.stopping:
            t0 = time.monotonic()
            conn = None
            try:
                conn = await self.connect(kind, i, fn)
                st["connections"] += 1
                st["open"] += 1
                ended = await fn(i, *conn)
                if ended == "server":
                    st["closed_by_server"] += 1
                    st["lifetime_s"] += time.monotonic() - t0
            except (ConnectionRefusedError, ConnectionResetError) as e:
                if conn is None:
                    st["refused"] += 1
                else:
                    st["closed_by_server"] += 1
                    st["lifetime_s"] += time.monotonic() - t0
            except asyncio.CancelledError:
                raise
            except Exception as e:  # anything the server did to us: counted, then reconnect
                name = type(e).__name__
                st["errors"][name] = st["errors"].get(name, 0) + 1
            finally:
                if conn is not None:
                    st["open"] -= 1
                    conn[1].transport.abort()
            await asyncio.sleep(self.args.reconnect_ms / 1000 * (0.5 + random.random()))

    async def connect(self, kind, i, fn):
        tls = None
        if kind == "slowloris" and i % 4 == 3:
            tls = self.h1_tls
        elif kind in ("zero-window", "resets") and i % 2 == 1:
            tls = self.h2_tls
        port = self.args.port + (1 if tls else 0)
        if kind == "garbage":
            port = self.args.port + (i % 2)  # raw bytes: half to the TLS port
        src = self.sources[i % len(self.sources)]
        return await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, local_addr=(src, 0), ssl=tls,
                                    server_hostname="127.0.0.1" if tls else None, limit=64 * 1024), 15)

    async def slowloris(self, i, reader, writer):
        """An HTTP/1.1 head that never ends: one more header byte every few seconds."""
        writer.write(b"GET /hello/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        while True:
            try:
                data = await asyncio.wait_for(reader.read(4096), self.args.slowloris_interval)
            except asyncio.TimeoutError:
                writer.write(b"a")
                continue
            if not data:
                return "server"  # closed (after a 408, or at once)

    async def zero_window(self, i, reader, writer):
        """HTTP/2, stream windows 0, many streams whose response bodies can never be sent."""
        conn = h2conn({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
        writer.write(conn.data_to_send())
        path = f"/blob/{self.args.zw_kib}"
        for _ in range(self.args.zw_streams):
            try:
                sid = conn.get_next_available_stream_id()
                conn.send_headers(sid, request_headers("GET", path), end_stream=True)
            except h2.exceptions.TooManyStreamsError:
                break
        writer.write(conn.data_to_send())
        return await h2_read(reader, writer, conn)

    async def no_read(self, i, reader, writer):
        """Asks for big bodies and never reads them: the server's sends meet a TCP zero window."""
        sock = writer.get_extra_info("socket")
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        except OSError:
            pass
        writer.transport.pause_reading()  # the kernel buffer fills, then the window closes
        writer.write(b"GET /blob/256 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 8)
        deadline = time.monotonic() + self.args.no_read_hold
        while time.monotonic() < deadline:
            await asyncio.sleep(5)
            # neither reading (which would see the close) nor writing (which the server would
            # count as activity): the kernel's TCP state says when the server has closed
            if tcp_state(sock) != TCP_ESTABLISHED:
                return "server"
        return "us"

    async def resets(self, i, reader, writer):
        """HTTP/2 rapid reset (CVE-2023-44487): HEADERS, then RST_STREAM at once, in bursts."""
        conn = h2conn()
        writer.write(conn.data_to_send())
        done = asyncio.ensure_future(h2_read(reader, writer, conn))
        try:
            while not done.done():
                for _ in range(self.args.reset_burst):
                    sid = conn.get_next_available_stream_id()
                    conn.send_headers(sid, request_headers("GET", "/sleep/50"), end_stream=True)
                    conn.reset_stream(sid, h2.errors.ErrorCodes.CANCEL)
                writer.write(conn.data_to_send())
                await asyncio.wait([done], timeout=self.args.reset_pause_ms / 1000)
            return done.result()
        except (h2.exceptions.ProtocolError, h2.exceptions.StreamClosedError, h2.exceptions.NoAvailableStreamIDError):
            return (await asyncio.wait_for(done, 5)) if not done.cancelled() else "server"
        finally:
            done.cancel()

    async def garbage(self, i, reader, writer):
        """Bytes no server should take; the server must answer 400 / GOAWAY / alert, or close."""
        st = self.stat("garbage")
        rnd = random.Random()
        junk = rnd.randbytes(rnd.randint(1, 4096))
        tls_port = i % 2 == 1
        if tls_port:
            variant = rnd.choice(["random", "hello-junk", "hello-truncated", "hello-half-then-silence"])
            body = rnd.randbytes(rnd.randint(40, 512))
            hello = b"\x01" + len(body).to_bytes(3, "big") + body  # a ClientHello of random content
            record = b"\x16\x03\x01" + len(hello).to_bytes(2, "big") + hello
            data = {"random": junk, "hello-junk": record,
                    "hello-truncated": record[:rnd.randint(5, len(record) - 1)],
                    "hello-half-then-silence": record[:len(record) // 2]}[variant]
        else:
            variant = rnd.choice(["random", "request-line-then-random", "h2-preface-then-random"])
            data = {"random": junk,
                    "request-line-then-random": b"GET /hello/x HTTP/1.1\r\n" + junk,
                    "h2-preface-then-random": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + junk}[variant]
        key = "variant_" + variant
        st[key] = st.get(key, 0) + 1
        writer.write(data)
        # read until the server closes; a server that keeps a garbage connection (half a
        # ClientHello: until tls.handshake_timeout_ms) is waited for, up to 60 s
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), max(0.1, end - time.monotonic()))
            except asyncio.TimeoutError:
                return "us"
            if not chunk:
                return "server"
        return "us"


TCP_ESTABLISHED = 1  # include/net/tcp_states.h


def tcp_state(sock):
    """tcpi_state, the first byte of Linux's struct tcp_info."""
    try:
        return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
    except OSError:
        return -1


def h2conn(settings=None):
    """A client connection whose preface and first SETTINGS (with `settings`) are ready to send."""
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(
        client_side=True, header_encoding="utf-8", validate_inbound_headers=False))
    if settings:
        conn.local_settings = h2.settings.Settings(client=True, initial_values=settings)
    conn.initiate_connection()
    return conn


def request_headers(method, path):
    return [(":method", method), (":scheme", "http"), (":authority", "127.0.0.1"), (":path", path)]


async def h2_read(reader, writer, conn):
    """Feeds the connection what arrives and sends what it must answer (SETTINGS and PING acks),
    never opening a window; returns "server" when the server ends the connection."""
    while True:
        data = await reader.read(65536)
        if not data:
            return "server"
        try:
            events = conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            return "server"
        out = conn.data_to_send()
        if out:
            writer.write(out)
        for e in events:
            if isinstance(e, h2.events.ConnectionTerminated):
                return "server"


# --------------------------------------------------------------------------------------------
# Well-behaved load


class Load:
    """wrk and three h2load runs, all for the same duration, pinned to the load core(s)."""

    def __init__(self, args, seconds):
        self.args = args
        self.seconds = seconds
        self.procs = {}

    async def start(self):
        a = self.args
        base = f"127.0.0.1:{a.port}"
        tls = f"127.0.0.1:{a.port + 1}"
        d = str(self.seconds)
        h2 = ["h2load", "-D", d, "-c", str(a.h2_clients), "--rps", str(a.h2_rps)]
        runs = {
            "wrk h1": ["wrk", "-t1", f"-c{a.wrk_connections}", f"-d{d}s", "--timeout", "35s",
                       "-s", os.path.join(APP_DIR, "soak-wrk.lua"), f"http://{base}"],
            "h2load h2c": h2 + ["-m", "4", f"http://{base}/hello/h2c", f"http://{base}/sleep/20"],
            "h2load h2 tls": h2 + ["-m", "2", "-d", ECHO_JSON, "-H", "content-type: application/json",
                                   f"https://{tls}/echo-json"],
            "h2load h1 tls": h2 + ["--h1", f"https://{tls}/hello/h1tls"],
        }
        env = dict(os.environ, ECHO_JSON_BODY=ECHO_JSON, SOAK_WRK_DELAY_MS=str(a.wrk_delay_ms))
        for name, cmd in runs.items():
            out = open(os.path.join(a.out, name.replace(" ", "-") + ".txt"), "wb")
            self.procs[name] = (await asyncio.create_subprocess_exec(
                *pinned(a.load_cpu, cmd), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT), out)

    async def wait(self):
        for p, out in self.procs.values():
            await p.wait()
            out.close()

    def stop(self):
        for p, _ in self.procs.values():
            if p.returncode is None:
                p.send_signal(signal.SIGINT)

    def results(self):
        """Per run: the figures read from its output, and the failures among them."""
        res = {}
        for name, (p, _) in self.procs.items():
            with open(os.path.join(self.args.out, name.replace(" ", "-") + ".txt"), errors="replace") as f:
                text = f.read()
            r = parse_wrk(text) if name.startswith("wrk") else parse_h2load(text)
            r["exit_status"] = p.returncode
            if p.returncode != 0:
                r["failed"] = r.get("failed", 0) or 1
                r.setdefault("problems", []).append(f"exit status {p.returncode}")
            res[name] = r
        return res


def parse_wrk(text):
    r = {"requests": 0, "failed": 0, "problems": []}
    m = re.search(r"(\d+) requests in", text)
    if m:
        r["requests"] = int(m.group(1))
    else:
        r["problems"].append("no summary")
        r["failed"] += 1
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        n = sum(int(x) for x in m.groups())
        r["socket_errors"] = n
        r["failed"] += n  # requests that got no answer (a timeout is one with none in 10 s)
        r["problems"].append(m.group(0))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        r["non_2xx"] = int(m.group(1))
        r["problems"].append(m.group(0))
    m = re.search(r"soak-wrk: checked (\d+) bad (\d+) ?(.*)", text)
    if m:
        # answers that were not 200 with a right body: the non-2xx ones are among them
        r["checked"], r["bad_answers"] = int(m.group(1)), int(m.group(2))
        r["failed"] += max(r["bad_answers"], r.get("non_2xx", 0))
        if r["bad_answers"]:
            r["problems"].append(f"{r['bad_answers']} answers not 200 with a right body"
                                 + (f" (status {m.group(3).strip()})" if m.group(3).strip() else ""))
    else:
        r["problems"].append("no body check line")
        r["failed"] += 1 + r.get("non_2xx", 0)
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)
    if m:
        r["p99_ms"] = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    return r


def parse_h2load(text):
    r = {"requests": 0, "failed": 0, "problems": []}
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                  r"(\d+) errored, (\d+) timeout", text)
    if not m:
        r["problems"].append("no summary")
        r["failed"] = 1
        return r
    total, started, done, ok, failed, errored, timeout = map(int, m.groups())
    r.update(requests=done, succeeded=ok, errored=errored, timeout=timeout)
    m2 = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
    non2xx = sum(int(x) for x in m2.groups()[1:]) if m2 else 0
    r["non_2xx"] = non2xx
    # h2load's "failed" holds the errored ones (reset streams, network errors; "timeout" among
    # them) and the answers that were not 2xx or 3xx; a 3xx is a failure here too
    r["failed"] = failed + int(m2.group(2)) if m2 else failed
    if r["failed"]:
        r["problems"].append(m.group(0) + ("; " + m2.group(0) if m2 else ""))
    if done == 0:
        r["problems"].append("no request done")
        r["failed"] += 1
    return r


# --------------------------------------------------------------------------------------------
# Table and verdict

HEADER = ("  time   rss MiB  heap-GC MiB  fds  threads  buffers  conns  requests   req/s  cpu %  "
          "other %  abusive  gc ms")
_last = {}
_abuse = None
_server_cpus = []
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(cpus):
    """Busy clock ticks of the given cores since boot (/proc/stat), or None."""
    busy = 0
    try:
        with open("/proc/stat") as f:
            for line in f:
                name, *v = line.split()
                if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
                    v = [int(x) for x in v]
                    busy += v[0] + v[1] + v[2] + v[5] + v[6] + v[7]  # user nice system irq softirq steal
    except (OSError, ValueError, IndexError):
        return None
    return busy


def cpu_list(spec):
    """taskset -c syntax (0 / 0,2 / 0-3) as a set of core numbers; empty when unreadable."""
    out = set()
    try:
        for part in spec.split(","):
            lo, _, hi = part.partition("-")
            out.update(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        return set()
    return out


def on_sample(s):
    if _last.get("done"):
        return  # judged: a sample taken while the server stops is only saved
    t = s["uptime_ms"] / 1000
    prev = _last.get("s")
    dt = max(0.001, t - prev["uptime_ms"] / 1000) if prev else 0
    _last["s"] = s
    s["req_per_s"] = round((s["requests"] - prev["requests"]) / dt) if prev else 0
    s["cpu_pct"] = round((s["cpu_ms"] - prev["cpu_ms"]) / 10 / dt) if prev else 0
    # what else ran on the server's core(s): their busy time less the server's own
    ticks = cpu_ticks(_server_cpus) if _server_cpus else None
    s["core_busy_ticks"] = ticks
    if prev and ticks is not None and prev.get("core_busy_ticks") is not None:
        busy_pct = (ticks - prev["core_busy_ticks"]) * 100 / CLK_TCK / dt
        s["other_pct"] = max(0, round(busy_pct - s["cpu_pct"]))
    s["abusive_open"] = _abuse.open_now() if _abuse else 0
    print(row(s), flush=True)


def row(s):
    t = int(s["uptime_ms"] / 1000)
    return (f"{t // 60:4d}:{t % 60:02d} {s['rss_kib'] / 1024:9.1f} {s['heap_after_gc_bytes'] / MIB:12.1f} "
            f"{s['fds']:4d} {s['threads']:8d} {s['buffers_outstanding']:8d} {s['connections_open']:6d} "
            f"{s['requests']:9d} {s.get('req_per_s', 0):7d} {s.get('cpu_pct', 0):6d} {s.get('other_pct', 0):8d} "
            f"{s.get('abusive_open', 0):8d} "
            f"{s['gc_ms']:6d}")


def judge(args, baseline, load_samples, final, load_results, server_alive):
    checks = []

    def check(name, ok, detail):
        checks.append({"check": name, "pass": bool(ok), "detail": detail})

    check("server up throughout", server_alive, "the server process was alive until it was stopped"
          if server_alive else "the server process ended during the run")
    if final is None:
        check("final sample", False, "no final sample")
    else:
        check("buffer pool back to 0", final["buffers_outstanding"] == 0,
              f"outstanding at the end: {final['buffers_outstanding']}")
        check("no connection open", final["connections_open"] == 0,
              f"connections open at the end: {final['connections_open']} (described in the server log)")
        check("fds back to baseline", final["fds"] <= baseline["fds"] + args.fd_slack,
              f"baseline {baseline['fds']}, end {final['fds']} (slack {args.fd_slack}), "
              f"peak under load {max([s['fds'] for s in load_samples] or [0])}")
    n = len(load_samples)
    if n < 6:
        check("flat memory", False, f"{n} samples under load; flatness needs at least 6 "
                                    f"(run longer or lower --sample-seconds)")
    else:
        mid = load_samples[n // 3: 2 * n // 3]
        last = load_samples[2 * n // 3:]
        for key, tol, label in (("heap_after_gc_bytes", args.heap_tolerance, "heap after GC"),
                                ("rss_kib", args.rss_tolerance, "RSS")):
            m = statistics.median(s[key] for s in mid)
            l = statistics.median(s[key] for s in last)
            bound = m * (1 + tol / 100)
            unit = MIB if key.endswith("bytes") else 1024
            ok = l <= bound
            detail = (f"median of the middle third {m / unit:.1f} MiB, of the last third {l / unit:.1f} MiB "
                      f"({(l / m - 1) * 100:+.1f} %, limit +{tol:g} %)")
            if key == "heap_after_gc_bytes" and final is not None:
                ok = ok and final[key] <= bound
                detail += f"; at the end, idle: {final[key] / unit:.1f} MiB"
            check(f"flat {label}", ok, detail)
    for name, r in load_results.items():
        check(f"{name}: no failed request", r["failed"] == 0 and r["requests"] > 0,
              f"{r['requests']} requests, {r['failed']} failed" + (
                  "; " + "; ".join(r["problems"]) if r["problems"] else ""))
    return checks


# --------------------------------------------------------------------------------------------


async def main(args):
    global _abuse, _server_cpus
    _server_cpus = cpu_list(args.server_cpu) if args.server_cpu else set()
    os.makedirs(args.out, exist_ok=True)
    for tool in ("wrk", "h2load"):
        if not shutil.which(tool):
            sys.exit(f"soak: {tool} is missing: run bin/ensure-tools bench")
    for f in ("pybridge/target/siphon-http.jar", "bench/target/classes/dev/siphon/http/bench/SoakServer.class"):
        if not os.path.exists(os.path.join(ROOT, f)):
            sys.exit(f"soak: {f} is missing: build first (make build)")
    if args.load_cpu and hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {int(c) for c in args.load_cpu.split(",")})
        except (ValueError, OSError) as e:
            log(f"could not pin this process to --load-cpu {args.load_cpu}: {e}")
    certs = os.path.join(args.out, "certs")
    subprocess.run([os.path.join(ROOT, "bench", "tls-certs.sh"), certs], check=True)
    probe_ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
    for p in (args.port, args.port + 1):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", p)) == 0:
                sys.exit(f"soak: port {p} is in use (--port)")

    server = Server(args, certs)
    await server.start()
    loop = asyncio.get_running_loop()
    interrupted = asyncio.Event()

    def on_signal():
        # the first SIGINT or SIGTERM ends the run early (and judges it); a second one is not caught
        interrupted.set()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    load = None
    abuse = None
    result = {"args": vars(args)}
    try:
        t0 = time.monotonic()
        await asyncio.wait_for(server.ready.wait(), 300)
        if not server.alive():
            sys.exit(f"soak: the server did not start (exit status {server.exit_status}); see {server.log.name}")
        while not await loop.run_in_executor(None, probe, args.port, probe_ctx):
            if time.monotonic() - t0 > 300 or not server.alive():
                sys.exit(f"soak: the server does not answer; see {server.log.name}")
            await asyncio.sleep(1)
        log(f"serving {' and '.join(server.urls)} after {time.monotonic() - t0:.1f} s")
        baseline = await server.sample_now()
        baseline["core_busy_ticks"] = cpu_ticks(_server_cpus) if _server_cpus else None
        _last["s"] = baseline
        log(f"baseline: rss {baseline['rss_kib'] / 1024:.1f} MiB, heap after GC "
            f"{baseline['heap_after_gc_bytes'] / MIB:.1f} MiB, fds {baseline['fds']}, "
            f"buffers {baseline['buffers_outstanding']}")

        seconds = max(1, round(args.minutes * 60))
        abuse = _abuse = Abuse(args, os.path.join(certs, "ca.pem"))
        load = Load(args, seconds)
        log(f"{seconds} s of load: wrk and h2load on cpu {args.load_cpu}; abusive connections: "
            f"{args.slowloris} slowloris, {args.zero_window} zero-window, {args.no_read} no-read, "
            f"{args.resets} rapid-reset, {args.garbage} garbage")
        print(HEADER, flush=True)
        load_start = time.time()
        await load.start()
        abuse.start()
        waiting = asyncio.ensure_future(load.wait())
        stopper = asyncio.ensure_future(interrupted.wait())
        while not waiting.done():
            await asyncio.wait([waiting, stopper], timeout=1, return_when=asyncio.FIRST_COMPLETED)
            if stopper.done() or not server.alive():
                log("interrupted" if stopper.done() else "the server ended during the run")
                load.stop()
                await waiting
                break
        load_end = time.time()
        stopper.cancel()
        await abuse.stop()
        server_alive = server.alive()
        log(f"load stopped; abusive clients closed; settling {args.settle_seconds} s")

        final = None
        if server_alive:
            await asyncio.sleep(args.settle_seconds)
            deadline = time.monotonic() + args.final_wait_seconds
            while True:
                final = await server.sample_now()
                if (final["buffers_outstanding"] == 0 and final["connections_open"] == 0) \
                        or time.monotonic() > deadline:
                    break
                await asyncio.sleep(2)
            final["abusive_open"] = 0
            print(row(final) + "   (end, idle)", flush=True)

        load_samples = [s for s in server.samples
                        if s["kind"] == "periodic" and load_start <= s["at"] <= load_end]
        load_results = load.results()
        checks = judge(args, baseline, load_samples, final, load_results, server_alive)
        _last["done"] = True
        ok = all(c["pass"] for c in checks)
        last = final or (load_samples[-1] if load_samples else baseline)
        limits = {k: last[k] - baseline[k] for k in last if k.startswith("limit_") and last[k] != baseline[k]}
        result.update(baseline=baseline, final=final, samples=server.samples, load=load_results,
                      abuse=abuse.stats, limits_tripped=limits, checks=checks, verdict="PASS" if ok else "FAIL",
                      served_requests=last["requests"] - baseline["requests"],
                      connections_accepted=last["connections_accepted"] - baseline["connections_accepted"])

        print()
        print("well-behaved clients:")
        for name, r in load_results.items():
            extra = f", p99 {r['p99_ms']:.1f} ms" if "p99_ms" in r else ""
            print(f"  {name:14s} {r['requests']:9d} requests, {r['failed']} failed{extra}")
        print("abusive clients (connections made; closed by the server; mean life; refused; errors):")
        for kind, st in abuse.stats.items():
            life = st["lifetime_s"] / st["closed_by_server"] if st["closed_by_server"] else 0
            print(f"  {kind:12s} {st['connections']:7d} {st['closed_by_server']:7d} {life:7.1f} s "
                  f"{st['refused']:6d}  {st['errors'] or ''}")
        print("limits tripped: " + (", ".join(f"{k[6:]} {v}" for k, v in limits.items()) or "none"))
        workers = {k: last[k] - baseline[k] for k in ("worker_dispatched", "worker_rejected", "worker_interrupts")}
        result["workers"] = workers
        print(f"Python workers: {workers['worker_dispatched']} requests dispatched, {workers['worker_rejected']} "
              f"answered 503 (every queue full), {workers['worker_interrupts']} interrupts of a runaway handler")
        cpu = statistics.mean([s.get("cpu_pct", 0) for s in load_samples] or [0])
        other = statistics.mean([s.get("other_pct", 0) for s in load_samples] or [0])
        result.update(server_cpu_pct=round(cpu), other_cpu_pct=round(other))
        print(f"server: {result['served_requests']} requests, {result['connections_accepted']} connections "
              f"accepted; under load it used {cpu:.0f} % of a core, other processes {other:.0f} % of its core(s)")
        print()
        for c in checks:
            print(f"  {'ok  ' if c['pass'] else 'FAIL'}  {c['check']}: {c['detail']}")
        print(f"\nsoak: {'PASS' if ok else 'FAIL'}")
        return 0 if ok else 1
    finally:
        if load is not None:
            load.stop()
        if abuse is not None:
            await abuse.stop()
        await server.stop()
        result["server_exit_status"] = server.proc.returncode if server.proc else None
        path = os.path.join(args.out, "soak.json")
        with open(path, "w") as f:
            json.dump(result, f, indent=1)
        log(f"samples and verdict saved in {path}; server log {server.log.name}")


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
