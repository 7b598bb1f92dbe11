-- wrk script of `medialib bench transform`: every request asks for a result not made
-- before, so no derived-cache hit. Each of the N threads walks its own share of a grid of
-- sizes (base ±40 px) and qualities (base ±5) filled into a path template.
--   wrk … -s bust.lua URL -- TEMPLATE W H Q N
-- TEMPLATE holds {w}, {h} and {q}. done() prints the 95th percentile latency, which
-- wrk's --latency table leaves out.
local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  template, base_w, base_h, base_q, step = args[1], tonumber(args[2]), tonumber(args[3]), tonumber(args[4]), tonumber(args[5])
  n = id
end

function request()
  local i = n
  n = n + step
  -- Widths vary fastest, then qualities, then heights: templates without {h} still get
  -- 891 different requests in a row.
  local w = base_w - 40 + i % 81
  local q = base_q - 5 + math.floor(i / 81) % 11
  local h = base_h - 40 + math.floor(i / 891) % 81
  local path = template:gsub("{w}", tostring(w)):gsub("{h}", tostring(h)):gsub("{q}", tostring(q))
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  io.write(string.format("P95: %dus\n", latency:percentile(95)))
end
