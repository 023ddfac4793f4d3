-- wrk script of bench/soak.py: the well-behaved HTTP/1.1 keep-alive client. Each connection
-- sends, in turn, GET /hello/wrk, POST /echo-json (bench/python/echo.json), GET /sleep/20, and
-- waits SOAK_WRK_DELAY_MS (default 10) before each request, so the load is a steady rate rather
-- than all the server can take. Every answer is checked (status 200 and a body one of the routes
-- gives); at the end one line "soak-wrk: checked N bad M [STATUS xCOUNT ...]" sums over the threads
-- (a status 200 among the bad ones had a wrong body). SOAK_WRK_MODE=hello sends GET /hello/wrk alone.
local path = os.getenv("ECHO_JSON_BODY") or "bench/python/echo.json"
local pause = tonumber(os.getenv("SOAK_WRK_DELAY_MS") or "10")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(path, "rb"))
  local doc = f:read("*a")
  f:close()
  reqs = {
    wrk.format("GET", "/hello/wrk"),
    wrk.format("POST", "/echo-json", {["Content-Type"] = "application/json"}, doc),
    wrk.format("GET", "/sleep/20"),
  }
  -- a thread's connections answer in any order among them: a body must be one of the three
  expect = {"^hi wrk$", '"echoed": true}$', "^slept 20$"}
  if os.getenv("SOAK_WRK_MODE") == "hello" then -- bench/abuse-p99.py: the hello route alone
    reqs, expect = {wrk.format("GET", "/hello/wrk")}, {"^hi wrk$"}
  end
  sent, checked, bad = 0, 0, 0
  statuses = {}
end

function request()
  sent = sent + 1
  return reqs[(sent - 1) % #reqs + 1]
end

function delay()
  return pause
end

function response(status, headers, body)
  checked = checked + 1
  local ok = false
  for _, e in ipairs(expect) do
    ok = ok or string.find(body or "", e) ~= nil
  end
  if status ~= 200 or not ok then
    bad = bad + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local c, b, st = 0, 0, {}
  for _, t in ipairs(threads) do
    c = c + t:get("checked")
    b = b + t:get("bad")
    for code, n in pairs(t:get("statuses")) do
      st[#st + 1] = code .. " x" .. n
    end
  end
  io.write(string.format("soak-wrk: checked %d bad %d %s\n", c, b, table.concat(st, " ")))
end
