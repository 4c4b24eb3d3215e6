-- wrk script of bench/run.py: POSTs a customer message, rotating over conversations.
--
-- wrk ... -s bench/post.lua http://127.0.0.1:PORT -- MODE TARGETS EXPECT THREADS
--   MODE     "api": POST /api/v1/conversations/<id>/messages/ with X-Conversation-Token
--            "baseline": POST /bench/insert/ (the one-insert baseline view)
--   TARGETS  a file of "<conversation_id> <token> <order_number>" lines (ignored for
--            "baseline"); the order is the customer's, so the assistant can answer
--   EXPECT   "ai": every answer must carry ai_response; "no-ai": none may; "-": no check
--   THREADS  wrk's -t, so that each thread starts at its own slice of the conversations
--
-- Every answer must be 201. done() prints one line "BENCH_RESULT {json}" for run.py.

-- Questions the built-in assistant answers from the order and the knowledge base; none asks
-- for a human (that would escalate the conversation). %s is the customer's order number.
local messages = {
  "Where is my order %s?",
  "When will my order %s be delivered?",
  "How do I return an item from order %s?",
  "I want a refund for my order %s",
  "Can I pay by UPI?",
  "Is my order %s shipped yet?",
}

local threads = {}

-- Runs in the main Lua state, once per thread, before init().
function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

-- Thread globals, read by done() through thread:get().
thread_index = 0
ok = 0
bad_status = 0
wrong_body = 0
first_bad = ""

local mode, expect
local targets = {}
local counter = 0

local function body_for(i, order)
  local text = string.format(messages[(i % #messages) + 1], order)
  return '{"message": "' .. text .. '"}'
end

function init(args)
  mode = args[1]
  expect = args[3] or "-"
  local nthreads = tonumber(args[4]) or 1
  if mode == "api" then
    for line in io.lines(args[2]) do
      local id, token, order = line:match("^(%S+)%s+(%S+)%s+(%S+)$")
      if id then
        table.insert(targets, {
          path = "/api/v1/conversations/" .. id .. "/messages/",
          token = token,
          order = order,
        })
      end
    end
    assert(#targets > 0, "no targets in " .. args[2])
    -- Threads start half-way (for 2 threads) apart, so no two requests in flight
    -- share a conversation unless the file is shorter than the number of connections.
    counter = math.floor(#targets * thread_index / nthreads)
  elseif mode ~= "baseline" then
    error("MODE must be api or baseline, not " .. tostring(mode))
  end
end

function request()
  counter = counter + 1
  if mode == "baseline" then
    local body = body_for(counter, "KS-100000")
    return wrk.format("POST", "/bench/insert/", { ["Content-Type"] = "application/json" }, body)
  end
  local target = targets[(counter % #targets) + 1]
  -- The message changes every time a connection comes back to the same conversation.
  local body = body_for(math.floor(counter / #targets) + counter, target.order)
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-Conversation-Token"] = target.token,
  }
  return wrk.format("POST", target.path, headers, body)
end

function response(status, headers, body)
  if status ~= 201 then
    bad_status = bad_status + 1
    if first_bad == "" then
      first_bad = status .. " " .. string.sub(body or "", 1, 300)
    end
    return
  end
  local has_ai = string.find(body, '"ai_response":', 1, true) ~= nil
  if (expect == "ai" and not has_ai) or (expect == "no-ai" and has_ai) then
    wrong_body = wrong_body + 1
    if first_bad == "" then
      first_bad = "201 " .. string.sub(body, 1, 300)
    end
    return
  end
  ok = ok + 1
end

function done(summary, latency, requests)
  local n_ok, n_bad, n_wrong, first = 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    n_ok = n_ok + thread:get("ok")
    n_bad = n_bad + thread:get("bad_status")
    n_wrong = n_wrong + thread:get("wrong_body")
    if first == "" then
      first = thread:get("first_bad")
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "ok": %d, "bad_status": %d, '
      .. '"wrong_body": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, '
      .. '"timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, n_ok, n_bad, n_wrong,
    e.connect, e.read, e.write, e.timeout
  ))
  if first ~= "" then
    io.write("BENCH_FIRST_BAD " .. string.gsub(first, "\n", " ") .. "\n")
  end
end
