"""siphon's key-value cache: ``await cache.store(name, key, value, ttl=None)`` and friends.

One store, held by the Java process, is shared by every worker context, so what one worker
stores the others fetch. Entries live in named tables (``name``); ``ttl`` is in seconds
(None: no expiry). Values are ``str``, ``bytes``, ``int``, ``float``, ``bool`` or ``None``
(put JSON text in a ``str`` for anything structured); they come back with the same type
and value.

The store is in memory, so every call completes without waiting; the functions are
coroutines so that scripts written for siphon (which awaits them) run unchanged.

Two calls go beyond siphon's four, for state that several workers update at once:
``incr`` (an atomic counter) and ``keys`` (list a table). A fetch followed by a store is
not atomic across workers; ``incr`` is.
"""

from siphon import _java

__all__ = ["store", "fetch", "exists", "delete", "incr", "keys"]

# kinds of stored values (the Java store keeps them as text plus this kind)
_STR, _BYTES, _INT, _FLOAT, _BOOL, _NONE = 1, 2, 3, 4, 5, 6


def _check(name, key):
    if not isinstance(name, str):
        raise TypeError(f"cache name must be str, not {type(name).__name__}")
    if not isinstance(key, str):
        raise TypeError(f"cache key must be str, not {type(key).__name__}")


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


async def store(name, key, value, ttl=None):
    """Stores ``value`` under ``name``/``key``, replacing any value; expires after ``ttl`` seconds."""
    _check(name, key)
    kind, text = _encode(value)
    if ttl is None:
        ttl_ms = -1
    else:
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
            raise TypeError(f"ttl must be a number of seconds, not {type(ttl).__name__}")
        if ttl <= 0:
            raise ValueError(f"ttl must be > 0 seconds, was {ttl}")
        ttl_ms = max(1, int(ttl * 1000))
    _java.bridge.cacheStore(name, key, kind, text, ttl_ms)


async def fetch(name, key, default=None):
    """The value stored under ``name``/``key``, or ``default`` when absent or expired."""
    _check(name, key)
    b = _java.bridge
    kind = b.cacheFetch(name, key)
    if kind == 0:
        return default
    text = str(b.cacheValue())
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


async def exists(name, key):
    """True when ``name``/``key`` holds a value that has not expired."""
    _check(name, key)
    return bool(_java.bridge.cacheExists(name, key))


async def delete(name, key):
    """Removes ``name``/``key``; True when there was a live value to remove."""
    _check(name, key)
    return bool(_java.bridge.cacheDelete(name, key))


async def incr(name, key, by=1):
    """Adds ``by`` to the int under ``name``/``key`` atomically (absent counts as 0); returns the new value."""
    _check(name, key)
    if isinstance(by, bool) or not isinstance(by, int):
        raise TypeError(f"incr needs an int, not {type(by).__name__}")
    v = _java.bridge.cacheIncr(name, key, by)
    if v is None:
        raise TypeError(f"cache {name}/{key} holds a value that is not an int")
    return int(str(v))


async def keys(name, prefix=""):
    """The live keys of table ``name`` that start with ``prefix``, sorted."""
    if not isinstance(name, str):
        raise TypeError(f"cache name must be str, not {type(name).__name__}")
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be str, not {type(prefix).__name__}")
    return [str(k) for k in _java.bridge.cacheKeys(name, prefix)]
