#!/usr/bin/env bash
# `make bench`: requests/s and p50/p99 latency of POST /ask (JSON and streaming) at a few
# concurrency levels, against a fast fake Azure OpenAI on loopback, plus parley's RSS idle and
# under load. Release builds, wrk as the load generator. Figures, not asserts; every run is bounded
# (DURATION seconds per level) and all traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-5}
LEVELS=${LEVELS:-"1 8 64"}

if ! command -v wrk >/dev/null 2>&1; then
  echo "bench: installing wrk (Debian package)"
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; else sudo -n apt-get install -y -qq wrk >/dev/null; fi
fi

echo "bench: building release binaries (the first build takes several minutes)"
for product in parley parley-fakes; do
  if ! swift build -c release --product "$product" >"${TMPDIR:-/tmp}/parley-bench-build.log" 2>&1; then
    cat "${TMPDIR:-/tmp}/parley-bench-build.log" >&2
    exit 1
  fi
done
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

"$bin/parley-fakes" openai --port 0 --delay-ms 0 --api-key bench-key >"$work/fake.out" 2>"$work/fake.err" &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$work/fake.out" 2>/dev/null && break; sleep 0.1; done
fake_port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/fake.out" | head -1)

port=$(free_port)
(cd "$work" && env -i PATH="$PATH" HOME="$HOME" HOST=127.0.0.1 PORT="$port" PARLEY_PUBLIC_DIR="$OLDPWD/Public" \
  OPENAI_API_BASE="http://127.0.0.1:$fake_port" OPENAI_API_KEY=bench-key DEPLOYMENT_NAME=gpt-35-turbo \
  LOG_LEVEL=warning "$bin/parley" serve >"$work/parley.log" 2>&1) &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
parley_pid=$(pgrep -f "$bin/parley serve" | head -1)

rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
echo
echo "parley $(git describe --always --dirty 2>/dev/null || echo dev), $(nproc) cores, ${DURATION}s per level, fake upstream on loopback with no delay"
echo "RSS idle: $(rss_mb "$parley_pid") MB"

cat >"$work/json.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"question":"How do I reset my password?"}'
LUA
cat >"$work/stream.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"question":"How do I reset my password?","stream":true}'
LUA

echo 0 >"$work/peak"
sample_rss() {
  while kill -0 "$parley_pid" 2>/dev/null; do
    kb=$(awk '/VmRSS/ {print $2}' "/proc/$parley_pid/status" 2>/dev/null || echo 0)
    if [ "$kb" -gt "$(cat "$work/peak")" ]; then echo "$kb" >"$work/peak"; fi
    sleep 0.2
  done
}
sample_rss &
pids+=($!)

to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.2f", v/1000; else if (v ~ /ms$/) printf "%.2f", v+0; else if (v ~ /s$/) printf "%.0f", v*1000; else print v }'; }

# One table: JSON and streaming /ask on 127.0.0.1:$1 at each concurrency level, DURATION seconds each.
load_table() {
  local target=$1 mode c threads out rps p50 p99 errors
  printf '\n%-10s %6s %12s %10s %10s %8s\n' "mode" "conns" "requests/s" "p50 ms" "p99 ms" "errors"
  for mode in json stream; do
    for c in $LEVELS; do
      threads=$(( c < 2 ? 1 : 2 ))
      out=$(wrk -t"$threads" -c"$c" -d"${DURATION}s" --timeout 10s --latency -s "$work/$mode.lua" "http://127.0.0.1:$target/ask" 2>&1)
      rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
      p50=$(awk '$1=="50%" {print $2}' <<<"$out")
      p99=$(awk '$1=="99%" {print $2}' <<<"$out")
      errors=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); errors=${errors:-0}
      printf '%-10s %6s %12s %10s %10s %8s\n' "$mode" "$c" "$rps" "$(to_ms "$p50")" "$(to_ms "$p99")" "$errors"
    done
  done
}

load_table "$port"
echo
echo "RSS after load: $(rss_mb "$parley_pid") MB, peak under load: $(awk '{printf "%.1f", $1/1024}' "$work/peak") MB"
echo "(every request above opened a new session: memory is bounded by PARLEY_MAX_SESSIONS=10000, least recently used first)"

# ---- The same load with the PostgreSQL session store (issue 6) ------------------------------------------------
# A throwaway local cluster (scripts/test-postgres.sh: loopback, fsync off) and a second parley with
# PARLEY_SESSION_STORE=postgres (the in-memory one stays up, idle). PostgreSQL shares the 2 cores with parley
# and wrk here, so the figures are for the store's overhead, not for a dedicated database server.
# Every /ask then costs 2-3 round trips to PostgreSQL (lease + insert/evict, then the turn). BENCH_POSTGRES=0 skips it.
if [ "${BENCH_POSTGRES:-1}" = 1 ]; then
  # Outside $work: the cluster runs as the postgres user, who cannot enter mktemp's private folder.
  pg_dir=$(mktemp -d -u "${TMPDIR:-/tmp}/parley-bench-postgres.XXXXXX")
  trap 'scripts/test-postgres.sh stop --dir "$pg_dir" >/dev/null 2>&1 || true; cleanup' EXIT
  if pg_env=$(scripts/test-postgres.sh start --dir "$pg_dir" 2>"$work/postgres.err"); then
    pg_port=$(free_port)
    (cd "$work" && exec env -i PATH="$PATH" HOME="$HOME" HOST=127.0.0.1 PORT="$pg_port" PARLEY_PUBLIC_DIR="$OLDPWD/Public" \
      OPENAI_API_BASE="http://127.0.0.1:$fake_port" OPENAI_API_KEY=bench-key DEPLOYMENT_NAME=gpt-35-turbo \
      PARLEY_SESSION_STORE=postgres PARLEY_POSTGRES_URL="${pg_env#export PARLEY_TEST_POSTGRES_URL=}" \
      LOG_LEVEL=warning "$bin/parley" serve >"$work/parley-postgres.log" 2>&1) &
    pg_parley_pid=$!
    pids+=("$pg_parley_pid")
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$pg_port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
    echo
    echo "PostgreSQL store (pool 10, local cluster on loopback, fsync off: an upper bound for a networked server)"
    echo "RSS idle: $(rss_mb "$pg_parley_pid") MB"
    load_table "$pg_port"
    echo
    echo "RSS after load: $(rss_mb "$pg_parley_pid") MB; sessions in PostgreSQL:" \
      "$(curl -fs "http://127.0.0.1:$pg_port/metrics" | awk '$1 == "parley_sessions" {print $2}')" \
      "(bounded by PARLEY_MAX_SESSIONS=10000 across all replicas)"
  else
    echo "bench: the PostgreSQL run is skipped: $(tail -1 "$work/postgres.err")"
  fi
fi
