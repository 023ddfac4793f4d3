"""A type-exact, order-exact picture of a decoded JSON value, for comparing decoders.

canon(v) is a flat list of tokens, built without recursion (documents nest hundreds deep);
two values give equal lists exactly when they have the same types (int, float, str, bool,
None, list, dict), the same floats (bits, as float.hex), the same strings (surrogates included) and the
same key order.
"""


def canon(v):
    out = []
    stack = [v]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is dict:
            out.append("{%d" % len(x))
            for k, y in reversed(list(x.items())):
                stack.append(y)
                stack.append(k)
        elif t is list:
            out.append("[%d" % len(x))
            stack.extend(reversed(x))
        elif t is float:
            out.append("float " + x.hex())
        elif t is int or t is str or t is bool or x is None:
            out.append(t.__name__ + " " + repr(x))
        else:
            out.append("?" + t.__name__ + " " + repr(x))
    return out
