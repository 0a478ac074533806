-- wrk script for bench/bench_server.py, configured by the environment:
--   BENCH_MODE  get       GET /image/{BENCH_ID} through imagery-server (wrk's URL is the server)
--               post      POST /image through imagery-server
--               ddb-get   DynamoDB GetItem of BENCH_ID straight to moto (wrk's URL is moto), ConsistentRead as the server does
--               ddb-put   DynamoDB PutItem of a new record with attribute_not_exists(id), as POST /image does
--   BENCH_ID, BENCH_TABLE
-- The direct requests carry a well-formed but unsigned Authorization header: moto runs without
-- auth here and reads only the region from it. At the end one JSON line is printed for the driver.

local mode = os.getenv("BENCH_MODE") or "get"
local id = os.getenv("BENCH_ID") or ""
local tbl = os.getenv("BENCH_TABLE") or ""
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local function ddb_headers(target)
  return {
    ["Content-Type"] = "application/x-amz-json-1.0",
    ["X-Amz-Target"] = "DynamoDB_20120810." .. target,
    ["X-Amz-Date"] = "20240101T000000Z",
    ["Authorization"] = "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/dynamodb/aws4_request, "
      .. "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" .. string.rep("0", 64),
  }
end

local seq = 0
function init(args)
  math.randomseed(os.time() * 100 + (tid or 0))
end

local function new_id()
  seq = seq + 1
  -- A v4-shaped UUID, unique per thread (tid) and request (seq); random bits keep runs apart.
  return string.format("%08x-%04x-4%03x-%04x-%012x", math.random(0, 0x7fffffff), tid or 0, seq % 0x1000,
    0x8000 + math.random(0, 0x3fff), seq)
end

function request()
  if mode == "get" then
    return wrk.format("GET", "/image/" .. id, { ["Accept"] = "application/json" })
  elseif mode == "post" then
    return wrk.format("POST", "/image", { ["Accept"] = "application/json", ["Content-Length"] = "0" })
  elseif mode == "ddb-get" then
    local body = string.format('{"TableName":"%s","Key":{"id":{"S":"%s"}},"ConsistentRead":true}', tbl, id)
    return wrk.format("POST", "/", ddb_headers("GetItem"), body)
  else
    local body = string.format('{"TableName":"%s","Item":{"id":{"S":"%s"},"version":{"N":"0"},"state":{"S":"created"},'
      .. '"created":{"N":"%d"}},"ConditionExpression":"attribute_not_exists(id)"}', tbl, new_id(), os.time() * 1000)
    return wrk.format("POST", "/", ddb_headers("PutItem"), body)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,'
    .. '"mean_us":%.1f,"max_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
