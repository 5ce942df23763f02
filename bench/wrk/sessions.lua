-- wrk script of scripts/bench for many signed-in users: every request takes the next session
-- cookie and the next path, so each of the N sessions asks for each of the paths in turn.
--   wrk ... -s sessions.lua URL -- COOKIE_FILE PATH1,PATH2,... [ERROR_MARKER]
-- COOKIE_FILE has one Cookie header value per line. Counts answers by status, and pages that
-- came back 2xx but show ERROR_MARKER (the app's error panel), and prints one line
-- "BENCH_JSON {...}" at the end.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  cookies = {}
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(cookies, line) end
  end
  paths = {}
  for p in string.gmatch(args[2], "[^,]+") do table.insert(paths, p) end
  marker = args[3]
  n = (id or 0) * 7919
  counts = {}
  error_pages = 0
end

function request()
  n = n + 1
  local path = paths[(n % #paths) + 1]
  local cookie = cookies[(math.floor(n / #paths) % #cookies) + 1]
  return wrk.format("GET", path, { ["Cookie"] = cookie, ["Accept-Encoding"] = "br, gzip" })
end

function response(status, headers, body)
  local k = tostring(status)
  counts[k] = (counts[k] or 0) + 1
  if marker and status < 300 and body and string.find(body, marker, 1, true) then
    error_pages = error_pages + 1
  end
end

done = function(summary, latency, requests)
  local statuses = {}
  local errors_shown = 0
  for _, t in ipairs(threads) do
    local c = t:get("counts") or {}
    for k, v in pairs(c) do statuses[k] = (statuses[k] or 0) + v end
    errors_shown = errors_shown + (t:get("error_pages") or 0)
  end
  local parts = {}
  for k, v in pairs(statuses) do table.insert(parts, string.format('"%s":%d', k, v)) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"bytes":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,'
      .. '"maxUs":%d,"meanUs":%.1f,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"statuses":{%s},"errorPages":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout,
    table.concat(parts, ","), errors_shown))
end
