#!/usr/bin/env python3
"""Checks that the type stubs (siphon/*.pyi) and the CPython stand-ins (siphon/*.py) declare
exactly the runtime's public Python API.

    python3 check_parity.py RUNTIME_DIR STUBS_DIR [STANDINS_DIR]
    (RUNTIME_DIR: pybridge/src/main/resources/siphon; STUBS_DIR: python/siphon-testing/siphon;
    STANDINS_DIR: python/siphon-testing/siphon too, where the .py stand-ins sit beside the .pyi stubs)

The runtime modules import siphon._java (the Java bridge), so nothing is imported: every side
is parsed with ``ast``. Compared, per public module (a name not starting with "_"):
``__all__``; module functions (``def`` or ``async def``, each parameter's kind, name and
default); classes (their bases, so the exception hierarchy; their methods, dunders included
but ``__repr__``; properties and whether they have a setter; data attributes: the runtime's
public ``__slots__`` and ``self.x = ...`` against the stub's annotated class attributes, and
against the stand-in's own ``__slots__`` and ``self.x = ...``); aliases (``warning = warn``);
module attributes (the stub's ``x: T``, the names a module ``__getattr__`` answers). A private
class that a public class derives from is compared too. Any member present on one side only,
or any difference, is printed and the exit status is 1.
"""

import ast
import pathlib
import sys


def public(name):
    return not name.startswith("_")


def signature(fn):
    """The parameters of ``fn`` as (kind, name, default source) tuples, annotations left out."""
    a = fn.args
    out = []
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    for i, (p, d) in enumerate(zip(positional, defaults)):
        kind = "positional-only" if i < len(a.posonlyargs) else "positional"
        out.append((kind, p.arg, None if d is None else ast.unparse(d)))
    if a.vararg:
        out.append(("*", a.vararg.arg, None))
    for p, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append(("keyword-only", p.arg, None if d is None else ast.unparse(d)))
    if a.kwarg:
        out.append(("**", a.kwarg.arg, None))
    return tuple(out)


def describe_fn(fn):
    kind = "async def" if isinstance(fn, ast.AsyncFunctionDef) else "def"
    return (kind, signature(fn))


def decorators(fn):
    return [ast.unparse(d) for d in fn.decorator_list]


def class_members(cls, stub):
    members = {}
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = node.name
            decs = decorators(node)
            if "property" in decs:
                if public(name):
                    members[name] = ("property", False)
                continue
            if any(d.endswith(".setter") for d in decs):
                if name in members:
                    members[name] = ("property", True)
                continue
            if name == "__repr__" or (not public(name) and not (name.startswith("__") and name.endswith("__"))):
                continue
            kind = "classmethod " if "classmethod" in decs else "staticmethod " if "staticmethod" in decs else ""
            k, sig = describe_fn(node)
            members[name] = (kind + k, sig)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and public(node.target.id):
            members.setdefault(node.target.id, ("attribute",))
        elif isinstance(node, ast.Assign) and not stub:
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id == "__slots__":
                    for elt in getattr(node.value, "elts", []):
                        if isinstance(elt, ast.Constant) and public(elt.value):
                            members.setdefault(elt.value, ("attribute",))
                elif isinstance(t, ast.Name) and public(t.id):
                    members.setdefault(t.id, ("attribute",))
    if not stub:  # self.x = ... in any method
        for node in ast.walk(cls):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if (isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
                            and public(t.attr)):
                        members.setdefault(t.attr, ("attribute",))
    # a property that is also listed in __slots__ (never: a slot and a property cannot share a name)
    return members


def getattr_names(fn):
    """The names a module ``__getattr__(name)`` answers: the strings it compares ``name`` with."""
    names = set()
    param = fn.args.args[0].arg if fn.args.args else None
    for node in ast.walk(fn):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == param:
            for c in node.comparators:
                if isinstance(c, ast.Constant) and isinstance(c.value, str):
                    names.add(c.value)
                elif isinstance(c, (ast.Tuple, ast.List, ast.Set)):
                    names.update(e.value for e in c.elts if isinstance(e, ast.Constant))
    return names


