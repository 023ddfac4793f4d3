"""siphon's named caches: ``await cache.store(name, key, value, ttl=None)`` and friends.

The caches are the ``cache:`` entries of the siphon.yaml given by ``--siphon-config``, each
local to the process or backed by Redis (with an optional local tier in front); see
docs/configuration.md. When siphon.yaml declares none (and always with ``--config``/``--script``),
every name a script uses is a local cache made on first use. A local cache is held by the Java
process and shared by every worker context; a Redis one by every process using that Redis.

The calls and their answers are siphon's (``siphon_sdk``'s ``MockCache``): for a name that is
not a declared cache, ``store``/``delete``/``exists``/``expire`` return False, ``fetch``,
``incr``, ``list_push``, ``list_len``, ``list_len_sum`` return None, ``keys`` and
``list_pop_all`` an empty list, and ``has_cache`` says whether a name is a cache.

Values are ``str``, ``bytes``, ``int``, ``float``, ``bool`` or ``None`` (put JSON text in a
``str`` for anything structured); they come back with the same type and value, from Redis too.
List items are ``str``. ``ttl`` is in seconds (None: no expiry). Keys starting with ``siphon:``
are reserved (siphon's own data in a shared Redis).

A local call completes without waiting; a Redis call suspends the coroutine until Redis
answers, never blocking the worker. While Redis cannot be reached, calls raise
:class:`CacheError` at once (naming the cache and the Redis address) and succeed again once it
is back; no call waits longer than the cache's ``timeout_ms``.

Two calls go beyond siphon's, for state that several workers update at once: ``incr`` (an
atomic counter, INCRBY on Redis) and ``keys`` (list a cache's keys, SCAN on Redis). A fetch
followed by a store is not atomic; ``incr`` is.
"""

from siphon import _java, _runtime as _rt

__all__ = ["CacheError", "store", "fetch", "exists", "delete", "incr", "keys", "has_cache", "expire",
           "list_push", "list_pop_all", "list_len", "list_len_sum"]


class CacheError(RuntimeError):
    """A cache call failed: Redis unreachable, not answering in time, or refusing the command."""


# kinds of stored values (the Java store keeps them as text plus this kind)
_STR, _BYTES, _INT, _FLOAT, _BOOL, _NONE = 1, 2, 3, 4, 5, 6
# operations (dev.siphon.http.py.Caches)
_FETCH, _STORE, _DELETE, _EXISTS, _INCR, _KEYS, _EXPIRE = 1, 2, 3, 4, 5, 6, 7
_LIST_PUSH, _LIST_POP_ALL, _LIST_LEN, _LIST_LEN_SUM = 8, 9, 10, 11


def _error(code, message):
    message = str(message)
    if code == -2:
        return TypeError(message)
    if code == -3:
        return OverflowError(message)
    return CacheError(message)


_rt._cache_error = _error


def _check(name, key):
    if not isinstance(name, str):
        raise TypeError(f"cache name must be str, not {type(name).__name__}")
    if not isinstance(key, str):
        raise TypeError(f"cache key must be str, not {type(key).__name__}")
    if key.startswith("siphon:"):
        raise ValueError("keys starting with 'siphon:' are reserved for internal use")


def _encode(value):
    if isinstance(value, str):
        return _STR, value
    if isinstance(value, bytes):
        return _BYTES, value.decode("latin-1")
    if isinstance(value, bool):
        return _BOOL, "1" if value else "0"
    if isinstance(value, int):
        return _INT, str(value)
    if isinstance(value, float):
        return _FLOAT, repr(value)
    if value is None:
        return _NONE, ""
    raise TypeError(f"cache values are str, bytes, int, float, bool or None, not {type(value).__name__}")


def _decode(kind, text):
    if kind == _STR:
        return text
    if kind == _BYTES:
        return text.encode("latin-1")
    if kind == _INT:
        return int(text)
    if kind == _FLOAT:
        return float(text)
    if kind == _BOOL:
        return text == "1"
    return None


def _ttl_ms(ttl):
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise TypeError(f"ttl must be a number of seconds, not {type(ttl).__name__}")
    if not 0 < ttl <= 1e9:
        raise ValueError(f"ttl must be > 0 and at most 1e9 seconds, was {ttl}")
    return max(1, int(ttl * 1000))


