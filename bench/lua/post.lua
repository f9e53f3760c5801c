-- POST JSON to args[1]: body i is line i of args[2]; each thread takes its own lines (thread k: k, k+T, ...).
-- args[3] is an Authorization header value ("-" for none), args[4] the number of threads, args[5] a run tag.
dofile(os.getenv("PB_BENCH_LUA") .. "/common.lua")
local path, bodies, auth, step, tag, i, n

function init(args)
   path, bodies, auth, step, tag = args[1], read_lines(args[2]), args[3], tonumber(args[4]), args[5]
   i = tid + 1
   n = 0
end

function request()
   local body = bodies[(i - 1) % #bodies + 1]
   i = i + step
   n = n + 1
   local h = {["Content-Type"] = "application/json", ["Idempotency-Key"] = tag .. "-" .. tid .. "-" .. n}
   if auth ~= "-" then h["Authorization"] = auth end
   return wrk.format("POST", path, h, body)
end
