-- wrk script of bench/py-e2e.sh: POST the JSON document named by $ECHO_JSON_BODY
-- (bench/python/echo.json by default) on every request.
local path = os.getenv("ECHO_JSON_BODY") or "bench/python/echo.json"
local f = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
