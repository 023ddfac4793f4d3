"""siphon's named caches: ``await cache.store(name, key, value, ttl=None)`` and friends.

CPython stand-in (siphon-http-testing): an in-memory cache per name with the semantics of
siphon-http's local caches (docs/python.md): values of type ``str``, ``bytes``, ``int``,
``float``, ``bool`` or ``None`` come back with their type, ``ttl`` in seconds expires them,
``incr`` is a 64-bit counter, lists hold ``str`` items, and a key holding a value is no list
(``TypeError``). For a name that is not a cache, ``store``/``delete``/``exists``/``expire``
return False, ``fetch``, ``incr``, ``list_push``, ``list_len``, ``list_len_sum`` None, ``keys``
and ``list_pop_all`` []. With no caches declared (the harness's ``config={"caches": [...]}``),
every name is a cache, as in siphon-http without a siphon.yaml.
"""

import time as _time

__all__ = ["CacheError", "store", "fetch", "exists", "delete", "incr", "keys", "has_cache", "expire",
           "list_push", "list_pop_all", "list_len", "list_len_sum"]


class CacheError(RuntimeError):
    """A cache call failed: Redis unreachable, not answering in time, or refusing the command."""


_declared = None  # the declared cache names, or None: every name is a cache
_caches = {}      # name -> {key: [value or list of items, is_list, expires_at (monotonic seconds) or 0]}
_MAX_LIST = 100_000  # local_max_entries' default
_clock = _time.monotonic


def _reset(declared=None):
    """Empties every cache; ``declared``: the cache names, or None for any (siphon_testing)."""
    global _declared
    _declared = None if declared is None else list(declared)
    _caches.clear()


def _check(name, key):
    if not isinstance(name, str):
        raise TypeError(f"cache name must be str, not {type(name).__name__}")
    if not isinstance(key, str):
        raise TypeError(f"cache key must be str, not {type(key).__name__}")
    if key.startswith("siphon:"):
        raise ValueError("keys starting with 'siphon:' are reserved for internal use")


def _check_value(value):
    if value is None or isinstance(value, (str, bytes, bool, int, float)):
        return value
    raise TypeError(f"cache values are str, bytes, int, float, bool or None, not {type(value).__name__}")


def _ttl_s(ttl):
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise TypeError(f"ttl must be a number of seconds, not {type(ttl).__name__}")
    if not 0 < ttl <= 1e9:
        raise ValueError(f"ttl must be > 0 and at most 1e9 seconds, was {ttl}")
    return max(1, int(ttl * 1000)) / 1000


def _store_of(name):
    if _declared is not None and name not in _declared:
        return None
    return _caches.setdefault(name, {})


def _live(s, key):
    e = s.get(key)
    if e is not None and e[2] and _clock() >= e[2]:
        del s[key]
        return None
    return e


def _wrong(name, key, what):
    return TypeError(f"cache {name}: key {key} {what}")


async def fetch(name, key, default=None):
    """The value stored under ``name``/``key``, or ``default`` when absent, expired, or ``name`` is no cache."""
    _check(name, key)
    s = _store_of(name)
    e = None if s is None else _live(s, key)
    if e is None:
        return default
    if e[1]:
        raise _wrong(name, key, "holds a list (read it with list_pop_all or list_len)")
    return e[0]


async def store(name, key, value, ttl=None):
    """Stores ``value`` under ``name``/``key``, replacing any value; expires after ``ttl`` seconds.
    True when stored, False when ``name`` is no cache."""
    _check(name, key)
    value = _check_value(value)
    expires = 0 if ttl is None else _clock() + _ttl_s(ttl)
    s = _store_of(name)
    if s is None:
        return False
    s[key] = [value, False, expires]
    return True


async def exists(name, key):
    """True when ``name``/``key`` holds a value (or list) that has not expired."""
    _check(name, key)
    s = _store_of(name)
    return s is not None and _live(s, key) is not None


async def delete(name, key):
    """Removes ``name``/``key``. True when ``name`` is a cache, whether or not the key held a value
    (siphon's answer); False when it is not. ``exists`` first tells whether there was a value."""
    _check(name, key)
    s = _store_of(name)
    if s is not None:
        s.pop(key, None)
    return has_cache(name)


