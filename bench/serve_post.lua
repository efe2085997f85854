-- serve_post.lua: wrk script of serve-bench.sh. Every request is the same POST: the body is the
-- file named by SERVE_BODY_FILE, sent with Content-Type application/json.
--
--   SERVE_BODY_FILE=body-1.json wrk -t2 -c16 -d15s --latency -s serve_post.lua http://127.0.0.1:PORT/invocations
--
-- After wrk's own report, done() prints one line "SERVE_SUMMARY {json}" with the exact figures
-- (latencies in microseconds), which serve-bench.sh keeps next to the parsed text.

local path = os.getenv("SERVE_BODY_FILE")
if path == nil or path == "" then
    error("serve_post.lua: set SERVE_BODY_FILE to the request body's file")
end
local f = assert(io.open(path, "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        'SERVE_SUMMARY {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
        '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
        '"latency_us": {"min": %d, "mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "max": %d}}\n',
        summary.requests, summary.duration, summary.bytes,
        e.connect, e.read, e.write, e.status, e.timeout,
        latency.min, latency.mean, latency:percentile(50), latency:percentile(90),
        latency:percentile(99), latency.max))
end
