-- wrk script shared by every scenario of scripts/bench.sh. Configured through the
-- environment: BENCH_METHOD (GET), BENCH_BODY_FILE (request body), BENCH_AUTH
-- (Authorization header value), BENCH_ACCEPT_ENCODING. Prints one JSON line
-- `BENCH_RESULT {...}` at the end (latencies in microseconds).
local method = os.getenv("BENCH_METHOD") or "GET"
wrk.method = method
local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
end
local auth = os.getenv("BENCH_AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end
local enc = os.getenv("BENCH_ACCEPT_ENCODING")
if enc and enc ~= "" then
  wrk.headers["Accept-Encoding"] = enc
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, "err_connect": %d, "err_read": %d, "err_write": %d, "err_status": %d, "err_timeout": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
