-- wrk script for bench/soak.py: like wrk_post.lua (rotating requests from a file, one per line:
-- METHOD <tab> PATH <tab> BODY), but also checks every response: any status outside 200-299 is
-- counted, and the first such response (status and the start of its body: problem details name
-- the path in "instance") is kept for the report.
-- Usage: wrk -s bench/wrk_mix.lua http://127.0.0.1:PORT -- requests.tsv

local requests = {}
local index = 0
local threads = {}
bad = 0
bad_example = ""

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local host = wrk.host .. ":" .. tostring(wrk.port or 80)
  for line in io.lines(args[1]) do
    local method, path, body = line:match("^([A-Z]+)\t([^\t]+)\t?(.*)$")
    if method then
      local headers = { ["Host"] = host }
      if body == "" then
        body = nil
      else
        headers["Content-Type"] = "application/json"
      end
      requests[#requests + 1] = wrk.format(method, path, headers, body)
    end
  end
  index = math.random(0, #requests - 1)
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function response(status, _, body)
  if status < 200 or status > 299 then
    bad = bad + 1
    if bad_example == "" then
      -- wrk does not say which request a response answers (a thread interleaves connections)
      bad_example = status .. ": " .. string.sub(body or "", 1, 300)
    end
  end
end

function done(summary, latency, _)
  local total_bad = 0
  local example = ""
  for _, thread in ipairs(threads) do
    total_bad = total_bad + (thread:get("bad") or 0)
    if example == "" then
      example = thread:get("bad_example") or ""
    end
  end
  example = example:gsub("[%c\"\\]", " ")
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,'
      .. '"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"mean_us":%.1f,"bad":%d,"bad_example":"%s"}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, total_bad, example))
end
