-- Paced load for wrk: every connection waits DELAY_MS before each request (whole
-- milliseconds: wrk truncates the delay), so the total rate is about
-- CONNS / (DELAY_MS + latency). bench/landing.sh calibrates the number of connections so
-- the achieved rate is the fraction of the peak it asks for; latency is then measured on
-- a server that is not queueing.
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
function delay()
  return delay_ms
end