async def _call(op, name, key, kind=0, text="", n=0):
    b = _java.bridge
    r = b.cacheCall(op, name, key, kind, text, n)
    if r == 0:
        return b.cacheResult()
    if r < 0:
        raise _error(r, b.cacheError())
    return await _rt.cache_wait(r)


async def fetch(name, key, default=None):
    """The value stored under ``name``/``key``, or ``default`` when absent, expired, or ``name`` is no cache."""
    _check(name, key)
    r = await _call(_FETCH, name, key)
    if r is None:
        return default
    return _decode(int(r[0]), str(r[1]))


async def store(name, key, value, ttl=None):
    """Stores ``value`` under ``name``/``key``, replacing any value; expires after ``ttl`` seconds.
    True when stored, False when ``name`` is no cache."""
    _check(name, key)
    kind, text = _encode(value)
    ttl_ms = -1 if ttl is None else _ttl_ms(ttl)
    return bool(await _call(_STORE, name, key, kind, text, ttl_ms))


async def exists(name, key):
    """True when ``name``/``key`` holds a value (or list) that has not expired."""
    _check(name, key)
    return bool(await _call(_EXISTS, name, key))


async def delete(name, key):
    """Removes ``name``/``key``. True when ``name`` is a cache, whether or not the key held a value
    (siphon's answer); False when it is not. ``exists`` first tells whether there was a value."""
    _check(name, key)
    await _call(_DELETE, name, key)
    return has_cache(name)


async def expire(name, key, ttl):
    """Makes ``name``/``key`` expire ``ttl`` seconds from now; True when the key exists."""
    _check(name, key)
    return bool(await _call(_EXPIRE, name, key, 0, "", _ttl_ms(ttl)))


async def incr(name, key, by=1):
    """Adds ``by`` to the int under ``name``/``key`` atomically (absent counts as 0); returns the new value
    (None when ``name`` is no cache)."""
    _check(name, key)
    if isinstance(by, bool) or not isinstance(by, int):
        raise TypeError(f"incr needs an int, not {type(by).__name__}")
    if not -(1 << 63) <= by < (1 << 63):
        raise OverflowError("incr takes a 64-bit int")
    r = await _call(_INCR, name, key, 0, "", by)
    return None if r is None else int(r)


def _prefix(name, prefix):
    if not isinstance(name, str):
        raise TypeError(f"cache name must be str, not {type(name).__name__}")
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be str, not {type(prefix).__name__}")


async def keys(name, prefix=""):
    """The live keys of cache ``name`` that start with ``prefix``, sorted."""
    _prefix(name, prefix)
    return [str(k) for k in await _call(_KEYS, name, "", 0, prefix)]


def has_cache(name):
    """True when ``name`` is a cache: declared in siphon.yaml, or any name when none are declared."""
    if not isinstance(name, str):
        raise TypeError(f"cache name must be str, not {type(name).__name__}")
    return bool(_java.bridge.cacheHas(name))


async def list_push(name, key, item):
    """Appends ``item`` (a str) to the list under ``name``/``key``; returns the new length (None: no such cache)."""
    _check(name, key)
    if not isinstance(item, str):
        raise TypeError(f"list items must be str, not {type(item).__name__}")
    r = await _call(_LIST_PUSH, name, key, 0, item)
    return None if r is None else int(r)


async def list_pop_all(name, key):
    """The items of the list under ``name``/``key``, oldest first, removing the list atomically; [] when absent."""
    _check(name, key)
    return [str(i) for i in await _call(_LIST_POP_ALL, name, key)]


async def list_len(name, key):
    """The length of the list under ``name``/``key`` (0 when absent; None: no such cache)."""
    _check(name, key)
    r = await _call(_LIST_LEN, name, key)
    return None if r is None else int(r)


async def list_len_sum(name, prefix):
    """The summed length of every list whose key starts with ``prefix`` (non-empty); None: no such cache."""
    _prefix(name, prefix)
    if not prefix:
        raise ValueError("prefix must not be empty (would scan the entire keyspace)")
    if prefix.startswith("siphon:"):
        raise ValueError("keys starting with 'siphon:' are reserved for internal use")
    r = await _call(_LIST_LEN_SUM, name, "", 0, prefix)
    return None if r is None else int(r)
