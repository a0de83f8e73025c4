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

-- RUN=NN (10-99): numbers of that run's own (19NN...), for runs repeated against one kept
-- database, where the same numbers would be people already there.
local run = os.getenv("RUN")

function request()
  counter = counter + 1
  local phone
  if run then
    phone = string.format("19%02d%d%06d", tonumber(run), thread_id + 1, counter)
  else
    phone = string.format("13%d%08d", thread_id + 1, counter)
  end
  local body = '{"phone":"' .. phone .. '","consent":true,"channel":"bench"}'
  -- Many people on many networks: each request comes through the proxy from its own address.
  local ip = string.format("10.%d.%d.%d", thread_id + 1, math.floor(counter / 256) % 256, counter % 256)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip}, body)
end
