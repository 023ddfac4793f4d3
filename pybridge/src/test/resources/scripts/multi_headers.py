# Response fields with several values (ResponseHeadersScriptTest): a list or tuple sends one field
# line per value, beyond the original's dict of one value per name.
from siphon import http


@http.route("/cookies")
async def cookies(req):
    return http.Response(headers={"set-cookie": ["a=1; Path=/", "b=2; HttpOnly"], "x-one": "only",
                                  "x-tuple": (1, "two")}, body="two cookies")
