"""The engine's routing, in Python: what the router module of siphon-http does (router/, SPEC §4).

Patterns: static segments, ``{name}`` (one non-empty segment) and ``{*name}`` (the rest of the
path, at least one character, last segment only). Matching is on the raw, still percent-encoded
path split on "/": a static segment matches the request's segment exactly (the pattern's own
text percent-encoded as a client sends it, upper-case hex), a parameter's value is then
percent-decoded (strictly: malformed escapes or octets that are not UTF-8 are a bad path, 400).
At each segment static beats parameter beats catch-all, with backtracking when the preferred
branch dead-ends. The path is resolved before the method: a path whose most specific pattern
lacks the method is 405 with ``allow`` (its methods, plus HEAD when GET is there, sorted); HEAD
falls back to GET. Methods compare exactly (``get`` is not ``GET``).
"""

import re

_PCHAR = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@")
_TCHAR = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~")
_HEX = set("0123456789abcdefABCDEF")


class RouteError(ValueError):
    """A malformed route pattern or two routes that conflict (the engine refuses to start)."""


def _raw_form(text, segment):
    out = []
    i = 0
    while i < len(segment):
        c = segment[i]
        if c == "%":
            h = segment[i + 1:i + 3]
            if len(h) != 2 or h[0] not in _HEX or h[1] not in _HEX:
                raise RouteError(f"invalid route pattern '{text}': malformed percent-encoding")
            out.append("%" + segment[i + 1:i + 3].upper())
            i += 3
        elif c in _PCHAR:
            out.append(c)
            i += 1
        else:
            out.append("".join(f"%{b:02X}" for b in c.encode("utf-8")))
            i += 1
    return "".join(out)


def parse_pattern(text):
    """[("static", literal) | ("param", name) | ("catchall", name), ...] for one pattern."""
    if not text.startswith("/"):
        raise RouteError(f"invalid route pattern '{text}': a pattern must start with '/'")
    parts = text[1:].split("/")
    segs = []
    names = set()
    for i, p in enumerate(parts):
        if len(p) >= 2 and p[0] == "{" and p[-1] == "}":
            catch = len(p) > 2 and p[1] == "*"
            name = p[2:-1] if catch else p[1:-1]
            if not name:
                raise RouteError(f"invalid route pattern '{text}': empty parameter name in '{p}'")
            for c in name:
                if c in "{}*":
                    raise RouteError(f"invalid route pattern '{text}': '{c}' in parameter name '{name}'")
            if catch and i != len(parts) - 1:
                raise RouteError(f"invalid route pattern '{text}': a catch-all {{*...}} must be the last segment")
            if name in names:
                raise RouteError(f"invalid route pattern '{text}': parameter name '{name}' is used twice")
            names.add(name)
            segs.append(("catchall" if catch else "param", name))
        else:
            for c in p:
                if c in "{}":
                    raise RouteError(f"invalid route pattern '{text}': '{c}' outside a whole-segment "
                                     "{name} or {*name}")
            segs.append(("static", _raw_form(text, p)))
    return segs


def decode_path(s):
    """Strict percent-decoding of a path piece; None when malformed or not UTF-8 (PathDecoder.decodePath)."""
    if "%" not in s:
        return s
    out = []
    i = 0
    n = len(s)
    while i < n:
        if s[i] != "%":
            out.append(s[i])
            i += 1
            continue
        run = bytearray()
        while i < n and s[i] == "%":
            h = s[i + 1:i + 3]
            if len(h) != 2 or h[0] not in _HEX or h[1] not in _HEX:
                return None
            run.append(int(h, 16))
            i += 3
        try:
            out.append(run.decode("utf-8"))
        except UnicodeDecodeError:
            return None
    return "".join(out)


def decode_query(s):
    """Lenient decoding of a query component ("+" is a space, malformed escapes kept, bad UTF-8 -> U+FFFD)."""
    if "%" not in s and "+" not in s:
        return s
    out = []
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        h = s[i + 1:i + 3] if c == "%" else ""
        if len(h) != 2 or h[0] not in _HEX or h[1] not in _HEX:
            out.append(" " if c == "+" else c)
            i += 1
            continue
        run = bytearray()
        while i < n and s[i] == "%" and len(s[i + 1:i + 3]) == 2 and s[i + 1] in _HEX and s[i + 2] in _HEX:
            run.append(int(s[i + 1:i + 3], 16))
            i += 3
        out.append(run.decode("utf-8", "replace"))
    return "".join(out)


