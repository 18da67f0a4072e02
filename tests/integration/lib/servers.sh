# Sourced after lib/assert.sh by tests that start servers of their own on loopback: each started
# process's PID goes into PIDS (stopped with SIGTERM, then waited for, at exit, before $TMP is
# removed); free_port picks an unused port; wait_port waits until something listens on one.
PIDS=()
cleanup_procs() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap 'cleanup_procs; chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # wait_port PORT: until something listens on 127.0.0.1:PORT (10 s at most)
  local i
  for i in $(seq 200); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# start_nginx HTTP_BODY [NAME [CONNECTIONS]]: writes $TMP/NAME.conf (default NAME nginx: one
# worker in the foreground with CONNECTIONS connections, default 256; pid $TMP/NAME.pid, error log
# $TMP/logs/NAME-error.log, temp paths under $TMP) with HTTP_BODY inside its http block, starts
# nginx and records its PID. The caller waits for its ports.
start_nginx() {
  local name=${2:-nginx}
  mkdir -p "$TMP/logs" "$TMP/ngtmp"
  cat >"$TMP/$name.conf" <<NGINX
worker_processes 1;
daemon off;
pid $TMP/$name.pid;
error_log $TMP/logs/$name-error.log warn;
events { worker_connections ${3:-256}; }
http {
  client_body_temp_path $TMP/ngtmp; proxy_temp_path $TMP/ngtmp; fastcgi_temp_path $TMP/ngtmp;
  uwsgi_temp_path $TMP/ngtmp; scgi_temp_path $TMP/ngtmp;
$1
}
NGINX
  nginx -e "$TMP/logs/$name-error.log" -c "$TMP/$name.conf" &
  PIDS+=($!)
}

# start_capture PORT: an optional reference capture of loopback traffic to PORT into
# $TMP/cap.pcapng with tshark (needs capture rights on lo). Sets TSHARK_PID, empty when tshark is
# missing or cannot capture; the caller stops it with SIGINT and reads the file.
start_capture() {
  TSHARK_PID=""
  command -v tshark >/dev/null || return 0
  tshark -q -i lo -f "tcp port $1" -w "$TMP/cap.pcapng" 2>"$TMP/tshark.err" &
  TSHARK_PID=$!
  for _ in $(seq 100); do grep -q Capturing "$TMP/tshark.err" 2>/dev/null && break; sleep 0.05; done
  grep -q Capturing "$TMP/tshark.err" || { kill "$TSHARK_PID" 2>/dev/null; TSHARK_PID=""; }
  return 0
}
