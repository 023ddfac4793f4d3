"""Drives the server with the python-h2 state machine over a plain socket (h2c prior knowledge).

Usage: flow_control.py PORT
Uploads a body larger than the initial window with trailers, then downloads a body larger than a
small advertised window, acknowledging as it reads. Prints one JSON object with what it saw.
"""
import json
import socket
import sys

import h2.config
import h2.connection
import h2.events
import h2.settings

port = int(sys.argv[1])
sock = socket.create_connection(("127.0.0.1", port), timeout=5)
conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
conn.initiate_connection()
conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 4096})
sock.sendall(conn.data_to_send())

result = {"window_updates": 0}
upload = bytes((97 + i % 26) for i in range(200000))


def pump(until):
    while not until():
        data = sock.recv(65536)
        if not data:
            raise SystemExit("server closed: " + json.dumps(result))
        for ev in conn.receive_data(data):
            handle(ev)
        sock.sendall(conn.data_to_send())


bodies = {}
done = set()
headers = {}


def handle(ev):
    if isinstance(ev, h2.events.WindowUpdated):
        result["window_updates"] += 1
    elif isinstance(ev, h2.events.ResponseReceived):
        headers[ev.stream_id] = dict(ev.headers)
    elif isinstance(ev, h2.events.DataReceived):
        bodies.setdefault(ev.stream_id, bytearray()).extend(ev.data)
        conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
    elif isinstance(ev, h2.events.StreamEnded):
        done.add(ev.stream_id)
    elif isinstance(ev, h2.events.StreamReset):
        raise SystemExit("stream reset: %r" % ev)


# 1: POST larger than the 65,535 initial window, with trailers
conn.send_headers(1, [(":method", "POST"), (":scheme", "http"), (":path", "/echo"),
                      (":authority", "localhost"), ("te", "trailers")])
sent = 0
while sent < len(upload):
    room = min(conn.local_flow_control_window(1), conn.max_outbound_frame_size, len(upload) - sent)
    if room <= 0:
        before = result["window_updates"]
        pump(lambda: result["window_updates"] > before)
        continue
    conn.send_data(1, upload[sent:sent + room])
    sent += room
    sock.sendall(conn.data_to_send())
conn.send_headers(1, [("x-trailer", "yes")], end_stream=True)
sock.sendall(conn.data_to_send())
pump(lambda: 1 in done)
result["upload_echoed"] = bytes(bodies.get(1, b"")) == upload
result["trailer"] = headers[1].get("x-echo-x-trailer")

# 3: GET a body larger than our 4,096-octet stream window
conn.send_headers(3, [(":method", "GET"), (":scheme", "http"), (":path", "/big/100000"),
                      (":authority", "localhost")], end_stream=True)
sock.sendall(conn.data_to_send())
pump(lambda: 3 in done)
result["download_ok"] = bytes(bodies[3]) == bytes((97 + i % 26) for i in range(100000))
result["status"] = headers[3].get(":status")
conn.close_connection()
sock.sendall(conn.data_to_send())
sock.close()
print(json.dumps(result))
