"""The part of pytest that ``siphon-http test`` offers test files (GraalPy has no pytest here).

``fixture`` (function scope, ``yield`` fixtures, ``autouse``, fixtures using fixtures, from the
test file and a ``conftest.py`` beside it), the built-in fixture ``tmp_path``, ``raises``
(with ``match``), ``fail``, ``skip``, ``mark.parametrize`` and ``mark.skip``; other marks are
accepted and ignored. A test file that needs more of pytest runs under the CPython harness.
"""

import re as _re

__all__ = ["fixture", "raises", "fail", "skip", "mark", "Failed", "Skipped"]


class Failed(AssertionError):
    """pytest.fail()."""


class Skipped(Exception):
    """pytest.skip() or @pytest.mark.skip."""


def fixture(fn=None, *, autouse=False, scope="function", name=None, params=None):
    def mark_it(f):
        f._siphon_fixture = {"autouse": autouse, "name": name or f.__name__}
        return f
    return mark_it(fn) if fn is not None else mark_it


class ExceptionInfo:
    def __init__(self):
        self.value = None
        self.type = None
        self.tb = None

    def match(self, pattern):
        if not _re.search(pattern, str(self.value)):
            raise AssertionError(f"Regex pattern {pattern!r} does not match {str(self.value)!r}")
        return True


class _Raises:
    def __init__(self, expected, match):
        self.expected = expected
        self.pattern = match
        self.info = ExceptionInfo()

    def __enter__(self):
        return self.info

    def __exit__(self, et, ev, tb):
        if et is None:
            raise Failed(f"DID NOT RAISE {self.expected}")
        if not issubclass(et, self.expected):
            return False
        self.info.value, self.info.type, self.info.tb = ev, et, tb
        if self.pattern is not None:
            self.info.match(self.pattern)
        return True


def raises(expected, *args, match=None, **kwargs):
    r = _Raises(expected, match)
    if args:
        with r:
            args[0](*args[1:], **kwargs)
        return r.info
    return r


def fail(reason="", pytrace=True):
    raise Failed(reason)


def skip(reason=""):
    raise Skipped(reason)


class _Mark:
    def parametrize(self, argnames, argvalues, ids=None):
        names = [n.strip() for n in argnames.split(",")] if isinstance(argnames, str) else list(argnames)

        def mark_it(f):
            rows = []
            for v in argvalues:
                rows.append(dict(zip(names, v if len(names) > 1 else (v,))))
            f._siphon_params = getattr(f, "_siphon_params", []) + [rows]
            return f
        return mark_it

    def skip(self, fn=None, *, reason=""):
        def mark_it(f):
            f._siphon_skip = reason or "skipped"
            return f
        return mark_it(fn) if callable(fn) else mark_it

    def __getattr__(self, name):
        def mark(*a, **k):
            if len(a) == 1 and callable(a[0]) and not k:
                return a[0]
            return lambda f: f
        return mark


mark = _Mark()
