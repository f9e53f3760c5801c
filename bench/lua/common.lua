-- Shared by the benchmark's wrk scripts: numbered threads, lines of a file, a JSON summary at the end.
local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function read_lines(path)
   local lines = {}
   for line in io.lines(path) do
      if line ~= "" then table.insert(lines, line) end
   end
   return lines
end

-- Refused answers by status ("409=3 500=1"), kept per thread and gathered by done().
failed = ""
local counts = {}

function count_failure(status)
   counts[status] = (counts[status] or 0) + 1
   local parts = {}
   for code, n in pairs(counts) do table.insert(parts, code .. "=" .. n) end
   failed = table.concat(parts, " ")
end

function done(summary, latency, requests)
   local e = summary.errors
   local statuses = {}
   for _, thread in ipairs(threads) do
      local text = thread:get("failed")
      if text and text ~= "" then table.insert(statuses, text) end
   end
   io.write(string.format(
      'WRKJSON {"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p99_ms": %.3f, "status_errors": %d, ' ..
      '"socket_errors": %d, "timeouts": %d, "statuses": "%s"}\n',
      summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      e.status, e.connect + e.read + e.write + e.timeout, e.timeout, table.concat(statuses, " ")))
end
