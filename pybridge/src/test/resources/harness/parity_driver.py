"""HarnessParityTest's CPython side: runs a table of requests through siphon_testing.HttpTestHarness.

    python3 parity_driver.py SCRIPT TABLE.json

TABLE.json: a list of {"method", "path", "headers": {name: value}, "body": str (Latin-1) or null}.
Prints a JSON list with one {"status", "headers", "body" (Latin-1 str)} per request.
"""

import json
import sys

from siphon_testing import HttpTestHarness


def main(script, table_file):
    with open(table_file, encoding="utf-8") as f:
        table = json.load(f)
    out = []
    with HttpTestHarness() as h:
        h.load_script(script)
        for row in table:
            body = row.get("body")
            r = h.request(row["method"], row["path"], headers=row.get("headers") or {},
                          body=None if body is None else body.encode("latin-1"))
            out.append({"status": r.status, "headers": r.headers, "body": r.body.decode("latin-1")})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
