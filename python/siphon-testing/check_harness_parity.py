#!/usr/bin/env python3
"""Checks that the two implementations of siphon_testing offer one API.

    python3 check_harness_parity.py CPYTHON_PACKAGE_DIR ENGINE_MODULE
    (python/siphon-testing/siphon_testing and
     pybridge/src/main/resources/dev/siphon/http/py/testing/siphon_testing.py)

Parsed with ``ast`` (the engine's module imports siphon's runtime). Compared: the names the
package exports (``__all__``); the public methods of ``HttpTestHarness`` with their parameters
(kind, name, default), its properties and the attributes it sets in ``__init__``; the public
methods of the objects behind ``h.log``, ``h.cache`` and ``h.metrics``, and of the
``StreamedResponse`` that ``h.stream()`` returns. Any difference
(beyond EXTRA_CPYTHON) is printed and the exit status is 1.
"""

import ast
import pathlib
import sys

# members only the CPython harness may have, as "HttpTestHarness.name" or "HttpTestHarness.method(param)":
# none today (metrics.observations and metrics.clear exist in both; the engine's raise HarnessError)
EXTRA_CPYTHON: set[str] = set()


def sig(fn):
    a = fn.args
    pos = a.posonlyargs + a.args
    defaults = [None] * (len(pos) - len(a.defaults)) + list(a.defaults)
    out = [("pos", p.arg, None if d is None else ast.unparse(d)) for p, d in zip(pos, defaults) if p.arg != "self"]
    out += [("kw", p.arg, None if d is None else ast.unparse(d)) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    return out


def classes(tree):
    return {n.name: n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}


def members(cls, public_init):
    """{name: signature or 'property' or 'attribute'} of a class's public members (with __init__'s
    signature when ``public_init``: a test constructs the harness, not the objects behind its attributes)."""
    out = {}
    for n in cls.body:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if any(isinstance(d, ast.Name) and d.id == "property" for d in n.decorator_list):
                out[n.name] = "property"
            elif not n.name.startswith("_") or n.name in ("__enter__", "__exit__") or (
                    n.name == "__init__" and public_init):
                out[n.name] = sig(n)
            if n.name == "__init__":
                for st in ast.walk(n):
                    if isinstance(st, ast.Assign):
                        for t in st.targets:
                            if (isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
                                    and t.value.id == "self" and not t.attr.startswith("_")):
                                out[t.attr] = "attribute"
    return out


def helper_class(tree_classes, harness, attr):
    """The class whose instance __init__ assigns to self.<attr> (self.log = _Log(self))."""
    init = next(n for n in harness.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    for st in ast.walk(init):
        if (isinstance(st, ast.Assign) and isinstance(st.targets[0], ast.Attribute) and st.targets[0].attr == attr
                and isinstance(st.value, ast.Call) and isinstance(st.value.func, ast.Name)):
            return tree_classes.get(st.value.func.id)
    return None


def exported(tree):
    for n in tree.body:
        if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets):
            return sorted(ast.literal_eval(n.value))
    return None


def main(pkg_dir, engine_module):
    pkg = pathlib.Path(pkg_dir)
    cpy_trees = [ast.parse(p.read_text(), str(p)) for p in sorted(pkg.glob("*.py"))]
    eng = ast.parse(pathlib.Path(engine_module).read_text(), engine_module)
    problems = []
    cpy_all = exported(ast.parse((pkg / "__init__.py").read_text()))
    if cpy_all != exported(eng):
        problems.append(f"__all__: CPython {cpy_all}, engine {exported(eng)}")
    cpy_classes = {}
    for t in cpy_trees:
        cpy_classes.update(classes(t))
    eng_classes = classes(eng)
    ch, eh = cpy_classes["HttpTestHarness"], eng_classes["HttpTestHarness"]
    pairs = [("HttpTestHarness", ch, eh)]
    for attr in ("log", "cache", "metrics"):
        c, e = helper_class(cpy_classes, ch, attr), helper_class(eng_classes, eh, attr)
        if c is None or e is None:
            problems.append(f"HttpTestHarness.{attr}: CPython {c and c.name}, engine {e and e.name}")
        else:
            pairs.append((f"HttpTestHarness.{attr}", c, e))
    # the object HttpTestHarness.stream() returns
    if "StreamedResponse" in cpy_classes or "StreamedResponse" in eng_classes:
        c, e = cpy_classes.get("StreamedResponse"), eng_classes.get("StreamedResponse")
        if c is None or e is None:
            problems.append(f"StreamedResponse: CPython {c and c.name}, engine {e and e.name}")
        else:
            pairs.append(("StreamedResponse", c, e))
    for label, c, e in pairs:
        cm, em = members(c, c is ch), members(e, e is eh)
        for name in sorted(set(cm) | set(em)):
            what = f"{label}.{name}"
            if name not in em:
                if what not in EXTRA_CPYTHON:
                    problems.append(f"{what}: in the CPython harness only")
            elif name not in cm:
                problems.append(f"{what}: in the engine's harness only")
            elif cm[name] != em[name]:
                cs, es = cm[name], em[name]
                if isinstance(cs, list) and isinstance(es, list):
                    extra = [p for p in cs if p not in es]
                    if [p for p in cs if p not in extra] == es and all(
                            f"{what}({p[1]})" in EXTRA_CPYTHON for p in extra):
                        continue
                problems.append(f"{what}: CPython {cs}, engine {es}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
