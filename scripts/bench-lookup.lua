-- wrk script for scripts/bench-load: cycles through the lookup inputs file
-- (one raw input per line, URL-encoded here) and prints one machine-readable
-- RESULT line.
--
--   wrk -t2 -c32 -d20s --latency -s scripts/bench-lookup.lua URL -- MODE FILE CLIENT KEY
--
-- MODE is `lookup` (GET /api/integrasi/customers?no_hp=…) or `health`
-- (GET /health, the HTTP ceiling).
--
-- The load generator shares the 2 cores with the server and the database,
-- so it is kept lean: every request is formatted once in `init`, and there
-- is no `response` callback (with one, wrk hands each response's headers
-- and body to Lua: 22 instead of 17 µs of wrk's CPU per lookup, and 14 %
-- fewer lookups/s). Statuses are counted by the server instead:
-- scripts/bench-load reads its /metrics before and after the run; wrk's
-- own count of statuses ≥ 400 is printed for a cross-check.

local threads = {}
local next_id = 1

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local function urlencode(text)
   return (text:gsub("[^%w%-%._~]", function(c)
      return string.format("%%%02X", string.byte(c))
   end))
end

local requests = {}
local position = 0

function init(args)
   local mode, file, client, key = args[1], args[2], args[3], args[4]
   wrk.headers["Accept"] = "application/json"
   if mode == "health" then
      requests[1] = wrk.format("GET", "/health")
   else
      wrk.headers["X-API-Client"] = client
      wrk.headers["X-API-Key"] = key
      for line in io.lines(file) do
         if line:match("%S") then
            requests[#requests + 1] =
               wrk.format("GET", "/api/integrasi/customers?no_hp=" .. urlencode(line))
         end
      end
   end
   -- Threads start at different places in the inputs.
   position = math.floor((id - 1) * #requests / 2) % #requests
end

function request()
   position = position % #requests + 1
   return requests[position]
end

function done(summary, latency, requests)
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      "RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
      "status_400_or_more=%d socket_errors=%d\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000,
      e.status, e.connect + e.read + e.write + e.timeout))
end