async def expire(name, key, ttl):
    """Makes ``name``/``key`` expire ``ttl`` seconds from now; True when the key exists."""
    _check(name, key)
    t = _ttl_s(ttl)
    s = _store_of(name)
    e = None if s is None else _live(s, key)
    if e is None:
        return False
    e[2] = _clock() + t
    return True


async def incr(name, key, by=1):
    """Adds ``by`` to the int under ``name``/``key`` atomically (absent counts as 0); returns the new value
    (None when ``name`` is no cache)."""
    _check(name, key)
    if isinstance(by, bool) or not isinstance(by, int):
        raise TypeError(f"incr needs an int, not {type(by).__name__}")
    if not -(1 << 63) <= by < (1 << 63):
        raise OverflowError("incr takes a 64-bit int")
    s = _store_of(name)
    if s is None:
        return None
    e = _live(s, key)
    if e is None:
        s[key] = [by, False, 0]
        return by
    v = e[0]
    if e[1] or isinstance(v, bool) or not isinstance(v, int) or not -(1 << 63) <= v < (1 << 63):
        raise _wrong(name, key, "holds a value that is not an int")
    n = v + by
    if not -(1 << 63) <= n < (1 << 63):
        raise OverflowError(f"cache {name}: key {key}: the sum leaves 64 bits")
    e[0] = n
    return n


def _prefix(name, prefix):
    if not isinstance(name, str):
        raise TypeError(f"cache name must be str, not {type(name).__name__}")
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be str, not {type(prefix).__name__}")


async def keys(name, prefix=""):
    """The live keys of cache ``name`` that start with ``prefix``, sorted."""
    _prefix(name, prefix)
    s = _store_of(name)
    if s is None:
        return []
    return sorted(k for k in list(s) if k.startswith(prefix) and _live(s, k) is not None)


def has_cache(name):
    """True when ``name`` is a cache: declared in siphon.yaml, or any name when none are declared."""
    if not isinstance(name, str):
        raise TypeError(f"cache name must be str, not {type(name).__name__}")
    return _declared is None or name in _declared


async def list_push(name, key, item):
    """Appends ``item`` (a str) to the list under ``name``/``key``; returns the new length (None: no such cache)."""
    _check(name, key)
    if not isinstance(item, str):
        raise TypeError(f"list items must be str, not {type(item).__name__}")
    s = _store_of(name)
    if s is None:
        return None
    e = _live(s, key)
    if e is None:
        e = s[key] = [[], True, 0]
    elif not e[1]:
        raise _wrong(name, key, "holds a value, not a list")
    if len(e[0]) >= _MAX_LIST:
        raise CacheError(f"cache {name}: key {key}: the list holds {_MAX_LIST} items already (local_max_entries)")
    e[0].append(item)
    return len(e[0])


async def list_pop_all(name, key):
    """The items of the list under ``name``/``key``, oldest first, removing the list atomically; [] when absent."""
    _check(name, key)
    s = _store_of(name)
    e = None if s is None else _live(s, key)
    if e is None:
        return []
    if not e[1]:
        raise _wrong(name, key, "holds a value, not a list")
    del s[key]
    return list(e[0])


async def list_len(name, key):
    """The length of the list under ``name``/``key`` (0 when absent; None: no such cache)."""
    _check(name, key)
    s = _store_of(name)
    if s is None:
        return None
    e = _live(s, key)
    if e is None:
        return 0
    if not e[1]:
        raise _wrong(name, key, "holds a value, not a list")
    return len(e[0])


async def list_len_sum(name, prefix):
    """The summed length of every list whose key starts with ``prefix`` (non-empty); None: no such cache."""
    _prefix(name, prefix)
    if not prefix:
        raise ValueError("prefix must not be empty (would scan the entire keyspace)")
    if prefix.startswith("siphon:"):
        raise ValueError("keys starting with 'siphon:' are reserved for internal use")
    s = _store_of(name)
    if s is None:
        return None
    return sum(len(s[k][0]) for k in list(s) if k.startswith(prefix) and _live(s, k) is not None and s[k][1])
