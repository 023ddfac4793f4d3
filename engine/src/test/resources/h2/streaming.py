"""Drives streaming bodies over HTTP/2 with the python-h2 state machine (h2c prior knowledge).

Usage: streaming.py PORT SCENARIO [ARG]
Prints lines "PHASE {json}" as it goes (flushed at once, so the Java test can act between
phases) and exits 0 when the scenario ran to its end; what it saw is for the test to judge.

Scenarios:
  slow-upload N     POST N octets to /upload (whose handler takes one chunk, then waits for the
                    test): sends as long as its stream window allows; after 1.5 s with nothing more
                    allowed, echoes 300 KB through /echo on another stream, reports "BLOCKED", then
                    (the test opens the gate) sends the rest: "DONE".
  no-window N       GET /download/N and never sends WINDOW_UPDATE: "STALLED" with what arrived
                    after 1.5 s; then resets the stream (CANCEL) and reports "RESET".
  producer-fails    GET /download/3000000?fail, then GET /download/1000 on the same connection.
  stall             POST /upload with content-length 1000 and 10 octets, then nothing: "DONE" with
                    the response status.
  no-length N       POST N octets to /capped without content-length: "DONE" with the status.
  leave N           GET /download/N and POST N octets to /upload, then closes the connection after
                    100 KB of the download: "LEAVING".
  events            GET /ticks (an event every 300 ms): "DONE" with when each read brought data.
  fair N            three GET /download/N at once behind a 65,535 connection window: "DONE" with
                    what each stream had when the first one ended.
"""
import json
import socket
import sys
import time

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.settings

port = int(sys.argv[1])
scenario = sys.argv[2]
arg = int(sys.argv[3]) if len(sys.argv) > 3 else 0

sock = socket.create_connection(("127.0.0.1", port), timeout=10)
conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
conn.initiate_connection()
sock.sendall(conn.data_to_send())

status = {}
bodies = {}
ended = set()
resets = {}
ack = True
window_updates = {}


def say(phase, **kw):
    print(phase + " " + json.dumps(kw), flush=True)


def handle(ev):
    if isinstance(ev, h2.events.ResponseReceived):
        status[ev.stream_id] = dict(ev.headers)[":status"]
    elif isinstance(ev, h2.events.DataReceived):
        bodies.setdefault(ev.stream_id, bytearray()).extend(ev.data)
        if ack:
            conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
    elif isinstance(ev, h2.events.StreamEnded):
        ended.add(ev.stream_id)
    elif isinstance(ev, h2.events.StreamReset):
        resets[ev.stream_id] = ev.error_code
    elif isinstance(ev, h2.events.WindowUpdated):
        window_updates[ev.stream_id] = window_updates.get(ev.stream_id, 0) + ev.delta
    elif isinstance(ev, h2.events.ConnectionTerminated):
        say("TERMINATED", code=int(ev.error_code))
        raise SystemExit(3)


def read_once(timeout):
    sock.settimeout(timeout)
    try:
        data = sock.recv(1 << 20)
    except socket.timeout:
        return
    if not data:
        say("CLOSED")
        raise SystemExit(2)
    for ev in conn.receive_data(data):
        handle(ev)
    out = conn.data_to_send()
    if out:
        sock.sendall(out)


def pump(until, seconds=20):
    deadline = time.monotonic() + seconds
    while not until():
        if time.monotonic() > deadline:
            say("TIMEOUT", status=status, ended=sorted(ended), resets=resets)
            raise SystemExit(4)
        read_once(0.2)


def request(sid, method, path, extra=(), end_stream=False):
    conn.send_headers(sid, [(":method", method), (":scheme", "http"), (":path", path),
                            (":authority", "localhost")] + list(extra), end_stream=end_stream)
    sock.sendall(conn.data_to_send())


def send_some(sid, payload, offset):
    """Sends from offset as far as the stream's and connection's windows allow; the new offset."""
    while offset < len(payload):
        n = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size, len(payload) - offset)
        if n <= 0:
            break
        conn.send_data(sid, payload[offset:offset + n])
        offset += n
    out = conn.data_to_send()
    if out:
        sock.sendall(out)
    return offset


def body_of(sid):
    return bytes(bodies.get(sid, b""))


def pattern_ok(b):
    return all(b[i] == i % 251 for i in range(0, len(b), 997)) and (len(b) == 0 or b[-1] == (len(b) - 1) % 251)


