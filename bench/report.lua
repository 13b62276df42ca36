-- wrk script for bench/run.sh: prints one machine-readable BENCH line when
-- the run is done, and, when BENCH_RANGE_SIZE and BENCH_FILE_SIZE are set,
-- asks for a Range of that many bytes at a pseudo-random offset per request.
-- The generator is not seeded, so Lyssna and nginx get the same offsets.

local range_size = tonumber(os.getenv("BENCH_RANGE_SIZE") or "0")
local file_size = tonumber(os.getenv("BENCH_FILE_SIZE") or "0")

if range_size > 0 and file_size > range_size then
  request = function()
    local off = math.random(0, file_size - range_size)
    wrk.headers["Range"] = "bytes=" .. off .. "-" .. (off + range_size - 1)
    return wrk.format()
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%.0f bytes=%.0f duration_us=%.0f p50_us=%.0f p99_us=%.0f status_errors=%.0f connect_errors=%.0f read_errors=%.0f write_errors=%.0f timeouts=%.0f\n",
    summary.requests, summary.bytes, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
