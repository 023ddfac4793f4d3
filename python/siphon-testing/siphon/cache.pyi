"""siphon's named caches: ``await cache.store(name, key, value, ttl=None)`` and friends.

The caches are the ``cache:`` entries of siphon.yaml, local to the process or on Redis. For a
name that is not a cache, ``store``/``delete``/``exists``/``expire`` return False, ``fetch``,
``incr``, ``list_push``, ``list_len``, ``list_len_sum`` return None, ``keys`` and
``list_pop_all`` an empty list. Values are ``str``, ``bytes``, ``int``, ``float``, ``bool``
or ``None`` and come back with the same type; list items are ``str``; ``ttl`` is in seconds.
Keys starting with ``siphon:`` are reserved. While Redis cannot be reached, calls raise
:class:`CacheError`.
"""

from typing import Any, TypeAlias

__all__ = ["CacheError", "store", "fetch", "exists", "delete", "incr", "keys", "has_cache", "expire",
           "list_push", "list_pop_all", "list_len", "list_len_sum"]

_Value: TypeAlias = str | bytes | int | float | bool | None
"""What a cache holds (a stubs-only name)."""

class CacheError(RuntimeError):
    """A cache call failed: Redis unreachable, not answering in time, or refusing the command."""

async def fetch(name: str, key: str, default: Any = None) -> Any:
    """The value stored under ``name``/``key``, or ``default`` when absent, expired, or ``name`` is no cache.

    Typed ``Any``: the value comes back as the type it was stored with (``str``, ``bytes``, ``int``, ``float``, ``bool`` or None).
    """

async def store(name: str, key: str, value: _Value, ttl: float | None = None) -> bool:
    """Stores ``value`` under ``name``/``key``, replacing any value; expires after ``ttl`` seconds.
    True when stored, False when ``name`` is no cache."""

async def exists(name: str, key: str) -> bool:
    """True when ``name``/``key`` holds a value (or list) that has not expired."""

async def delete(name: str, key: str) -> bool:
    """Removes ``name``/``key``. True when ``name`` is a cache, whether or not the key held a value
    (siphon's answer); False when it is not. ``exists`` first tells whether there was a value."""

async def expire(name: str, key: str, ttl: float) -> bool:
    """Makes ``name``/``key`` expire ``ttl`` seconds from now; True when the key exists."""

async def incr(name: str, key: str, by: int = 1) -> int | None:
    """Adds ``by`` to the int under ``name``/``key`` atomically (absent counts as 0); returns the new value
    (None when ``name`` is no cache)."""

async def keys(name: str, prefix: str = "") -> list[str]:
    """The live keys of cache ``name`` that start with ``prefix``, sorted."""

def has_cache(name: str) -> bool:
    """True when ``name`` is a cache: declared in siphon.yaml, or any name when none are declared."""

async def list_push(name: str, key: str, item: str) -> int | None:
    """Appends ``item`` (a str) to the list under ``name``/``key``; returns the new length (None: no such cache)."""

async def list_pop_all(name: str, key: str) -> list[str]:
    """The items of the list under ``name``/``key``, oldest first, removing the list atomically; [] when absent."""

async def list_len(name: str, key: str) -> int | None:
    """The length of the list under ``name``/``key`` (0 when absent; None: no such cache)."""

async def list_len_sum(name: str, prefix: str) -> int | None:
    """The summed length of every list whose key starts with ``prefix`` (non-empty); None: no such cache."""
