#!/usr/bin/env bash
# HTTP front-end benchmark: wrk on loopback (keep-alive, 16 connections) against
#   - warren's front end with a C handler answering "hello\n" (tests/serve/test_server.c, /hello),
#   - the same server running the answer as a task on a fiber through the wasi io.h streams
#     (/task/sleep/0: no guest code, the per-request task + WASI ctx + stream plumbing),
#   - nginx `return 200 "hello\n"`,
# in the same run, alternating ROUNDS times; prints the best req/s of each and the ratios to nginx.
#
#   bash bench/serve.sh [BUILD_DIR]          (default: build; needs BUILD_DIR/serve_test_server)
#   ROUNDS=5 DURATION=10 WORKERS=2 bash bench/serve.sh build
# Needs wrk and nginx (scripts/deps.sh installs them). Build without sanitizers for real figures.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
server="$build/serve_test_server"
rounds="${ROUNDS:-3}"
duration="${DURATION:-5}"
workers="${WORKERS:-$(nproc)}"
out="$build/bench-serve"
mkdir -p "$out"
[ -x "$server" ] || { echo "serve.sh: $server not found; build Warren first" >&2; exit 1; }
command -v wrk >/dev/null || { echo "serve.sh: wrk not installed (scripts/deps.sh)" >&2; exit 1; }
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$nginx_bin" ] || { echo "serve.sh: nginx not installed (scripts/deps.sh)" >&2; exit 1; }

nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$out/nginx.conf" <<CONF
worker_processes $workers;
pid $out/nginx.pid;
error_log $out/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $out/tmp-body;
  proxy_temp_path $out/tmp-proxy;
  fastcgi_temp_path $out/tmp-fastcgi;
  uwsgi_temp_path $out/tmp-uwsgi;
  scgi_temp_path $out/tmp-scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { return 200 "hello\n"; }
  }
}
CONF

server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -s "$out/nginx.pid" ] && kill "$(cat "$out/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT
"$nginx_bin" -c "$out/nginx.conf" -p "$out" -e "$out/nginx-error.log"
"$server" --workers "$workers" > "$out/server.out" &
server_pid=$!
for _ in $(seq 50); do grep -q '^port ' "$out/server.out" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^port /{print $2}' "$out/server.out")
[ -n "$port" ] || { echo "serve.sh: the test server did not start" >&2; exit 1; }

# Requests per second of one wrk run.
rps() {
  wrk -t2 -c16 -d"${duration}s" "$1" | awk '/^Requests\/sec:/ { printf "%d", $2 }'
}

declare -A best=([warren]=0 [warren_task]=0 [nginx]=0)
declare -A url=([warren]="http://127.0.0.1:$port/hello" [warren_task]="http://127.0.0.1:$port/task/sleep/0"
                [nginx]="http://127.0.0.1:$nginx_port/")
for r in $(seq "$rounds"); do
  for name in nginx warren warren_task; do
    v=$(rps "${url[$name]}")
    echo "round $r  $name  $v req/s"
    [ "${v:-0}" -gt "${best[$name]}" ] && best[$name]=$v
  done
done
echo "best of $rounds (wrk -t2 -c16 -d${duration}s, $workers workers):"
awk -v n="${best[nginx]}" -v w="${best[warren]}" -v t="${best[warren_task]}" 'BEGIN {
  if (n == 0) n = 1
  printf "  nginx return 200        %8d req/s\n", n
  printf "  warren C handler        %8d req/s  %.2f x nginx\n", w, w / n
  printf "  warren task + streams   %8d req/s  %.2f x nginx\n", t, t / n
}'
