-- Each request leaves a new phone number (unique per thread and request).
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  thread_id = id
end

function request()
  counter = counter + 1
  local phone = string.format("13%d%08d", thread_id + 1, counter)
  local body = '{"phone":"' .. phone .. '","consent":true,"channel":"bench"}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
