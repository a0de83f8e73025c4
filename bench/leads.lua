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
  math.randomseed(1000 + id)
end

-- RUN=NN (10-99): numbers of that run's own (19NN...), for runs repeated against one kept
-- database, where the same numbers would be people already there.
local run = os.getenv("RUN")

-- REFS="code1,code2,...": every lead is a friend of one of these inviters, in turn.
local refs = {}
for code in string.gmatch(os.getenv("REFS") or "", "[^,]+") do
  table.insert(refs, code)
end

-- PHONES=1: each request from one of many phones' user agents (iOS and Android versions,
-- WeChat builds), as a campaign's real visitors are, with scattered numbers (below);
-- without it wrk sends no user agent and numbers in sequence.
local agents = {}
if os.getenv("PHONES") then
  local ios = {"16_6", "17_0", "17_1_2", "17_4", "17_5", "17_6_1", "18_0", "18_1"}
  local android = {"V2203A", "PHB110", "22081212C", "23049RAD8C", "ALN-AL00", "PJD110", "V2309A", "RMX3031"}
  local wechat = {"8.0.42", "8.0.44", "8.0.47", "8.0.49", "8.0.50"}
  for _, wx in ipairs(wechat) do
    for _, v in ipairs(ios) do
      table.insert(agents, "Mozilla/5.0 (iPhone; CPU iPhone OS " .. v .. " like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/" .. wx .. "(0x18002c2a) NetType/WIFI Language/zh_CN")
    end
    for _, model in ipairs(android) do
      table.insert(agents, "Mozilla/5.0 (Linux; Android 13; " .. model .. " Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 MicroMessenger/" .. wx .. ".2540(0x28003035) NetType/4G Language/zh_CN")
    end
  end
end

function request()
  counter = counter + 1
  local phone
  -- With PHONES=1 the numbers are scattered (a bijection of the counter), as real people's
  -- are: one inviter's friends with consecutive numbers are a bought block to the fraud rules.
  local n = counter
  if #agents > 0 then
    n = (counter * 7368787) % (run and 1000000 or 100000000)
  end
  if run then
    phone = string.format("19%02d%d%06d", tonumber(run), thread_id + 1, n)
  else
    phone = string.format("13%d%08d", thread_id + 1, n)
  end
  local ref = ""
  if #refs > 0 then
    ref = ',"ref":"' .. refs[(thread_id * 7919 + counter) % #refs + 1] .. '"'
  end
  local body = '{"phone":"' .. phone .. '","consent":true,"channel":"bench"' .. ref .. '}'
  -- Many people on many networks: each request comes through the proxy from its own address
  -- (with RUN, one of that run's own: a kept database's earlier people would be this one's
  -- device and address peers, and every lead flagged).
  local ip = string.format("%d.%d.%d.%d", run and 100 + tonumber(run) or 10, thread_id + 1,
    math.floor(counter / 256) % 256, counter % 256)
  local headers = {["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip}
  if #agents > 0 then
    headers["User-Agent"] = agents[math.random(#agents)]
  end
  return wrk.format("POST", nil, headers, body)
end
