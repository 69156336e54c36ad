-- wrk script for scripts/bench-load: cycles through the lookup inputs file
-- (one raw input per line, URL-encoded here), counts responses per status,
-- and prints one machine-readable RESULT line.
--
--   wrk -t2 -c32 -d20s --latency -s scripts/bench-lookup.lua URL -- MODE FILE CLIENT KEY
--
-- MODE is `lookup` (GET /api/integrasi/customers?no_hp=…) or `health`
-- (GET /health, the HTTP ceiling).

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

local paths = {}
local position = 0
c200, c404, cother = 0, 0, 0

function init(args)
   local mode, file, client, key = args[1], args[2], args[3], args[4]
   if mode == "health" then
      paths[1] = "/health"
   else
      for line in io.lines(file) do
         if line:match("%S") then
            paths[#paths + 1] = "/api/integrasi/customers?no_hp=" .. urlencode(line)
         end
      end
      wrk.headers["X-API-Client"] = client
      wrk.headers["X-API-Key"] = key
   end
   wrk.headers["Accept"] = "application/json"
   -- Threads start at different places in the inputs.
   position = math.floor((id - 1) * #paths / 2) % #paths
end

function request()
   position = position % #paths + 1
   return wrk.format("GET", paths[position])
end

function response(status, headers, body)
   if status == 200 then
      c200 = c200 + 1
   elseif status == 404 then
      c404 = c404 + 1
   else
      cother = cother + 1
   end
end

function done(summary, latency, requests)
   local s200, s404, sother = 0, 0, 0
   for _, thread in ipairs(threads) do
      s200 = s200 + thread:get("c200")
      s404 = s404 + thread:get("c404")
      sother = sother + thread:get("cother")
   end
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      "RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
      "status_200=%d status_404=%d status_other=%d socket_errors=%d\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000,
      s200, s404, sother, e.connect + e.read + e.write + e.timeout))
end
