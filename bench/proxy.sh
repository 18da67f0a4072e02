#!/usr/bin/env bash
# tollgate proxy against squid and tinyproxy (plain HTTP) on the same loopback load, in one run:
# nginx serves a 1 KB file, wrk sends absolute-form requests through each proxy (a Lua script sets
# the target), and the same load goes direct for the baseline. Then the idle-connection test:
# 10,000 keep-alive connections held open through tollgate, its resident memory measured.
#
#   bench/proxy.sh [BUILD_DIR]      (default: build; needs nginx, wrk; squid and tinyproxy optional)
#   env: DURATION=10s CONNS=100 THREADS=2 IDLE=10000 PACE_MS=20 (0: no paced run)
#        TG_ARGS="--no-process ..." (extra tollgate proxy options)
#
# Printed per row: requests/s, p50 and p99 latency, the ratio to direct, and the p99 latency the
# proxy adds over direct. tollgate runs observe-only (flows recorded, bodies and URLs classified,
# processes looked up) with flows going to a store under the temp dir. Everything runs on
# 127.0.0.1 and is stopped by PID at the end.
#
# Then intercepted HTTPS: nginx with TLS (EC P-256 certificate from a test CA), reached through
# tollgate --ca (policy `tls_default: inspect`) and through mitmdump (its own CA, upstream verified
# against the same test CA), same load, same client: bench/https_load.cpp (built here with g++),
# since wrk cannot send HTTPS through a proxy. Keep-alive tunnels (one handshake per connection,
# then requests), and one new tunnel and handshake per request.
#   env: TLS_CONNS=50 TLS_DURATION=10s TLS_ONLY=1 (skip the plain-HTTP and idle parts)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
tollgate=$build/tollgate
DURATION=${DURATION:-10s} CONNS=${CONNS:-100} THREADS=${THREADS:-2} IDLE=${IDLE:-10000}
TLS_CONNS=${TLS_CONNS:-50} TLS_DURATION=${TLS_DURATION:-10s} TLS_ONLY=${TLS_ONLY:-}
[ -x "$tollgate" ] || { echo "bench: $tollgate not built" >&2; exit 2; }
for t in nginx wrk python3; do command -v $t >/dev/null || { echo "bench: $t not installed" >&2; exit 2; }; done

D=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-bench-proxy.XXXXXX")
chmod 755 "$D"; mkdir -p "$D/www" "$D/logs" "$D/ngtmp"; chmod 777 "$D/logs"
# The integration tests' server helpers: PIDS (stopped at exit, then $TMP removed), free_port,
# wait_port, start_nginx.
TMP=$D
# shellcheck source=../tests/integration/lib/servers.sh
source "$here/tests/integration/lib/servers.sh"
listening() { wait_port "$1" || { echo "bench: nothing listens on $1" >&2; return 1; }; }

head -c 768 /dev/urandom | base64 -w0 >"$D/www/1k"
NGINX_PORT=$(free_port)
CLOSE_PORT=$(free_port)
start_nginx "  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$NGINX_PORT; root $D/www; }
  # For the idle test: answers with Connection: close, so only the client side stays open.
  server { listen 127.0.0.1:$CLOSE_PORT; root $D/www; keepalive_timeout 0; }" nginx 4096
listening "$NGINX_PORT"

NAMES=(direct) ADDRS=("")
TG_PORT=$(free_port)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
# shellcheck disable=SC2086  # TG_ARGS: extra proxy options to find where time goes (--no-process)
"$tollgate" proxy --listen "127.0.0.1:$TG_PORT" --store "sqlite:$D/flows.db" ${TG_ARGS:-} \
  2>"$D/logs/tollgate.err" &
TG_PID=$!; PIDS+=($TG_PID)
listening "$TG_PORT"; NAMES+=(tollgate); ADDRS+=("127.0.0.1:$TG_PORT")
if command -v squid >/dev/null; then
  SQ_PORT=$(free_port)
  cat >"$D/squid.conf" <<EOF
http_port 127.0.0.1:$SQ_PORT
acl lo src 127.0.0.1/32
http_access allow lo
http_access deny all
cache deny all
cache_mem 0 MB
pid_filename $D/logs/squid.pid
cache_log $D/logs/squid-cache.log
access_log none
cache_store_log none
coredump_dir $D/logs
pinger_enable off
dns_nameservers 127.0.0.1
shutdown_lifetime 1 seconds
max_filedescriptors 8192
EOF
  squid -N -f "$D/squid.conf" >"$D/logs/squid.out" 2>&1 & PIDS+=($!)
  listening "$SQ_PORT" && { NAMES+=(squid); ADDRS+=("127.0.0.1:$SQ_PORT"); }
