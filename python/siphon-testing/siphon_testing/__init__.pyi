"""Type stubs of siphon_testing (docs/testing.md): what a test file written against the harness uses.

The same API under CPython (this package) and inside the engine (``siphon-http test``). The
stub declares this package's HttpTestHarness; check_harness_api.py checks it against both
implementations and names what the in-engine one does not offer yet (the metrics and timer
helpers: ``metrics``, ``timers``, ``run_timer``, ``armed_timers``, ``fire_timer``).
"""

import os
from types import TracebackType
from typing import Any, Literal, Mapping, TypeAlias, TypedDict

from siphon import http

__all__ = ["HttpTestHarness", "UnexpectedRequest", "HarnessError", "StreamedResponse"]

_Value: TypeAlias = str | bytes | int | float | bool | None

class HarnessError(Exception):
    """The script cannot be served: it raised while loading (the message holds its traceback),
    a hook failed, or it registered routes the engine would refuse."""

class UnexpectedRequest(AssertionError):
    """The script made an outbound call no canned response answers ("METHOD URL" in the message)."""

class _SentRequest(TypedDict):
    """One outbound call of the script, as ``sent_requests`` lists it (a plain dict at run time; a
    stubs-only name, as are the other names starting with ``_``)."""

    method: str
    path: str
    url: str
    name: str | None
    base_url: str | None
    headers: dict[str, str]
    body: bytes

class _Tls(TypedDict, total=False):
    protocol: str
    cipher_suite: str
    alpn: str | None
    server_name: str | None

class _ClientCert(TypedDict, total=False):
    subject: str
    issuer: str
    sans: list[str]

class _Log:
    @property
    def messages(self) -> list[tuple[str, str]]:
        """What the script logged, as (level, message); level "debug", "info", "warn" or "error"."""
    def clear(self) -> None: ...

class _Cache:
    """The caches the script sees: siphon.cache's calls, plus set_data and clear."""

    async def fetch(self, name: str, key: str, default: Any = None) -> Any: ...
    async def store(self, name: str, key: str, value: _Value, ttl: float | None = None) -> bool: ...
    async def exists(self, name: str, key: str) -> bool: ...
    async def delete(self, name: str, key: str) -> bool: ...
    async def expire(self, name: str, key: str, ttl: float) -> bool: ...
    async def incr(self, name: str, key: str, by: int = 1) -> int | None: ...
    async def keys(self, name: str, prefix: str = "") -> list[str]: ...
    def has_cache(self, name: str) -> bool: ...
    async def list_push(self, name: str, key: str, item: str) -> int | None: ...
    async def list_pop_all(self, name: str, key: str) -> list[str]: ...
    async def list_len(self, name: str, key: str) -> int | None: ...
    async def list_len_sum(self, name: str, prefix: str) -> int | None: ...
    def set_data(self, name: str, data: dict[str, _Value] | None = None) -> None:
        """Makes cache ``name`` hold exactly ``data`` (a test's setup)."""
    def clear(self) -> None:
        """Empties every cache."""

class _Metrics:
    def names(self) -> list[str]:
        """The registered metrics' names (a counter's without ``_total``), sorted."""
    def value(self, name: str, **labels: str) -> float:
        """A counter's or gauge's value for these labels (0.0 when never touched)."""
    def count(self, name: str, **labels: str) -> int:
        """How many values a histogram observed for these labels."""
    def sum(self, name: str, **labels: str) -> float:
        """The sum of the values a histogram observed for these labels."""
    def observations(self, name: str, **labels: str) -> list[float]:
        """A histogram's observed values in order: the CPython harness only (HarnessError in the engine)."""
    def clear(self) -> None:
        """Forgets the values: the CPython harness only (HarnessError in the engine)."""

class StreamedResponse:
    """A response read as it comes (``HttpTestHarness.stream()``), as a client reads a
    StreamingResponse: ``headers`` as written (its content-length, else ``transfer-encoding:
    chunked``); the body a chunk at a time. A whole response's body comes as one chunk."""

    status: int
    headers: dict[str, str]
    def next_chunk(self, timeout: float = 5.0) -> bytes | None:
        """The next chunk (one item of the script's iterator), or None at the end; TimeoutError
        when none comes within ``timeout`` seconds; HarnessError when the body fails."""
    def read(self, timeout: float = 5.0) -> bytes:
        """The rest of the body, to its end."""
    def close(self) -> None:
        """The client leaves: the script's iterator is closed (its ``finally`` runs)."""
    def __enter__(self) -> StreamedResponse: ...
    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> Literal[False]: ...

class HttpTestHarness:
    """A script under test, answered as siphon-http's engine answers it (docs/testing.md)."""

    log: _Log
    cache: _Cache
    metrics: _Metrics
    def __init__(self, config: dict[str, Any] | None = None) -> None: ...
    def load_script(self, path: str | os.PathLike[str]) -> None: ...
    def load_source(self, source: str, name: str = "<test>") -> None: ...
    def run_startup(self) -> None: ...
    def run_shutdown(self) -> None: ...
    def request(self, method: str = "GET", path: str = "/", *, headers: Mapping[str, str] | None = None,
                query_params: Mapping[str, str | int] | None = None,
                body: bytes | str | dict[str, Any] | list[Any] | None = None, client: str = "127.0.0.1:0",
                tls: _Tls | None = None, client_cert: _ClientCert | None = None) -> http.Response:
        """One request; a StreamingResponse is read to its end (HarnessError where a client would
        see its body cut short)."""
    def stream(self, method: str = "GET", path: str = "/", *, headers: Mapping[str, str] | None = None,
               query_params: Mapping[str, str | int] | None = None,
               body: bytes | str | dict[str, Any] | list[Any] | None = None, client: str = "127.0.0.1:0",
               tls: _Tls | None = None, client_cert: _ClientCert | None = None) -> StreamedResponse:
        """One request, returning at the response's head: its body is read a chunk at a time."""
    def add_response(self, response: http.Response | BaseException) -> None: ...
    def set_response(self, path: str, response: http.Response | BaseException) -> None: ...
    def set_default_response(self, response: http.Response | BaseException) -> None: ...
    def pass_through(self, prefix: str | None = None) -> None: ...
    @property
    def sent_requests(self) -> list[_SentRequest]: ...
    @property
    def pending_responses(self) -> list[http.Response | BaseException]: ...
    @property
    def unexpected_requests(self) -> list[str]: ...
    def assert_no_unexpected(self) -> None: ...
    @property
    def timers(self) -> dict[str, tuple[float, float]]: ...
    @property
    def armed_timers(self) -> dict[str, int]: ...
    def run_timer(self, name: str) -> None: ...
    def fire_timer(self, key: str) -> None: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> HttpTestHarness: ...
    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> Literal[False]: ...
