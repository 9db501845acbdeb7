#!/usr/bin/env bash
# `make bench`: figures, not asserts, for POST /ask on loopback. One run prints, each section skippable:
#   1. floor (BENCH_FLOOR)      nginx as a reverse proxy vs parley JSON and SSE, same canned upstream (issue 11)
#   2. streams (BENCH_STREAMS)  500 concurrent slow streams through nginx and through parley (issues 9, 11)
#   3. soak (BENCH_SOAK)        parley's RSS at 10k and 100k keep-alive requests with a full session LRU (issue 9)
#   4. table (BENCH_TABLE)      requests/s and p50/p99 at LEVELS connections, in-memory session store
#   5. postgres (BENCH_POSTGRES) the same table with the PostgreSQL session store (issue 6)
#   6. failover (BENCH_FAILOVER) two fakes behind PARLEY_BACKENDS_FILE, the primary answering 429 to half its
#                               requests: the share of 429s clients see and the latency failover adds (issue 15)
#   7. documents (BENCH_DOCS)   a 10,000-passage corpus indexed by Parley (scan, split, hash, FTS5) vs the sqlite3
#                               shell loading the same files into an FTS5 table: time and peak RSS (issue 14)
# BIN=/path/to/parley measures another build (parley-fakes is still built here). DURATION (default 8)
# seconds per wrk run; every load loop is bounded in count and time, and all traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
here=$repo/scripts/bench
# shellcheck source=scripts/bench/lib.sh
. "$here/lib.sh"

DURATION=${DURATION:-8}
LEVELS=${LEVELS:-"1 8 64"}
STREAM_CLIENTS=${STREAM_CLIENTS:-500}
STREAM_TIMEOUT=${STREAM_TIMEOUT:-60}
SOAK_MAX_SECONDS=${SOAK_MAX_SECONDS:-120}
QUESTION='How do I reset my password?'
JSON_BODY="{\"question\":\"$QUESTION\"}"
SSE_BODY="{\"question\":\"$QUESTION\",\"stream\":true}"
on() { [ "${!1:-1}" = 1 ]; }

ensure_command wrk wrk
if on BENCH_FLOOR || on BENCH_STREAMS; then ensure_command nginx nginx-light; fi

# ---- Binaries ------------------------------------------------------------------------------------------------
# parley-fakes only for the sections against the fast fake; parley unless BIN names one.
products=()
if on BENCH_SOAK || on BENCH_TABLE || on BENCH_POSTGRES || on BENCH_FAILOVER; then products+=(parley-fakes); fi
if [ -z "${BIN:-}" ]; then products+=(parley); fi
if on BENCH_DOCS; then products+=(parley-eval); ensure_command sqlite3 sqlite3; ensure_command /usr/bin/time time; fi
bin=$repo/.build/release
if [ "${#products[@]}" -gt 0 ]; then
  echo "bench: building release binaries (${products[*]}; the first build takes several minutes)"
  for product in "${products[@]}"; do
    if ! swift build -c release --product "$product" >"${TMPDIR:-/tmp}/parley-bench-build.log" 2>&1; then
      cat "${TMPDIR:-/tmp}/parley-bench-build.log" >&2
      exit 1
    fi
  done
  bin=$(swift build -c release --show-bin-path)
fi
parley=$(realpath "${BIN:-$bin/parley}")
fakes=$bin/parley-fakes

work=$(mktemp -d)
trap 'bench_cleanup; rm -rf "$work"' EXIT

# 500 streams need 500 client sockets plus 500 upstream ones in the server (and as many in nginx).
if [ "$(ulimit -n)" -lt 4096 ]; then ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"; fi

echo
echo "parley bench: $(git describe --always --dirty 2>/dev/null || echo dev), $(nproc) cores, ${DURATION}s per wrk run"
echo "parley binary: $parley${BIN:+ (BIN)}"

post_lua "$work/json.lua" "$JSON_BODY"
post_lua "$work/stream.lua" "$SSE_BODY"

