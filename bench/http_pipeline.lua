-- SPDX-License-Identifier: MIT
-- wrk script: pipelines DEPTH GETs of the same path per write (usage: wrk ... -s this URL -- DEPTH).
-- wrk counts the requests in the buffer once (script_verify_request) and then waits for that many
-- responses per write, so "requests" and Requests/sec count responses, not writes.
local req

init = function(args)
    local depth = tonumber(args[1]) or 16
    local path = wrk.path
    local r = {}
    for i = 1, depth do
        r[i] = wrk.format(nil, path)
    end
    req = table.concat(r)
end

request = function()
    return req
end
