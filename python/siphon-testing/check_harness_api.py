#!/usr/bin/env python3
"""Checks that siphon_testing's stub declares the harness both implementations offer.

    python3 check_harness_api.py [--strict-engine] STUB CPYTHON_HARNESS IN_ENGINE_HARNESS

STUB is siphon_testing/__init__.pyi, CPYTHON_HARNESS siphon_testing/_harness.py, IN_ENGINE_HARNESS
the engine's siphon_testing.py (pybridge/src/main/resources/dev/siphon/http/py/testing). Each is
parsed with ``ast`` (nothing is imported). The members of ``HttpTestHarness`` (methods,
properties, and the attributes ``__init__`` sets) of the stub and of the CPython harness are the
same, with the same signatures (parameter names, kinds and defaults); every member of the
in-engine harness is in the stub (it may lack some of the CPython harness's). Exit status 1
with one line per difference. An in-engine member whose parameters differ from the stub's is
printed as a note; with ``--strict-engine`` (before the paths) it is a difference too.
"""

import ast
import sys


def _signature(fn):
    a = fn.args
    out = []
    pos = a.posonlyargs + a.args
    defaults = [None] * (len(pos) - len(a.defaults)) + list(a.defaults)
    for arg, d in zip(pos, defaults):
        out.append(arg.arg if d is None else f"{arg.arg}={ast.unparse(d)}")
    if a.vararg:
        out.append("*" + a.vararg.arg)
    elif a.kwonlyargs:
        out.append("*")
    for arg, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append(arg.arg if d is None else f"{arg.arg}={ast.unparse(d)}")
    if a.kwarg:
        out.append("**" + a.kwarg.arg)
    return "(" + ", ".join(out) + ")"


def members(path):
    """{name: signature or "attribute"} of class HttpTestHarness in the file at ``path``."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "HttpTestHarness":
            break
    else:
        raise SystemExit(f"{path}: no class HttpTestHarness")
    out = {}
    for n in node.body:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            prop = any(isinstance(d, ast.Name) and d.id == "property" for d in n.decorator_list)
            if not n.name.startswith("_") or n.name in ("__init__", "__enter__", "__exit__"):
                out[n.name] = "property" if prop else _signature(n)
            if n.name == "__init__":
                for a in ast.walk(n):
                    if (isinstance(a, ast.Attribute) and isinstance(a.ctx, ast.Store) and isinstance(a.value, ast.Name)
                            and a.value.id == "self" and not a.attr.startswith("_")):
                        out[a.attr] = "attribute"
        elif isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name):
            out[n.target.id] = "attribute"
    return out


def main(argv):
    strict_engine = len(argv) > 1 and argv[1] == "--strict-engine"
    if strict_engine:
        argv = argv[:1] + argv[2:]
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    stub, cpython, engine = (members(p) for p in argv[1:])
    notes = []
    diffs = []
    for name in sorted(set(stub) | set(cpython)):
        s, c = stub.get(name), cpython.get(name)
        if s is None:
            diffs.append(f"HttpTestHarness.{name}: in the CPython harness {c} but not in the stub")
        elif c is None:
            diffs.append(f"HttpTestHarness.{name}: in the stub {s} but not in the CPython harness")
        elif s != c:
            diffs.append(f"HttpTestHarness.{name}: differs: stub {s}, CPython harness {c}")
    for name in sorted(engine):
        s, e = stub.get(name), engine[name]
        if s is None:
            diffs.append(f"HttpTestHarness.{name}: in the in-engine harness {e} but not in the stub")
        elif s != e:
            (diffs if strict_engine else notes).append(f"HttpTestHarness.{name}: differs: stub {s}, in-engine harness {e}")
    for d in diffs:
        print(d)
    for n in notes:
        print("note: " + n)
    lacking = sorted(set(stub) - set(engine))
    print(f"{len(diffs)} difference(s); the in-engine harness lacks: {', '.join(lacking) or 'nothing'}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
