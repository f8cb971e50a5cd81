# Sourced by the serving benchmarks: nginx answering `return 200 "hello\n"` on a free loopback port,
# the baseline each of them measures Warren against in the same run.
#   start_nginx OUT_DIR WORKERS   starts it (files in OUT_DIR) and sets $nginx_port
#   stop_nginx OUT_DIR            stops it (harmless when it is not running)
start_nginx() {
  local out=$1 workers=$2
  local nginx_bin
  nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
  [ -x "$nginx_bin" ] || { echo "$0: nginx not installed (scripts/deps.sh)" >&2; exit 1; }
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
  "$nginx_bin" -c "$out/nginx.conf" -p "$out" -e "$out/nginx-error.log"
}

stop_nginx() {
  [ -s "$1/nginx.pid" ] && kill "$(cat "$1/nginx.pid")" 2>/dev/null || true
}
