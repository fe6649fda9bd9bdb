# bench_lib.sh — what the wrk benchmarks share (sourced, not run):
#   free_port              a free TCP port on 127.0.0.1
#   summary FILE           wrk output → "req/s p50 p99"
#   non2xx FILE            wrk's count of non-2xx answers (0 when none)
#   nginx_start DIR BODY   nginx in the foreground (background job) on a free
#                          port answering `return 200 BODY` with one worker
#                          per core, access log off; sets NGINX_PORT, NGINX_PID
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}
summary() { awk '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {print r, p50, p99}' "$1"; }
non2xx() { grep -o 'Non-2xx or 3xx responses: [0-9]*' "$1" | grep -o '[0-9]*$' || echo 0; }
nginx_start() {
	local dir=$1 body=$2
	NGINX_PORT=$(free_port)
	mkdir -p "$dir"
	cat >"$dir/nginx.conf" <<NGX
worker_processes $(nproc);
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir;
  uwsgi_temp_path $dir; scgi_temp_path $dir;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { default_type application/json; return 200 '$body'; }
  }
}
NGX
	nginx -c "$dir/nginx.conf" -p "$dir" -g 'daemon off;' &
	NGINX_PID=$!
	sleep 0.5
}
