-- wrk script for bench/bench_webhook.py: POST pre-signed WeChat messages, each once.
--
--   wrk -t2 -c8 -d15s -s bench/webhook.lua http://127.0.0.1:PORT -- MESSAGES_FILE THREADS
--
-- MESSAGES_FILE holds one `path?query<TAB>body` a line (bench/load.py's Traffic.write_wrk_file).
-- Thread i of THREADS sends lines i, i+THREADS, ... so no MsgId goes out twice; a thread
-- that runs out starts over, and `done` reports how often that happened (then the run
-- measured some WeChat retries too, which the bot answers from Redis).
-- `done` prints one JSON line for the benchmark to read.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file, stride = args[1], tonumber(args[2])
  requests, position, wraps = {}, 0, 0
  local n = 0
  for line in io.lines(file) do
    if n % stride == id then
      local tab = line:find("\t", 1, true)
      requests[#requests + 1] = wrk.format("POST", line:sub(1, tab - 1),
        { ["Content-Type"] = "text/xml" }, line:sub(tab + 1))
    end
    n = n + 1
  end
end

function request()
  position = position + 1
  if position > #requests then
    position, wraps = 1, wraps + 1
  end
  return requests[position]
end

function done(summary, latency, _)
  local wrapped = 0
  for _, thread in ipairs(threads) do
    wrapped = wrapped + thread:get("wraps")
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, "p50_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "wraps": %d}\n',
    summary.requests, summary.duration, errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, wrapped))
end
