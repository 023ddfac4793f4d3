"""``siphon-http test``: collects test files and runs their tests as pytest would, in this context.

Test files are ``test_*.py`` and ``*_test.py`` under the paths given (a file given by name is
taken whatever its name); tests are their ``test*`` functions and the ``test*`` methods of their
``Test*`` classes; fixtures come from the file and a ``conftest.py`` in its directory. Prints a
line per test and a summary; ``main`` returns pytest's exit status (0 all passed, 1 a test
failed, 4 a usage error, 5 no test collected).
"""

import importlib.util
import inspect
import os
import shutil
import sys
import tempfile
import time
import traceback

import pytest


def _files(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for d, dirs, names in os.walk(p):
                dirs[:] = sorted(x for x in dirs if not x.startswith(".") and x != "__pycache__")
                for n in sorted(names):
                    if n.endswith(".py") and (n.startswith("test_") or n.endswith("_test.py")):
                        out.append(os.path.join(d, n))
        elif os.path.isfile(p):
            out.append(p)
        else:
            raise FileNotFoundError(p)
    return out


def _load(path, name):
    d = os.path.dirname(os.path.abspath(path))
    if d not in sys.path:
        sys.path.insert(0, d)
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    sys.modules[name] = m
    spec.loader.exec_module(m)
    return m


def _fixtures_of(ns):
    return {f._siphon_fixture["name"]: f for f in ns.values() if callable(f) and hasattr(f, "_siphon_fixture")}


class _Run:
    """One test's fixtures: made on demand, torn down in reverse order."""

    def __init__(self, fixtures):
        self.fixtures = fixtures
        self.values = {}
        self.finalizers = []

    def get(self, name):
        if name in self.values:
            return self.values[name]
        if name == "tmp_path":
            import pathlib
            d = tempfile.mkdtemp(prefix="siphon-test-")
            self.finalizers.append(lambda: shutil.rmtree(d, ignore_errors=True))
            v = pathlib.Path(d)
        elif name in self.fixtures:
            f = self.fixtures[name]
            v = f(**self.args(f))
            if inspect.isgenerator(v):
                gen = v
                v = next(gen)

                def finish(gen=gen):
                    try:
                        next(gen)
                    except StopIteration:
                        pass
                self.finalizers.append(finish)
        else:
            raise LookupError(f"fixture {name!r} not found (siphon-http test offers fixtures of the test file, "
                              f"its conftest.py, and tmp_path)")
        self.values[name] = v
        return v

    def args(self, fn, given=None):
        given = given or {}
        out = {}
        for p in inspect.signature(fn).parameters.values():
            if p.name in given:
                out[p.name] = given[p.name]
            elif p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                out[p.name] = self.get(p.name)
        return out

    def teardown(self):
        errors = []
        for f in reversed(self.finalizers):
            try:
                f()
            except BaseException as e:  # noqa: BLE001 (reported as the test's error)
                errors.append(e)
        return errors


def _explain(exc_info):
    """For an ``assert`` that failed without a message: the values of the plain names in it, read
    from the test's frame (never by calling anything again, so nothing runs twice)."""
    import ast
    import linecache
    et, ev, tb = exc_info
    if et is not AssertionError or ev.args:
        return ""
    while tb.tb_next is not None:
        tb = tb.tb_next
    frame = tb.tb_frame
    line = linecache.getline(frame.f_code.co_filename, tb.tb_lineno).strip()
    try:
        node = ast.parse(line)
    except SyntaxError:
        return ""
    names = []
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id not in names:
            names.append(n.id)
    shown = []
    for name in names:
        if name in frame.f_locals:
            value = frame.f_locals[name]
        else:
            continue  # module globals and builtins say little about this failure
        if callable(value) or isinstance(value, type(sys)):
            continue
        text = repr(value)
        shown.append(f"  {name} = {text if len(text) <= 200 else text[:200] + '...'}")
    return ("where:\n" + "\n".join(shown) + "\n") if shown else ""


def _expand(fn):
    """(id suffix, parameter values) for each run of a test: one, or one per parametrize row."""
    runs = [("", {})]
    for rows in reversed(getattr(fn, "_siphon_params", [])):
        runs = [(f"{sid}-{i}" if sid else f"{i}", dict(given, **row)) for sid, given in runs
                for i, row in enumerate(rows)]
    return [(f"[{sid}]" if sid else "", given) for sid, given in runs]


def _tests(module):
    for name, obj in list(vars(module).items()):
        if name.startswith("test") and inspect.isfunction(obj):
            yield name, None, obj
        elif name.startswith("Test") and inspect.isclass(obj):
            for mname, m in list(vars(obj).items()):
                if mname.startswith("test") and inspect.isfunction(m):
                    yield f"{name}::{mname}", obj, m


def main(paths, keyword=None, out=None):
    out = out or sys.stdout
    t0 = time.monotonic()
    try:
        files = _files(paths)
    except FileNotFoundError as e:
        print(f"ERROR: file or directory not found: {e}", file=out)
        return 4
    passed = failed = skipped = 0
    failures = []
    for i, path in enumerate(files):
        rel = os.path.relpath(path)
        fixtures = {}
        try:
            conftest = os.path.join(os.path.dirname(path), "conftest.py")
            if os.path.isfile(conftest):
                fixtures.update(_fixtures_of(vars(_load(conftest, f"conftest_{i}"))))
            module = _load(path, os.path.splitext(os.path.basename(path))[0])
        except BaseException:  # noqa: BLE001 (a test file that cannot be imported is an error)
            failed += 1
            failures.append((rel, traceback.format_exc()))
            print(f"{rel} ERROR", file=out)
            continue
        fixtures.update(_fixtures_of(vars(module)))
        autouse = [n for n, f in fixtures.items() if f._siphon_fixture["autouse"]]
        for tid, cls, fn in _tests(module):
            for suffix, given in _expand(fn):
                test_id = f"{rel}::{tid}{suffix}"
                if keyword and keyword not in test_id:
                    continue
                own = dict(fixtures)
                target = fn
                if cls is not None:
                    inst = cls()
                    own.update({f._siphon_fixture["name"]: getattr(inst, n)
                                for n, f in vars(cls).items() if hasattr(f, "_siphon_fixture")})
                    target = getattr(inst, fn.__name__)
                run = _Run(own)
                outcome, detail = "PASSED", None
                try:
                    if hasattr(fn, "_siphon_skip"):
                        raise pytest.Skipped(fn._siphon_skip)
                    for name in autouse:
                        run.get(name)
                    r = target(**run.args(target, given))
                    if inspect.iscoroutine(r):
                        import asyncio
                        asyncio.run(r)
                except pytest.Skipped as e:
                    outcome, detail = "SKIPPED", str(e)
                except BaseException:  # noqa: BLE001 (the test's failure)
                    outcome, detail = "FAILED", traceback.format_exc() + _explain(sys.exc_info())
                errors = run.teardown()
                if errors and outcome != "FAILED":
                    outcome = "FAILED"
                    detail = "".join(traceback.format_exception(type(errors[0]), errors[0], errors[0].__traceback__))
                print(f"{test_id} {outcome}", file=out)
                if outcome == "PASSED":
                    passed += 1
                elif outcome == "SKIPPED":
                    skipped += 1
                else:
                    failed += 1
                    failures.append((test_id, detail))
    for test_id, detail in failures:
        print(f"\n____ {test_id} ____\n{detail}", file=out)
    parts = [f"{n} {w}" for n, w in ((failed, "failed"), (passed, "passed"), (skipped, "skipped")) if n]
    print(f"==== {', '.join(parts) or 'no tests ran'} in {time.monotonic() - t0:.2f}s ====", file=out)
    if failed:
        return 1
    return 0 if passed or skipped else 5
