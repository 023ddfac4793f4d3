# A server-sent events feed (docs/cookbook.md, "Server-sent events").
#
#   bin/siphon-http --config examples/sse.yaml --script examples/sse.py
#   curl -N http://127.0.0.1:8080/events                           # one terminal: the feed
#   curl -d 'deploy finished' http://127.0.0.1:8080/publish         # another: an event
#
# Each subscriber of GET /events gets a StreamingResponse of text/event-stream whose iterator
# waits on its own queue; POST /publish puts an event on every queue. Each event is one chunk,
# sent at once. A comment line every 15 s keeps idle connections (and proxies) from timing out.
# When a client goes away its iterator is closed: the `finally` drops its queue.
#
# Subscribers live in one worker's memory, so examples/sse.yaml runs one worker; with several,
# publish and subscribe through a shared store instead.
import asyncio
import itertools
from typing import AsyncIterator

from siphon import http

HEARTBEAT_S = 15.0
subscribers: set[asyncio.Queue[str]] = set()
ids = itertools.count(1)


def event(data: str, event_id: int) -> str:
    """One event in the text/event-stream format: an id, a data line per line of text, a blank line."""
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"id: {event_id}\n{lines}\n"


@http.route("/events")
async def events(req: http.Request) -> http.Response:
    queue: asyncio.Queue[str] = asyncio.Queue(maxsize=100)
    subscribers.add(queue)

    async def feed() -> AsyncIterator[str]:
        try:
            yield ": connected\n\n"
            while True:
                try:
                    yield await asyncio.wait_for(queue.get(), HEARTBEAT_S)
                except asyncio.TimeoutError:
                    yield ": heartbeat\n\n"
        finally:
            subscribers.discard(queue)

    return http.StreamingResponse(feed(), headers={"content-type": "text/event-stream",
                                                   "cache-control": "no-cache"})


@http.route("/publish", methods=["POST"])
async def publish(req: http.Request) -> http.Response:
    text = req.body().decode("utf-8", "replace")
    message = event(text, next(ids))
    delivered = 0
    for q in list(subscribers):
        if q.full():
            continue  # a subscriber this far behind misses events rather than growing without bound
        q.put_nowait(message)
        delivered += 1
    return http.Response(202, body=f"delivered to {delivered}\n")