def parse_query(raw):
    """QueryParser.parse: pairs split on "&", empty ones skipped, the last value wins (first position)."""
    params = {}
    if not raw:
        return params
    for pair in raw.split("&"):
        if not pair:
            continue
        k, eq, v = pair.partition("=")
        params[decode_query(k)] = decode_query(v) if eq else ""
    return params


class _Node:
    __slots__ = ("statics", "param", "param_name", "catchall", "catchall_name", "routes", "origin")

    def __init__(self, origin):
        self.statics = {}
        self.param = None
        self.param_name = None
        self.catchall = None
        self.catchall_name = None
        self.routes = {}  # method -> (pattern, handler)
        self.origin = origin


class Router:
    """Routes registered in order; ``match(method, raw_path)`` answers like the engine's router."""

    def __init__(self):
        self._root = _Node("")

    def add(self, methods, pattern, handler):
        segs = parse_pattern(pattern)
        ms = []
        for m in methods:
            u = m.upper()
            if not u or any(c not in _TCHAR for c in u):
                raise RouteError(f"route {pattern}: method '{m}' is not a token")
            if u not in ms:
                ms.append(u)
        if not ms:
            raise RouteError(f"route {pattern}: no methods given")
        route = ",".join(ms) + " " + pattern
        node = self._root
        path = []
        for kind, v in segs:
            if kind == "static":
                nxt = node.statics.get(v)
                if nxt is None:
                    nxt = node.statics[v] = _Node(route)
            elif kind == "param":
                if node.param is not None and node.param_name != v:
                    raise RouteError(f"route {route} conflicts with {node.param.origin}: {{{v}}} and "
                                     f"{{{node.param_name}}} at the same position")
                if node.param is None:
                    node.param, node.param_name = _Node(route), v
                nxt = node.param
            else:
                if node.catchall is not None and node.catchall_name != v:
                    raise RouteError(f"route {route} conflicts with {node.catchall.origin}: {{*{v}}} and "
                                     f"{{*{node.catchall_name}}} at the same position")
                if node.catchall is None:
                    node.catchall, node.catchall_name = _Node(route), v
                nxt = node.catchall
            path.append((kind, v))
            node = nxt
        for m in ms:
            if m in node.routes:
                prev = node.routes[m][0]
                raise RouteError(f"route {route} conflicts with {m} {prev}: {m} is registered twice for the same path")
        for m in ms:
            node.routes[m] = (pattern, handler)

    def _find(self, node, segs, i, captured):
        """The endpoint node for segs[i:], with the raw captured pieces; static, then param, then catch-all."""
        if i == len(segs):
            return (node, captured) if node.routes else None
        seg = segs[i]
        child = node.statics.get(seg)
        if child is not None:
            r = self._find(child, segs, i + 1, captured)
            if r is not None:
                return r
        if node.param is not None and seg:
            r = self._find(node.param, segs, i + 1, captured + [(node.param_name, seg)])
            if r is not None:
                return r
        if node.catchall is not None:
            rest = "/".join(segs[i:])
            if rest and node.catchall.routes:
                return node.catchall, captured + [(node.catchall_name, rest)]
        return None

    def match(self, method, raw_path):
        """("found", handler, params) | ("not_found",) | ("method_not_allowed", allow) | ("bad_path", why)."""
        if not raw_path.startswith("/"):
            return ("not_found",)
        found = self._find(self._root, raw_path[1:].split("/"), 0, [])
        if found is None:
            return ("not_found",)
        node, captured = found
        entry = node.routes.get(method)
        if entry is None and method == "HEAD":
            entry = node.routes.get("GET")
        if entry is None:
            allow = set(node.routes)
            if "GET" in allow:
                allow.add("HEAD")
            return ("method_not_allowed", ", ".join(sorted(allow)))
        params = {}
        for name, raw in captured:
            v = decode_path(raw)
            if v is None:
                return ("bad_path", f"path parameter '{name}': malformed percent-encoding or not UTF-8")
            params[name] = v
        return ("found", entry[1], params)


_FIELD_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def valid_field_name(name):
    return bool(_FIELD_NAME.fullmatch(name))


def valid_field_value(value):
    """No controls but HTAB (RFC 9110 §5.5); non-ASCII is written as UTF-8."""
    return all(c == "\t" or (" " <= c and c != "\x7f") for c in value)
