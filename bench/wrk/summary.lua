-- wrk script of scripts/bench: a fixed request (wrk's own, with the -H headers given), and one
-- line "BENCH_JSON {...}" at the end with the run's figures for bench/run.mjs. No response()
-- callback, so wrk never copies bodies into Lua (that would slow the load generator, not the
-- server). errors.status counts answers with a status of 400 or more.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"bytes":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,'
      .. '"maxUs":%d,"meanUs":%.1f,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