# ---- The fast fake Azure OpenAI (soak, table, postgres) -----------------------------------------------------
fake_port=""
start_fake() {
  "$fakes" openai --port 0 --delay-ms 0 --api-key bench-key >"$work/fake.out" 2>"$work/fake.err" &
  bench_pids+=($!)
  local _
  for _ in $(seq 100); do grep -q "listening on" "$work/fake.out" 2>/dev/null && break; sleep 0.1; done
  fake_port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/fake.out" | head -1)
}

# ---- nginx: the canned upstream (fast and slow) and the reverse proxy in front of it (floor, streams) ----------
# Two nginx instances so that the proxy's CPU and memory can be counted apart from the upstream's.
# The upstream has 1 worker; the proxy has `worker_processes auto` (one per core, as parley's event loops).
up_fast="" up_slow="" proxy_fast="" proxy_slow="" proxy_pid=""
start_nginx_pair() {
  up_fast=$(free_port) up_slow=$(free_port) proxy_fast=$(free_port) proxy_slow=$(free_port)
  mkdir -p "$work/upstream/html"
  # The canned Azure stream: 20 content chunks, ~10 KB. nginx answers POST to a static file with 405, which
  # error_page turns into a 200 with the file (the redirect is internal and made as GET).
  python3 "$here/canned_stream.py" "$work/upstream/html/stream.sse" 20
  # limit_rate 2k: the ~10 KB stream takes ~5 s, a slow model's answer.
  # shellcheck disable=SC2016 # \$uri is nginx's variable, not the shell's.
  local static='root html; location / { try_files /stream.sse =404; } error_page 405 =200 $uri;'
  { nginx_main 1; cat <<EOF
http {
$(nginx_http_common)
  default_type text/event-stream;
  server { listen 127.0.0.1:$up_fast backlog=4096; $static }
  server { listen 127.0.0.1:$up_slow backlog=4096; limit_rate 2k; $static }
}
EOF
  } >"$work/upstream/nginx.conf"
  start_nginx "$work/upstream"
  mkdir -p "$work/proxy"
  local pass='proxy_http_version 1.1; proxy_set_header Connection "";'
  { nginx_main auto; cat <<EOF
http {
$(nginx_http_common)
  upstream fast { server 127.0.0.1:$up_fast; keepalive 64; }
  upstream slow { server 127.0.0.1:$up_slow; keepalive 512; }
  server { listen 127.0.0.1:$proxy_fast backlog=4096; location / { proxy_pass http://fast; $pass } }
  server { listen 127.0.0.1:$proxy_slow backlog=4096; location / { proxy_pass http://slow; $pass proxy_buffering off; } }
}
EOF
  } >"$work/proxy/nginx.conf"
  start_nginx "$work/proxy"
  proxy_pid=$nginx_pid
  wait_port "$up_fast" && wait_port "$up_slow" && wait_port "$proxy_fast" && wait_port "$proxy_slow"
  # A check that the upstream answers a POST with the whole stream, as Azure would.
  local got
  got=$(curl -s -X POST -H 'Content-Type: application/json' -d '{}' \
    "http://127.0.0.1:$proxy_fast/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" | grep -c '^data: ' || true)
  echo "nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'): canned upstream answers POST with $got events ($(wc -c <"$work/upstream/html/stream.sse") bytes);" \
    "proxy worker_processes auto ($(nginx_workers "$proxy_pid" | tr ',' '\n' | wc -l) workers), upstream 1 worker"
}

# Parley against nginx's canned upstream on port $1: `parley_on_nginx PORT LOG` sets parley_port and parley_pid.
parley_on_nginx() {
  parley_port=$(free_port)
  start_parley "$2" "$parley_port" OPENAI_API_BASE="http://127.0.0.1:$1" OPENAI_API_KEY=bench-key DEPLOYMENT_NAME=gpt-4o
}

# ---- 1. Floor ---------------------------------------------------------------------------------------------------
# What does parley cost over the cheapest thing that could sit in its place? nginx proxying the same upstream is
# that floor: parley's ratio to it is the figure of issue 11.
section_floor() {
  echo
  echo "== 1. Floor: nginx reverse proxy vs parley, canned upstream answering at once (wrk -t2 -c64, ${DURATION}s each)"
  local nginx_rps row
  printf '%-22s %12s %10s %10s %8s %10s\n' "target" "requests/s" "p50 ms" "p99 ms" "errors" "vs nginx"
  read -r nginx_rps p50 p99 errors < <(wrk_figures 2 64 "$work/json.lua" "http://127.0.0.1:$proxy_fast/ask")
  printf '%-22s %12s %10s %10s %8s %10s\n' "nginx proxy" "$nginx_rps" "$p50" "$p99" "$errors" "1.00x"
  parley_on_nginx "$up_fast" "$work/parley-floor.log"
  for mode in json stream; do
    read -r rps p50 p99 errors < <(wrk_figures 2 64 "$work/$mode.lua" "http://127.0.0.1:$parley_port/ask")
    row=$([ "$mode" = json ] && echo "parley JSON" || echo "parley SSE")
    printf '%-22s %12s %10s %10s %8s %10s\n' "$row" "$rps" "$p50" "$p99" "$errors" \
      "$(awk -v a="$rps" -v b="$nginx_rps" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')"
  done
  stop_pid "$parley_pid"
}

# ---- 2. 500 slow streams -----------------------------------------------------------------------------------------
# Each stream holds an upstream connection for ~5 s. A server that queues upstream requests behind a small
# per-host pool (AsyncHTTPClient's default 8) finishes only a few within the timeout; nginx opens one each.
section_streams() {
  echo
  echo "== 2. $STREAM_CLIENTS concurrent slow streams (~5 s each, ${STREAM_TIMEOUT}s limit), one SSE POST per client"
  printf '%-22s %12s %8s %10s %14s %12s  %s\n' "server" "completed" "wall s" "CPU s" "peak RSS MB" "bytes/stream" "failures"
  local result
  result=$(python3 "$here/streams.py" --url "http://127.0.0.1:$proxy_slow/ask" --body "$SSE_BODY" \
    --clients "$STREAM_CLIENTS" --timeout "$STREAM_TIMEOUT" \
    --cpu-pids "$proxy_pid,$(nginx_workers "$proxy_pid")" --rss-pids "$(nginx_workers "$proxy_pid")")
  stream_row "nginx proxy" "$result"
  parley_on_nginx "$up_slow" "$work/parley-streams.log"
  result=$(python3 "$here/streams.py" --url "http://127.0.0.1:$parley_port/ask" --body "$SSE_BODY" \
    --clients "$STREAM_CLIENTS" --timeout "$STREAM_TIMEOUT" --cpu-pids "$parley_pid" --rss-pids "$parley_pid")
  stream_row "parley SSE" "$result"
  stop_pid "$parley_pid"
  echo "(nginx: CPU of master and workers, RSS of the workers; parley: PARLEY_UPSTREAM_CONNECTIONS left at its default)"
}

# `stream_row NAME "completed=.. clients=.. wall=.. cpu=.. peak_rss_mb=.. failed=.."` prints one row.
stream_row() {
  local completed clients wall cpu rss failed bytes
  eval "$(tr ' ' '\n' <<<"$2" | grep -E '^(completed|clients|wall|cpu|peak_rss_mb|median_bytes|failed)=' |
    sed 's/^peak_rss_mb=/rss=/; s/^median_bytes=/bytes=/')"
  printf '%-22s %12s %8s %10s %14s %12s  %s\n' "$1" "$completed/$clients" "$wall" "$cpu" "$rss" "$bytes" "$failed"
}

# ---- 3. Keep-alive soak -----------------------------------------------------------------------------------------
# With PARLEY_MAX_SESSIONS=1000 the session LRU is full after the first thousand requests; from then on memory
# must stay flat. Two keep-alive connections (wrk -t1 -c2) post JSON /ask; a wrk Lua hook stops the run after N
# responses, and -d (SOAK_MAX_SECONDS) bounds it in time. RSS is read after 10k and after 100k requests.
section_soak() {
  echo
  echo "== 3. Keep-alive soak: 2 connections, JSON /ask, PARLEY_MAX_SESSIONS=1000, fast fake upstream"
  cat >"$work/count.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$JSON_BODY'
local done, limit = 0, 0
function init(args) limit = tonumber(args[1]) end
function response(status, headers, body)
  done = done + 1
  -- wrk's main thread sleeps for -d whatever its threads do; SIGINT (sent from outside system(), which
  -- ignores it while it waits) cuts that sleep short and wrk prints its figures.
  if done == limit then wrk.thread:stop(); os.execute("(sleep 0.2; kill -INT \$PPID) &") end
end
LUA
  local port sent total target rss10 rss100 n10
  port=$(free_port)
  start_parley "$work/parley-soak.log" "$port" OPENAI_API_BASE="http://127.0.0.1:$fake_port" OPENAI_API_KEY=bench-key \
    DEPLOYMENT_NAME=gpt-35-turbo PARLEY_MAX_SESSIONS=1000
  echo "RSS idle: $(rss_mb "$parley_pid") MB"
  total=0
  for target in 10000 100000; do
    sent=$(wrk -t1 -c2 -d"${SOAK_MAX_SECONDS}s" --timeout 10s -s "$work/count.lua" "http://127.0.0.1:$port/ask" -- \
      $((target - total)) 2>&1 | awk '/requests in/ {print $1}')
    total=$((total + ${sent:-0}))
    local rss; rss=$(rss_mb "$parley_pid")
    if [ "$target" = 10000 ]; then rss10=$rss n10=$total; else rss100=$rss; fi
    printf 'after %6s requests (parley_http_requests_total %s): RSS %s MB\n' "$total" \
      "$(curl -fs "http://127.0.0.1:$port/metrics" | awk '$1 ~ /^parley_http_requests_total/ {n += $2} END {print n + 0}')" "$rss"
  done
  # A slow machine may not reach 100k within SOAK_MAX_SECONDS: the counts above say how far it got.
  echo "difference $n10 -> $total requests: $(awk -v a="$rss10" -v b="$rss100" 'BEGIN { printf "%+.1f", b - a }') MB (target: within 10 MB from 10k to 100k)"
  stop_pid "$parley_pid"
}

# ---- 4. Table: in-memory store at LEVELS connections --------------------------------------------------------------
# One table: JSON and streaming /ask on 127.0.0.1:$1 at each concurrency level, DURATION seconds each.
load_table() {
  local target=$1 mode c threads
  printf '\n%-10s %6s %12s %10s %10s %8s\n' "mode" "conns" "requests/s" "p50 ms" "p99 ms" "errors"
  for mode in json stream; do
    for c in $LEVELS; do
      threads=$(( c < 2 ? 1 : 2 ))
      read -r rps p50 p99 errors < <(wrk_figures "$threads" "$c" "$work/$mode.lua" "http://127.0.0.1:$target/ask")
      printf '%-10s %6s %12s %10s %10s %8s\n' "$mode" "$c" "$rps" "$p50" "$p99" "$errors"
    done
  done
}

# Peak RSS of $1 while the table runs, sampled every 0.2 s into $work/peak until the process or the table ends.
sample_peak() {
  echo 0 >"$work/peak"
  while kill -0 "$1" 2>/dev/null && [ ! -e "$work/table-done" ]; do
    kb=$(awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0)
    if [ "$kb" -gt "$(cat "$work/peak")" ]; then echo "$kb" >"$work/peak"; fi
    sleep 0.2
  done
}

section_table() {
  echo
  echo "== 4. In-memory session store, fast fake upstream, ${DURATION}s per level"
  local port sampler
  port=$(free_port)
  start_parley "$work/parley.log" "$port" OPENAI_API_BASE="http://127.0.0.1:$fake_port" OPENAI_API_KEY=bench-key \
    DEPLOYMENT_NAME=gpt-35-turbo
  echo "RSS idle: $(rss_mb "$parley_pid") MB"
  rm -f "$work/table-done"
  sample_peak "$parley_pid" & sampler=$!
  bench_pids+=("$sampler")
  load_table "$port"
  touch "$work/table-done"; wait "$sampler" 2>/dev/null || true
  echo
  echo "RSS after load: $(rss_mb "$parley_pid") MB, peak under load: $(awk '{printf "%.1f", $1/1024}' "$work/peak") MB"
  echo "(every request above opened a new session: memory is bounded by PARLEY_MAX_SESSIONS=10000, least recently used first)"
  stop_pid "$parley_pid"
}

# ---- 5. The same table with the PostgreSQL session store (issue 6) ------------------------------------------------
# A throwaway local cluster (scripts/test-postgres.sh: loopback, fsync off) and parley with
# PARLEY_SESSION_STORE=postgres. PostgreSQL shares the cores with parley and wrk here, so the figures are for the
# store's overhead, not for a dedicated database server. Every /ask then costs 2-3 round trips to PostgreSQL.
section_postgres() {
  # Outside $work: the cluster runs as the postgres user, who cannot enter mktemp's private folder.
  pg_dir=$(mktemp -d -u "${TMPDIR:-/tmp}/parley-bench-postgres.XXXXXX")
  trap 'scripts/test-postgres.sh stop --dir "$pg_dir" >/dev/null 2>&1 || true; bench_cleanup; rm -rf "$work"' EXIT
  echo
  local pg_env port
  if ! pg_env=$(scripts/test-postgres.sh start --dir "$pg_dir" 2>"$work/postgres.err"); then
    echo "== 5. PostgreSQL store: skipped: $(tail -1 "$work/postgres.err")"
    return 0
  fi
  echo "== 5. PostgreSQL store (pool 10, local cluster on loopback, fsync off: an upper bound for a networked server)"
  port=$(free_port)
  start_parley "$work/parley-postgres.log" "$port" OPENAI_API_BASE="http://127.0.0.1:$fake_port" \
    OPENAI_API_KEY=bench-key DEPLOYMENT_NAME=gpt-35-turbo \
    PARLEY_SESSION_STORE=postgres PARLEY_POSTGRES_URL="${pg_env#export PARLEY_TEST_POSTGRES_URL=}"
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  echo "RSS idle: $(rss_mb "$parley_pid") MB"
  load_table "$port"
  echo
  echo "RSS after load: $(rss_mb "$parley_pid") MB; sessions in PostgreSQL:" \
    "$(curl -fs "http://127.0.0.1:$port/metrics" | awk '$1 == "parley_sessions" {print $2}')" \
    "(bounded by PARLEY_MAX_SESSIONS=10000 across all replicas)"
  stop_pid "$parley_pid"
}

# ---- 6. Failover between two backends (issue 15) ----------------------------------------------------------------
# Two fakes behind PARLEY_BACKENDS_FILE: the primary (priority 1) answers every second request 429 with
# retry-after-ms FAILOVER_RETRY_MS, the secondary (priority 2) always answers. The baseline is the same parley
# against one healthy fake. Printed: the share of /ask answers that were 429 (target 0 while the secondary has
# room), the failovers parley counted, and p50/p99 against the baseline. FAILOVER_CONNS connections, DURATION s each.
section_failover() {
  local conns=${FAILOVER_CONNS:-8} retry_ms=${FAILOVER_RETRY_MS:-100}
  echo
  echo "== 6. Failover: primary 429 on half its requests (retry-after-ms $retry_ms), secondary healthy, $conns connections, ${DURATION}s each"
  local primary_port secondary_port port file base_rps base_p50 base_p99 base_err rps p50 p99 errors total limited failovers
  "$fakes" openai --port 0 --delay-ms 0 --api-key bench-key --rate-limit-every 2 --retry-after-ms "$retry_ms" \
    >"$work/primary.out" 2>"$work/primary.err" &
  bench_pids+=($!)
  "$fakes" openai --port 0 --delay-ms 0 --api-key bench-key >"$work/secondary.out" 2>"$work/secondary.err" &
  bench_pids+=($!)
  local _
  for _ in $(seq 100); do
    grep -q "listening on" "$work/primary.out" 2>/dev/null && grep -q "listening on" "$work/secondary.out" 2>/dev/null && break
    sleep 0.1
  done
  primary_port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/primary.out" | head -1)
  secondary_port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/secondary.out" | head -1)

  port=$(free_port)
  start_parley "$work/parley-baseline.log" "$port" OPENAI_API_BASE="http://127.0.0.1:$secondary_port" OPENAI_API_KEY=bench-key \
    DEPLOYMENT_NAME=gpt-35-turbo
  read -r base_rps base_p50 base_p99 base_err < <(wrk_figures 2 "$conns" "$work/json.lua" "http://127.0.0.1:$port/ask")
  stop_pid "$parley_pid"

  file=$work/backends.json
  cat >"$file" <<JSON
{"deployments": {"gpt-35-turbo": [
  {"endpoint": "http://127.0.0.1:$primary_port", "priority": 1, "api_key_env": "BENCH_KEY"},
  {"endpoint": "http://127.0.0.1:$secondary_port", "priority": 2, "api_key_env": "BENCH_KEY"}]}}
JSON
  port=$(free_port)
  start_parley "$work/parley-failover.log" "$port" PARLEY_BACKENDS_FILE="$file" BENCH_KEY=bench-key
  read -r rps p50 p99 errors < <(wrk_figures 2 "$conns" "$work/json.lua" "http://127.0.0.1:$port/ask")
  local metrics; metrics=$(curl -fs "http://127.0.0.1:$port/metrics")
  total=$(awk '$1 ~ /^parley_http_requests_total/ && $1 ~ /route="\/ask"/ {n += $2} END {print n + 0}' <<<"$metrics")
  limited=$(awk '$1 ~ /^parley_http_requests_total/ && $1 ~ /route="\/ask"/ && $1 ~ /status="429"/ {n += $2} END {print n + 0}' <<<"$metrics")
  failovers=$(awk '$1 ~ /^parley_backend_failovers_total/ {n += $2} END {print n + 0}' <<<"$metrics")
  stop_pid "$parley_pid"

  printf '\n%-22s %12s %10s %10s %8s\n' "run" "requests/s" "p50 ms" "p99 ms" "errors"
  printf '%-22s %12s %10s %10s %8s\n' "one healthy endpoint" "$base_rps" "$base_p50" "$base_p99" "$base_err"
  printf '%-22s %12s %10s %10s %8s\n' "failover pool" "$rps" "$p50" "$p99" "$errors"
  echo
  echo "answers: $total, client-visible 429s: $limited ($(awk -v a="$limited" -v b="$total" 'BEGIN { printf "%.2f", b ? 100 * a / b : 0 }') %; target 0), failovers: $failovers"
  echo "added latency: p50 $(awk -v a="$p50" -v b="$base_p50" 'BEGIN { printf "%+.2f", a - b }') ms, p99 $(awk -v a="$p99" -v b="$base_p99" 'BEGIN { printf "%+.2f", a - b }') ms"
}

# ---- 7. Documents: 10,000 passages --------------------------------------------------------------------------------
# Parley's indexing (walk, read, split along headings, hash, one transaction per file into FTS5) against the floor:
# the sqlite3 shell reading the same files into an FTS5 table with the same tokenizer, whole files, no splitting.
BENCH_PASSAGES=${BENCH_PASSAGES:-10000}
section_docs() {
  echo
  echo "== 7. documents: $BENCH_PASSAGES passages (issue 14)"
  local corpus=$work/corpus
  "$bin/parley-eval" --bench "$BENCH_PASSAGES" --corpus "$corpus"
  local sql="CREATE VIRTUAL TABLE t USING fts5(name, body, tokenize='porter unicode61');
INSERT INTO t SELECT name, CAST(data AS TEXT) FROM fsdir('$corpus') WHERE name LIKE '%.md';
SELECT count(*) FROM t;"
  local start end rss
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/sqlite3.rss" sqlite3 :memory: "$sql" >/dev/null
  end=$(date +%s.%N)
  rss=$(awk '{ printf "%d", $1 / 1024 }' "$work/sqlite3.rss")
  echo "reference, sqlite3 $(sqlite3 --version | cut -d' ' -f1) shell, same files into FTS5 (whole files): $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s, peak RSS $rss MiB"
}

if on BENCH_FLOOR || on BENCH_STREAMS; then start_nginx_pair; fi
if on BENCH_SOAK || on BENCH_TABLE || on BENCH_POSTGRES; then start_fake; fi
if on BENCH_FLOOR; then section_floor; fi
if on BENCH_STREAMS; then section_streams; fi
if on BENCH_SOAK; then section_soak; fi
if on BENCH_TABLE; then section_table; fi
if on BENCH_POSTGRES; then section_postgres; fi
if on BENCH_FAILOVER; then section_failover; fi
if on BENCH_DOCS; then section_docs; fi
