-- wrk script for bench_gateway.sh: POSTs the batches of a file written by
-- `obs-publish --write FILE --count N` (records of a 4-byte big-endian length
-- and a batch), each thread taking every Tth batch from its own offset, so
-- no batch is sent twice until all N have gone.
--   wrk -s ingest.lua URL -- FILE THREADS
local threads_made = 0
function setup(thread)
	thread:set("tid", threads_made)
	threads_made = threads_made + 1
end

local bodies, next_body, step = {}, 1, 1

function init(args)
	local f = assert(io.open(args[1], "rb"))
	local data = f:read("*a")
	f:close()
	local i = 1
	while i + 3 <= #data do
		local b1, b2, b3, b4 = data:byte(i, i + 3)
		local n = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
		bodies[#bodies + 1] = data:sub(i + 4, i + 3 + n)
		i = i + 4 + n
	end
	step = tonumber(args[2])
	next_body = (tid or 0) + 1
	wrk.method = "POST"
end

function request()
	local body = bodies[next_body]
	next_body = next_body + step
	if next_body > #bodies then
		next_body = next_body - #bodies
	end
	return wrk.format(nil, nil, nil, body)
end
