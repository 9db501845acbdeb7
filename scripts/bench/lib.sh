# shellcheck shell=bash
# Helpers for scripts/bench.sh (sourced): processes, ports, /proc figures and wrk parsing.
# Every process started here is recorded in bench_pids and killed by bench_cleanup (the EXIT trap).

bench_pids=()

bench_cleanup() {
  local pid
  for pid in "${bench_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

# Installs Debian packages when their command is missing (a fresh machine): `ensure_command wrk wrk`.
apt_updated=0
ensure_command() {
  local cmd=$1; shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  echo "bench: installing $* (Debian packages)"
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq >/dev/null; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Waits up to 10 s for a TCP listener on 127.0.0.1:$1.
wait_port() {
  local _
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench: nothing listens on 127.0.0.1:$1" >&2
  return 1
}

# A foreground nginx with its own prefix directory (pid, logs and temp files inside it), killed by the
# trap. `start_nginx DIR` expects DIR/nginx.conf; sets nginx_pid (the master).
start_nginx() {
  local dir=$1
  mkdir -p "$dir/logs" "$dir/tmp"
  nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/logs/stdout" 2>&1 &
  nginx_pid=$!
  bench_pids+=("$nginx_pid")
}

# The master's worker processes, comma-separated.
nginx_workers() { pgrep -d, -P "$1"; }

# The common head of every nginx.conf here: root may run workers as root (else nginx wants `nobody`).
# `nginx_main WORKERS` prints it.
nginx_main() {
  if [ "$(id -u)" -eq 0 ]; then echo "user root;"; fi
  cat <<EOF
worker_processes $1;
worker_rlimit_nofile 16384;
pid nginx.pid;
error_log logs/error.log warn;
events { worker_connections 8192; }
EOF
}

# The http block's common settings: temp paths inside the prefix, no access log (it would cost the
# proxy CPU that parley does not spend), keep-alive for the clients.
nginx_http_common() {
  cat <<'EOF'
  access_log off;
  client_body_temp_path tmp/body;
  proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi;
  scgi_temp_path tmp/scgi;
  keepalive_requests 1000000;
  types { }
EOF
}

# Starts parley in the background: `start_parley LOG PORT VAR=VALUE...` (a clean environment plus the
# given variables), waits for /healthz, sets parley_pid. Its working directory is the bench's temp dir.
# work, repo and parley (the binary) are set by bench.sh.
# shellcheck disable=SC2154
start_parley() {
  local log=$1 port=$2; shift 2
  (cd "$work" && exec env -i PATH="$PATH" HOME="$HOME" HOST=127.0.0.1 PORT="$port" \
    PARLEY_PUBLIC_DIR="$repo/Public" LOG_LEVEL=warning "$@" "$parley" serve >"$log" 2>&1) &
  parley_pid=$!
  bench_pids+=("$parley_pid")
  local _
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "bench: parley did not start on port $port:" >&2
  tail -5 "$log" >&2
  return 1
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

# wrk's latency ("812.00us", "3.10ms", "1.20s") in milliseconds.
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.2f", v/1000; else if (v ~ /ms$/) printf "%.2f", v+0; else if (v ~ /s$/) printf "%.0f", v*1000; else print v }'; }

# Runs wrk and prints "requests/s p50_ms p99_ms errors" (errors: non-2xx plus socket errors).
# `wrk_figures THREADS CONNS LUA URL`.
wrk_figures() {
  local out rps p50 p99 errors
  out=$(wrk -t"$1" -c"$2" -d"${DURATION}s" --timeout 10s --latency -s "$3" "$4" 2>&1)
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$out")
  echo "${rps:-0} $(to_ms "${p50:-0}") $(to_ms "${p99:-0}") $errors"
}

# A wrk script that POSTs $2 as JSON: `post_lua FILE BODY`.
post_lua() {
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$2'
LUA
}