fi
if command -v tinyproxy >/dev/null; then
  TP_PORT=$(free_port)
  printf 'User nobody\nGroup nogroup\nListen 127.0.0.1\nPort %s\nTimeout 600\nMaxClients 1000\nAllow 127.0.0.1\nLogLevel Error\nDisableViaHeader Yes\n' \
    "$TP_PORT" >"$D/tinyproxy.conf"
  tinyproxy -d -c "$D/tinyproxy.conf" >"$D/logs/tinyproxy.out" 2>&1 & PIDS+=($!)
  listening "$TP_PORT" && { NAMES+=(tinyproxy); ADDRS+=("127.0.0.1:$TP_PORT"); }
fi

cat >"$D/abs.lua" <<'EOF'
local target = os.getenv("WRK_TARGET")
if target then
  wrk.path = target
  wrk.headers["Host"] = target:match("^%a+://([^/]+)")
end
function done(s, lat)
  local e = s.errors
  io.write(string.format("RESULT %.1f %.3f %.3f %d\n", s.requests / (s.duration / 1e6),
    lat:percentile(50) / 1000, lat:percentile(99) / 1000, e.connect + e.write + e.timeout + e.status))
end
EOF
ORIGIN=http://127.0.0.1:$NGINX_PORT/1k
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo ?)"
echo "load: wrk -t$THREADS -c$CONNS -d$DURATION, 1 KB file from nginx on loopback (wrk shares the CPUs)"
printf '%-10s %10s %9s %9s %8s %12s %7s\n' proxy req/s p50_ms p99_ms ratio p99_added_ms errors
base_rps="" base_p99=""
[ -n "$TLS_ONLY" ] && NAMES=() && IDLE=0
for i in "${!NAMES[@]}"; do
  if [ -z "${ADDRS[$i]}" ]; then out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$D/abs.lua" "$ORIGIN")
  else out=$(WRK_TARGET=$ORIGIN wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$D/abs.lua" "http://${ADDRS[$i]}/"); fi
  read -r rps p50 p99 err < <(echo "$out" | awk '/^RESULT/{print $2, $3, $4, $5}')
  [ -z "$base_rps" ] && base_rps=$rps base_p99=$p99
  eval "rps_${NAMES[$i]}=$rps"
  printf '%-10s %10.0f %9.2f %9.2f %8.3f %12.2f %7s\n' "${NAMES[$i]}" "$rps" "$p50" "$p99" \
    "$(awk -v a="$rps" -v b="$base_rps" 'BEGIN{print a/b}')" \
    "$(awk -v a="$p99" -v b="$base_p99" 'BEGIN{print a-b}')" "$err"
done
if [ -n "${rps_squid:-}" ]; then
  echo "tollgate / squid throughput: $(awk -v a="$rps_tollgate" -v b="$rps_squid" 'BEGIN{printf "%.2f", a/b}') (goal >= 1.5)"
fi

# Latency added at a fixed offered load: the same 100 connections, each pausing PACE_MS between
# requests (wrk's delay()), so every proxy serves the same rate below its saturation and p99 shows
# the time the proxy adds rather than the queueing of a saturated machine.
if [ "${#NAMES[@]}" -gt 0 ] && [ "${PACE_MS:-20}" -gt 0 ]; then
  PACE_MS=${PACE_MS:-20}
  { cat "$D/abs.lua"; printf 'function delay() return %s end\n' "$PACE_MS"; } >"$D/paced.lua"
  echo "paced: wrk -t$THREADS -c$CONNS -d$DURATION, each connection one request per $PACE_MS ms" \
    "(offered $((CONNS * 1000 / PACE_MS)) req/s)"
  printf '%-10s %10s %9s %9s %12s %7s\n' proxy req/s p50_ms p99_ms p99_added_ms errors
  paced_p99=""
  for i in "${!NAMES[@]}"; do
    if [ -z "${ADDRS[$i]}" ]; then out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$D/paced.lua" "$ORIGIN")
    else out=$(WRK_TARGET=$ORIGIN wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$D/paced.lua" "http://${ADDRS[$i]}/"); fi
    read -r rps p50 p99 err < <(echo "$out" | awk '/^RESULT/{print $2, $3, $4, $5}')
    [ -z "$paced_p99" ] && paced_p99=$p99
    printf '%-10s %10.0f %9.2f %9.2f %12.2f %7s\n' "${NAMES[$i]}" "$rps" "$p50" "$p99" \
      "$(awk -v a="$p99" -v b="$paced_p99" 'BEGIN{print a-b}')" "$err"
  done
  echo "goal: tollgate adds < 1 ms at p99"
fi

# Idle keep-alive connections: each sends one request, then stays open.
if [ "$IDLE" -gt 0 ]; then
rss() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
before=$(rss "$TG_PID")
python3 - "$TG_PORT" "http://127.0.0.1:$CLOSE_PORT/1k" "$IDLE" <<'EOF' &
import socket, sys, time, resource
port, origin, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 1000), hard))
socks = []
req = f"GET {origin} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(req)
    socks.append(s)
for s in socks:
    s.recv(65536)
