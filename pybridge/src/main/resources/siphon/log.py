"""Write to the server's log (logger ``siphon.script``), from any handler or hook."""

from siphon import _java

__all__ = ["debug", "info", "warn", "warning", "error"]


def _write(level, msg):
    _java.bridge.log(level, msg if isinstance(msg, str) else str(msg))


def debug(msg):
    _write(0, msg)


def info(msg):
    _write(1, msg)


def warn(msg):
    _write(2, msg)


warning = warn


def error(msg):
    _write(3, msg)
