"""Write to the server's log (logger ``siphon.script``), from any handler or hook.

CPython stand-in (siphon-http-testing): messages are kept as ``(level, message)`` in
``siphon_testing.HttpTestHarness.log.messages`` instead of being written to a log.
"""

__all__ = ["debug", "info", "warn", "warning", "error"]

_LEVELS = ("debug", "info", "warn", "error")
_messages = []  # (level, message), read by siphon_testing


def _write(level, msg):
    _messages.append((_LEVELS[level], msg if isinstance(msg, str) else str(msg)))


def debug(msg):
    _write(0, msg)


def info(msg):
    _write(1, msg)


def warn(msg):
    _write(2, msg)


warning = warn


def error(msg):
    _write(3, msg)
