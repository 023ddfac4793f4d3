"""Write to the server's log (logger ``siphon.script``), from any handler or hook."""

__all__ = ["debug", "info", "warn", "warning", "error"]

def debug(msg: object) -> None:
    """Logs ``msg`` (``str(msg)`` when not a str) at DEBUG."""

def info(msg: object) -> None:
    """Logs ``msg`` at INFO."""

def warn(msg: object) -> None:
    """Logs ``msg`` at WARN."""

warning = warn

def error(msg: object) -> None:
    """Logs ``msg`` at ERROR."""
