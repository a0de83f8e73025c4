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
  -- Many people on many networks: each request comes through the proxy from its own address.
  local ip = string.format("10.%d.%d.%d", thread_id + 1, math.floor(counter / 256) % 256, counter % 256)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip}, body)
end
