-- GET <url> with "If-None-Match: $BENCH_ETAG" (the JWKS 304 path).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
wrk.method = "GET"
wrk.headers["If-None-Match"] = os.getenv("BENCH_ETAG")
function init(args) statuses = {} end
function response(status, headers, body) count_status(status) end