print(f"OPEN {len(socks)}", flush=True)
time.sleep(8)
EOF
HOLDER=$!
sleep 1
for _ in $(seq 120); do
  n=$(ls /proc/$TG_PID/fd | wc -l)
  [ "$n" -ge "$((IDLE + 10))" ] && break
  sleep 0.5
done
sleep 2
after=$(rss "$TG_PID")
fds=$(ls /proc/$TG_PID/fd | wc -l)
echo "idle: $IDLE keep-alive connections (after one request each): tollgate RSS $((before / 1024)) MB -> $((after / 1024)) MB with $fds open descriptors (goal < 500 MB)"
wait "$HOLDER" 2>/dev/null || true
fi

# --- intercepted HTTPS: tollgate --ca next to mitmproxy --------------------------------------
if ! command -v g++ >/dev/null || ! command -v mitmdump >/dev/null; then
  echo "intercepted HTTPS: skipped (needs g++ and mitmdump)"
  exit 0
fi
LOAD=$build/bench-tools/https_load
if [ ! -x "$LOAD" ] || [ "$here/bench/https_load.cpp" -nt "$LOAD" ]; then
  mkdir -p "$build/bench-tools"
  g++ -O2 -std=c++20 -o "$LOAD" "$here/bench/https_load.cpp" -lssl -lcrypto -pthread
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=bench-upstream-ca -keyout "$D/up-ca.key" -out "$D/up-ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
  -keyout "$D/srv.key" -out "$D/srv.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$D/san.ext"
openssl x509 -req -in "$D/srv.csr" -CA "$D/up-ca.pem" -CAkey "$D/up-ca.key" -CAcreateserial \
  -days 2 -extfile "$D/san.ext" -out "$D/srv.pem" 2>/dev/null
TLS_PORT=$(free_port)
start_nginx "  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$TLS_PORT ssl;
    ssl_certificate $D/srv.pem; ssl_certificate_key $D/srv.key;
    root $D/www;
  }" nginx-tls 4096
listening "$TLS_PORT"

"$tollgate" ca init --dir "$D/ca" >/dev/null
printf 'tls_default: inspect\nvendors:\n  - name: Bench\n    domains: [localhost]\n    tls: inspect\n' >"$D/inspect.yaml"
TGS_PORT=$(free_port)
"$tollgate" proxy --listen "127.0.0.1:$TGS_PORT" --store "sqlite:$D/tls-flows.db" \
  --policy "$D/inspect.yaml" --ca "$D/ca" --upstream-ca "$D/up-ca.pem" 2>"$D/logs/tollgate-tls.err" &
PIDS+=($!)
listening "$TGS_PORT"
MP_PORT=$(free_port)
mitmdump -q --listen-host 127.0.0.1 --listen-port "$MP_PORT" --set confdir="$D/mitm" \
  --set ssl_verify_upstream_trusted_ca="$D/up-ca.pem" >"$D/logs/mitmdump.out" 2>&1 &
PIDS+=($!)
listening "$MP_PORT"

tls_secs=${TLS_DURATION%s}
echo "intercepted HTTPS: https_load -c$TLS_CONNS -d$TLS_DURATION, GET /1k from nginx (TLS, EC P-256) through CONNECT; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %10s %9s %9s %7s\n' proxy req/s p50_ms p99_ms errors
tls_row() { # NAME ARGS...: one run of the client; sets tls_<name> to its requests/s
  local name=$1 rps p50 p99 err
  shift
  read -r rps p50 p99 err < <("$LOAD" -c "$TLS_CONNS" -d "$tls_secs" --connect "127.0.0.1:$TLS_PORT" \
    --sni localhost --path /1k "$@" | awk '/^RESULT/{print $2, $3, $4, $5}')
  printf '%-22s %10.0f %9.2f %9.2f %7s\n' "$name" "$rps" "$p50" "$p99" "$err"
  printf -v "tls_${name//\//_}" '%s' "$rps"
}
for mode in keepalive newconn; do
  extra=()
  [ $mode = newconn ] && extra=(--new-conn)
  tls_row "direct/$mode" --direct --cacert "$D/up-ca.pem" "${extra[@]}"
  tls_row "tollgate/$mode" --proxy "127.0.0.1:$TGS_PORT" --cacert "$D/ca/ca.pem" "${extra[@]}"
  tls_row "mitmproxy/$mode" --proxy "127.0.0.1:$MP_PORT" \
    --cacert "$D/mitm/mitmproxy-ca-cert.pem" "${extra[@]}"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", (b > 0 ? a / b : 0)}'; }
echo "tollgate / mitmproxy, keep-alive tunnels: $(ratio "$tls_tollgate_keepalive" "$tls_mitmproxy_keepalive") (goal >= 20)"
echo "tollgate / mitmproxy, new tunnel per request: $(ratio "$tls_tollgate_newconn" "$tls_mitmproxy_newconn")"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
