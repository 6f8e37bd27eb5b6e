-- SPDX-License-Identifier: MIT
-- bench/cold.sh's wrk script: one walk over COLD_FILES URLs (/cold/f0000 ...), each asked once
-- across all connections; after the last response it prints "walked N BAD" (BAD: responses
-- that were not 200) for bench/cold.sh, which times the walk and stops wrk (wrk itself would
-- run on for its whole -d).
local n = tonumber(os.getenv("COLD_FILES") or "2000")
local i, done, bad = 0, 0, 0

request = function()
    local k = i % n
    i = i + 1
    return wrk.format("GET", string.format("/cold/f%04d", k))
end

response = function(status, headers, body)
    done = done + 1
    if status ~= 200 then bad = bad + 1 end
    if done == n then
        io.write(string.format("walked %d %d\n", done, bad))
        io.flush()
    end
end
