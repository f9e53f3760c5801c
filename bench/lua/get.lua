-- GET args[1] (a path) with each request's headers from the next line of args[2] ("Name: value"; "-" for none).
dofile(os.getenv("PB_BENCH_LUA") .. "/common.lua")
local path, headers, i

function init(args)
   path = args[1]
   headers = {}
   if args[2] ~= "-" then
      for _, line in ipairs(read_lines(args[2])) do
         local name, value = line:match("^([^:]+):%s*(.*)$")
         table.insert(headers, {[name] = value})
      end
   end
   i = tid
end

function request()
   i = i + 1
   local h = #headers > 0 and headers[i % #headers + 1] or {}
   return wrk.format("GET", path, h)
end