if scenario == "slow-upload":
    payload = bytes(i % 256 for i in range(256)) * (arg // 256)
    request(1, "POST", "/upload", [("content-length", str(len(payload)))])
    sent = 0
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < 1.5:
        before = sent
        sent = send_some(1, payload, sent)
        if sent != before:
            quiet_since = time.monotonic()
        read_once(0.05)
    # the stalled stream holds only its own window: another upload on the connection goes through
    other = bytes(i % 251 for i in range(300000))
    request(3, "POST", "/echo", [("content-length", str(len(other)))])
    other_sent = 0
    while other_sent < len(other):
        other_sent = send_some(3, other, other_sent)
        read_once(0.05)
    conn.end_stream(3)
    sock.sendall(conn.data_to_send())
    pump(lambda: 3 in ended or 3 in resets)
    say("BLOCKED", sent=sent, window=conn.local_flow_control_window(1), updates=window_updates.get(1, 0),
        other_status=status.get(3), other_echoed=body_of(3) == other)
    sys.stdin.readline()  # the test opened the handler's gate
    while sent < len(payload):
        sent = send_some(1, payload, sent)
        if sent < len(payload):
            read_once(0.05)
    conn.end_stream(1)
    sock.sendall(conn.data_to_send())
    pump(lambda: 1 in ended or 1 in resets)
    say("DONE", status=status.get(1), body=body_of(1).decode(), sent=sent)

elif scenario == "no-window":
    ack = False
    request(1, "GET", "/download/%d" % arg, end_stream=True)
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        read_once(0.1)
    got = len(body_of(1))
    say("STALLED", status=status.get(1), received=got, ended=1 in ended)
    sys.stdin.readline()
    conn.reset_stream(1, h2.errors.ErrorCodes.CANCEL)
    sock.sendall(conn.data_to_send())
    # the connection goes on: a small download on another stream (acknowledging now)
    ack = True
    conn.increment_flow_control_window(got)  # the connection's window, which stream 1 used up
    request(3, "GET", "/download/1000", end_stream=True)
    pump(lambda: 3 in ended)
    say("RESET", next_status=status.get(3), next_length=len(body_of(3)))

elif scenario == "producer-fails":
    request(1, "GET", "/download/3000000?fail", end_stream=True)
    pump(lambda: 1 in resets or 1 in ended)
    first = {"status": status.get(1), "reset": resets.get(1), "ended": 1 in ended, "received": len(body_of(1)),
             "pattern": pattern_ok(body_of(1))}
    request(3, "GET", "/download/1000", end_stream=True)
    pump(lambda: 3 in ended or 3 in resets)
    say("DONE", first=first, next_status=status.get(3), next_length=len(body_of(3)), next_ok=pattern_ok(body_of(3)))

elif scenario == "stall":
    request(1, "POST", "/upload", [("content-length", "1000")])
    conn.send_data(1, b"0123456789")
    sock.sendall(conn.data_to_send())
    started = time.monotonic()
    pump(lambda: 1 in status and (1 in ended or 1 in resets))
    say("DONE", status=status.get(1), reset=resets.get(1), seconds=time.monotonic() - started)

elif scenario == "no-length":
    payload = b"x" * arg
    request(1, "POST", "/capped")
    sent = 0
    while sent < len(payload) and 1 not in resets and 1 not in ended:
        sent = send_some(1, payload, sent)
        read_once(0.05)
    if 1 not in resets and 1 not in ended:
        conn.end_stream(1)
        sock.sendall(conn.data_to_send())
    pump(lambda: 1 in status and (1 in ended or 1 in resets))
    say("DONE", status=status.get(1), sent=sent, reset=resets.get(1))

elif scenario == "fair":
    # streams may take 1 MiB each, the connection only 65,535 at a time: the connection window
    # is what they share
    conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 20})
    sock.sendall(conn.data_to_send())
    for sid in (1, 3, 5):
        request(sid, "GET", "/download/%d" % arg, end_stream=True)
    pump(lambda: len(ended) > 0)
    at_first_end = {sid: len(body_of(sid)) for sid in (1, 3, 5)}
    pump(lambda: len(ended) == 3, seconds=60)
    say("DONE", at_first_end=at_first_end, lengths={sid: len(body_of(sid)) for sid in (1, 3, 5)},
        ok=all(pattern_ok(body_of(sid)) for sid in (1, 3, 5)), statuses=status)

elif scenario == "leave":
    # a download and an upload under way, then the connection closes under both
    request(1, "GET", "/download/%d" % arg, end_stream=True)
    request(3, "POST", "/upload", [("content-length", str(arg))])
    send_some(3, b"u" * 100000, 0)
    pump(lambda: len(body_of(1)) >= 100000)
    say("LEAVING", received=len(body_of(1)))
    sock.close()

elif scenario == "events":
    arrivals = []
    started = time.monotonic()
    request(1, "GET", "/ticks", end_stream=True)
    while 1 not in ended:
        before = len(body_of(1))
        read_once(0.05)
        if len(body_of(1)) != before:
            arrivals.append(int((time.monotonic() - started) * 1000))
        if time.monotonic() - started > 10:
            break
    say("DONE", status=status.get(1), chunks=len(arrivals), first_ms=arrivals[0] if arrivals else -1,
        last_ms=arrivals[-1] if arrivals else -1, body=body_of(1).decode())

else:
    raise SystemExit("unknown scenario " + scenario)