def module_api(path, stub):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    api = {}
    classes = {}
    all_names = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name == "__getattr__" and not stub:
                for n in getattr_names(node):
                    api[n] = ("module attribute",)
            elif public(node.name):
                api[node.name] = ("function",) + describe_fn(node)
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = node
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if not isinstance(t, ast.Name):
                    continue
                if t.id == "__all__":
                    all_names = sorted(ast.literal_eval(node.value))
                elif public(t.id):
                    if isinstance(node.value, (ast.Name, ast.Attribute)):
                        api[t.id] = ("alias of", ast.unparse(node.value))
                    else:
                        api[t.id] = ("module attribute",)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and public(node.target.id):
            api[node.target.id] = ("module attribute",)
    # public classes, and the private ones a compared class derives from
    wanted = [n for n in classes if public(n)]
    seen = set()
    while wanted:
        n = wanted.pop()
        if n in seen or n not in classes:
            continue
        seen.add(n)
        cls = classes[n]
        bases = tuple(ast.unparse(b) for b in cls.bases)
        api[n] = ("class", bases)
        for m, d in class_members(cls, stub).items():
            api[f"{n}.{m}"] = d
        wanted.extend(b.id for b in cls.bases if isinstance(b, ast.Name))
    if all_names is not None:
        api["__all__"] = ("__all__", tuple(all_names))
    return api


def show(d):
    if d[0] in ("function",) or d[0].endswith("def"):
        parts = []
        for kind, name, default in d[-1]:
            s = {"*": "*", "**": "**"}.get(kind, "") + name
            if kind == "keyword-only":
                s = "(kw-only) " + s
            if default is not None:
                s += "=" + default
            parts.append(s)
        return f"{' '.join(x for x in d[:-1] if x != 'function')}({', '.join(parts)})"
    return " ".join(str(x) for x in d)


def compare(runtime_dir, stubs_dir, other="stub", ext=".pyi"):
    """The differences between the runtime and ``other`` ("stub": the .pyi files; "stand-in": .py files)."""
    stub = ext == ".pyi"
    problems = []
    rt_mods = {p.stem for p in runtime_dir.glob("*.py") if public(p.stem) or p.stem == "__init__"}
    st_mods = {p.stem for p in stubs_dir.glob("*" + ext) if public(p.stem) or p.stem == "__init__"}
    for m in sorted(rt_mods - st_mods):
        problems.append(f"siphon.{m}: a runtime module without a {other} ({stubs_dir / (m + ext)} is missing)")
    for m in sorted(st_mods - rt_mods):
        problems.append(f"siphon.{m}: a {other} without a runtime module ({runtime_dir / (m + '.py')} is missing)")
    for m in sorted(rt_mods & st_mods):
        rt = module_api(runtime_dir / f"{m}.py", stub=False)
        st = module_api(stubs_dir / f"{m}{ext}", stub=stub)
        mod = "siphon" if m == "__init__" else f"siphon.{m}"
        for name in sorted(set(rt) | set(st)):
            if name not in st:
                problems.append(f"{mod}.{name}: in the runtime ({show(rt[name])}) but not in the {other}")
            elif name not in rt:
                problems.append(f"{mod}.{name}: in the {other} ({show(st[name])}) but not in the runtime")
            elif rt[name] != st[name]:
                problems.append(f"{mod}.{name}: differs: runtime {show(rt[name])}, {other} {show(st[name])}")
    return problems


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__.strip().splitlines()[3].strip(), file=sys.stderr)
        return 2
    dirs = [pathlib.Path(a) for a in argv[1:]]
    for d in dirs:
        if not d.is_dir():
            print(f"check_parity: {d} is not a directory", file=sys.stderr)
            return 2
    runtime_dir, stubs_dir = dirs[0], dirs[1]
    problems = compare(runtime_dir, stubs_dir)
    if len(dirs) == 3:
        problems += compare(runtime_dir, dirs[2], "stand-in", ".py")
    for p in problems:
        print(p)
    what = "the stubs in " + str(stubs_dir) + ("" if len(dirs) == 2 else " and the stand-ins in " + str(dirs[2]))
    if problems:
        print(f"check_parity: {len(problems)} difference(s) between {runtime_dir} and {what}", file=sys.stderr)
        return 1
    print(f"check_parity: {what} match the runtime in {runtime_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
