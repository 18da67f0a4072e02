#!/usr/bin/env bash
# TLS interception: `tollgate ca init/show`, then `tollgate proxy --ca --policy` in front of real
# TLS servers on loopback (nginx and a small Python echo server, both with certificates from a
# test CA that the proxy gets as --upstream-ca), driven by curl with and without the proxy's CA
# trusted. Real host names are pinned to loopback with --resolve.
source "$(dirname "$0")/lib/assert.sh"

skip_unless_tools nginx curl python3 openssl

source "$(dirname "$0")/lib/servers.sh"

# --- the CA -----------------------------------------------------------------------------------
run_rc "$TOLLGATE" ca --help
expect_contains "$OUT" "init" "ca --help lists init"
run_rc "$TOLLGATE" ca init --help
expect_contains "$OUT" "--days" "ca init --help"
run_rc "$TOLLGATE" ca init --dir "$TMP/ca" --days 30
expect_eq "$RC" 0 "ca init"
expect_eq "$(stat -c %a "$TMP/ca/ca.key") $(stat -c %a "$TMP/ca/leaf.key") $(stat -c %a "$TMP/ca")" \
  "600 600 700" "private keys 0600, directory 0700"
run_rc "$TOLLGATE" ca init --dir "$TMP/ca"
expect_eq "$RC" 2 "ca init refuses to replace a CA without --force"
run_rc "$TOLLGATE" ca show --dir "$TMP/ca" --format json
expect_eq "$RC" 0 "ca show"
REF_FP=$(openssl x509 -in "$TMP/ca/ca.pem" -noout -fingerprint -sha256 | cut -d= -f2)
expect_eq "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["sha256"])' <<<"$OUT")" "$REF_FP" \
  "fingerprint as openssl computes it"
expect_contains "$(openssl x509 -in "$TMP/ca/ca.pem" -noout -text)" "CA:TRUE, pathlen:0" "a CA certificate"
run_rc "$TOLLGATE" ca show --dir "$TMP/ca"
expect_contains "$OUT" "$TMP/ca/ca.pem" "ca show names the PEM to install"
run_rc "$TOLLGATE" ca show --dir "$TMP/nowhere"
expect_eq "$RC" 2 "ca show without a CA: exit 2"
run_rc "$TOLLGATE" ca init --dir "$TMP/ca-nc" --permit example.com --key rsa
expect_contains "$(openssl x509 -in "$TMP/ca-nc/ca.pem" -noout -text)" "DNS:example.com" "name constraints"

# --- upstreams: a test CA's certificate for the vendor names; an untrusted one for evil.test ---
chmod 755 "$TMP"
mkdir -p "$TMP/www" "$TMP/logs" "$TMP/ngtmp"
head -c 1000 /dev/urandom | base64 -w0 >"$TMP/www/1k"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=upstream-test-ca \
  -keyout "$TMP/up-ca.key" -out "$TMP/up-ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=secure.test -keyout "$TMP/srv.key" \
  -out "$TMP/srv.csr" 2>/dev/null
printf 'subjectAltName=DNS:secure.test,DNS:pinned.test,DNS:redact.test\n' >"$TMP/san.ext"
openssl x509 -req -in "$TMP/srv.csr" -CA "$TMP/up-ca.pem" -CAkey "$TMP/up-ca.key" \
  -CAcreateserial -days 2 -extfile "$TMP/san.ext" -out "$TMP/srv.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=evil.test \
  -addext subjectAltName=DNS:evil.test -keyout "$TMP/evil.key" -out "$TMP/evil.pem" 2>/dev/null
TLS_PORT=$(free_port)
EVIL_PORT=$(free_port)
ECHO_PORT=$(free_port)
start_nginx "
  log_format reuse '\$ssl_session_reused';
  access_log off;
  server {
    listen 127.0.0.1:$TLS_PORT ssl;
    ssl_certificate $TMP/srv.pem; ssl_certificate_key $TMP/srv.key;
    access_log $TMP/logs/reuse.log reuse;
    root $TMP/www;
    location /post { client_max_body_size 10m; return 200 \"posted\n\"; }
  }
  server {
    listen 127.0.0.1:$EVIL_PORT ssl;
    ssl_certificate $TMP/evil.pem; ssl_certificate_key $TMP/evil.key;
    root $TMP/www;
  }"
# The echo server answers a POST with its body: what the vendor received, after redaction.
python3 - "$ECHO_PORT" "$TMP/srv.pem" "$TMP/srv.key" <<'EOF' &
import http.server, ssl, sys
class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):  # a body that ends with the connection (no length, no chunking)
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"until-eof\n")
        self.close_connection = True
    def log_message(self, *a):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Echo)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
EOF
PIDS+=($!)
wait_port "$TLS_PORT" || { echo "nginx did not start"; cat "$TMP/logs/nginx-error.log"; exit 1; }
wait_port "$ECHO_PORT" || { echo "echo server did not start"; exit 1; }

# --- the policy: which vendors are inspected -------------------------------------------------
cat >"$TMP/policy.yaml" <<'EOF'
vendors:
  - name: Secure Vendor
    domains: [secure.test]
    allowed: [email]
    tls: inspect
  - name: Evil
    domains: [evil.test]
    tls: inspect
  - name: Pinned App
    domains: [pinned.test]
    tls: passthrough
  - name: Redact Co
    domains: [redact.test]
    tls: inspect
rules:
  - action: block
    vendor: Redact Co
    classes: [credit_card]
    reason: no card numbers to Redact Co
  - action: redact
    vendor: Redact Co
    classes: [email]
    reason: e-mail addresses are masked for Redact Co
EOF

STORE="sqlite:$TMP/tollgate.db"
PROXY_PORT=$(free_port)
METRICS_PORT=$(free_port)
run_rc "$TOLLGATE" proxy --listen "127.0.0.1:$PROXY_PORT" --ca "$TMP/nowhere" --store "$STORE"
expect_eq "$RC" 2 "--ca without a CA: exit 2"
run_rc "$TOLLGATE" proxy --listen "127.0.0.1:$PROXY_PORT" --ca "$TMP/ca" --upstream-ca "$TMP/none.pem" --store "$STORE"
expect_eq "$RC" 2 "--upstream-ca missing: exit 2"
"$TOLLGATE" proxy --listen "127.0.0.1:$PROXY_PORT" --store "$STORE" --policy "$TMP/policy.yaml" \
  --ca "$TMP/ca" --upstream-ca "$TMP/up-ca.pem" \
  --resolve "secure.test=127.0.0.1:$TLS_PORT" --resolve "pinned.test=127.0.0.1:$TLS_PORT" \
  --resolve "evil.test=127.0.0.1:$EVIL_PORT" --resolve "redact.test=127.0.0.1:$ECHO_PORT" \
  --metrics "127.0.0.1:$METRICS_PORT" --io-timeout 2 --idle-timeout 5 2>"$TMP/proxy.err" &
PROXY_PID=$!
PIDS+=($PROXY_PID)
wait_port "$PROXY_PORT" || { echo "proxy did not start"; cat "$TMP/proxy.err"; exit 1; }
X=(-x "http://127.0.0.1:$PROXY_PORT")
TRUST=(--cacert "$TMP/ca/ca.pem")
# Optional reference capture of the clients' ClientHellos (needs capture rights on lo).
start_capture "$PROXY_PORT"

# Intercepted: the client sees the page through a certificate the proxy minted.
run_rc curl -sS -v "${X[@]}" "${TRUST[@]}" https://secure.test/1k -o "$TMP/got"
expect_eq "$RC" 0 "intercepted HTTPS with the proxy CA trusted"
expect_eq "$(cmp "$TMP/got" "$TMP/www/1k" && echo same)" same "page unchanged"
expect_contains "$ERR" "issuer: O=tollgate; CN=tollgate interception CA" "certificate minted by the proxy CA"
expect_contains "$ERR" "subjectAltName: host \"secure.test\" matched" "SAN is the host"
expect_contains "$ERR" "ALPN: server accepted http/1.1" "ALPN: http/1.1 only"
run_rc curl -sS -v "${X[@]}" "${TRUST[@]}" https://secure.test/1k https://secure.test/1k?again \
  -o /dev/null -o /dev/null
expect_contains "$ERR" "Re-using existing connection" "keep-alive inside the intercepted tunnel"
# Personal data in a query string, a JSON body and a gzip body, classified as for plain HTTP.
curl -sS "${X[@]}" "${TRUST[@]}" -o /dev/null "https://secure.test/1k?email=jane.doe%40example.com&x=1"
curl -sS "${X[@]}" "${TRUST[@]}" -o /dev/null https://secure.test/post \
  -H 'Content-Type: application/json' -d '{"name":"Jane","card":"4111 1111 1111 1111"}'
printf '{"iban":"GB82 WEST 1234 5698 7654 32"}' | gzip -c >"$TMP/body.gz"
run_rc curl -sS "${X[@]}" "${TRUST[@]}" https://secure.test/post -H 'Content-Encoding: gzip' \
  -H 'Content-Type: application/json' --data-binary @"$TMP/body.gz"
expect_eq "$OUT" "posted" "gzip POST through the intercepted tunnel"
# A large body streams through both TLS legs (Expect: 100-continue, then 3 MB; then chunked).
head -c 3000000 /dev/urandom >"$TMP/big"
run_rc curl -sS -v "${X[@]}" "${TRUST[@]}" https://secure.test/post --data-binary @"$TMP/big"
expect_eq "$OUT" "posted" "3 MB POST through the intercepted tunnel"
expect_contains "$ERR" "HTTP/1.1 100 Continue" "100 Continue inside the tunnel"
run_rc curl -sS "${X[@]}" "${TRUST[@]}" https://secure.test/post -H 'Transfer-Encoding: chunked' \
  --data-binary @"$TMP/big"
expect_eq "$OUT" "posted" "3 MB chunked POST through the intercepted tunnel"

# Without the proxy CA the client refuses the minted certificate.
run_rc curl -sS "${X[@]}" https://secure.test/1k?untrusted=1 -o /dev/null
expect_eq "$RC" 60 "client without the proxy CA: certificate verification fails (curl 60)"
# Passthrough (pinned clients): the server's own certificate, the proxy CA is not needed.
run_rc curl -sS -v "${X[@]}" --cacert "$TMP/up-ca.pem" https://pinned.test/1k -o "$TMP/got-pinned"
expect_eq "$RC" 0 "passthrough host works with only the server's CA"
expect_contains "$ERR" "issuer: CN=upstream-test-ca" "passthrough: the server's own certificate"
# An upstream with an untrusted certificate: the client gets a 502 naming the reason.
run_rc curl -sS "${X[@]}" "${TRUST[@]}" https://evil.test/1k -w '%{http_code}'
expect_contains "$OUT" "502" "untrusted upstream: 502"
expect_contains "$OUT" "not trusted" "untrusted upstream: the reason"
# A response body that runs to the end of the connection ends cleanly (close_notify) for the client.
run_rc curl -sS "${X[@]}" "${TRUST[@]}" https://redact.test/eof
expect_eq "$RC:$OUT" "0:until-eof" "body until close through the intercepted tunnel"

# Policy verdicts over intercepted TLS: redact (the vendor receives a masked value) and block.
run_rc curl -sS "${X[@]}" "${TRUST[@]}" https://redact.test/echo -H 'Content-Type: application/json' \
  -d '{"contact":"jane.doe@example.com","n":1}'
expect_eq "$RC" 0 "redacted POST through the intercepted tunnel"
expect_not_contains "$OUT" "jane.doe@example.com" "redact: the vendor did not receive the address"
expect_contains "$OUT" '"n":1' "redact: the rest of the body arrived"
printf '{"contact":"jane.doe@example.com","n":1}' | gzip -c >"$TMP/contact.gz"
run_rc curl -sS "${X[@]}" "${TRUST[@]}" https://redact.test/echo -H 'Content-Type: application/json' \
  -H 'Content-Encoding: gzip' --data-binary @"$TMP/contact.gz" -o "$TMP/contact.out"
expect_eq "$RC" 0 "redacted gzip POST through the intercepted tunnel"
expect_eq "$(python3 -c 'import gzip,sys; print(gzip.decompress(open(sys.argv[1],"rb").read()).decode())' "$TMP/contact.out")" \
  '{"contact":"[REDACTED]","n":1}' "redact inside gzip: the vendor received gzip without the address"
run_rc curl -sS "${X[@]}" "${TRUST[@]}" https://redact.test/echo -w '%{http_code}' \
  -d 'card=4111111111111111'
expect_contains "$OUT" "403" "block: 403 inside the intercepted tunnel"

# Bad input on the TLS leg: a truncated record, a client vanishing mid-handshake, a stalled one.
python3 - "$PROXY_PORT" <<'EOF'
import socket, ssl, sys, time
port = int(sys.argv[1])
def tunnel():
    s = socket.create_connection(("127.0.0.1", port), 5)
    s.sendall(b"CONNECT secure.test:443 HTTP/1.1\r\nHost: secure.test:443\r\n\r\n")
    assert s.recv(1024).startswith(b"HTTP/1.1 200")
    return s
def hello():
    ctx = ssl.create_default_context()
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="secure.test")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()
h = hello()
s = tunnel(); s.sendall(h[:40]); s.close()                  # truncated ClientHello record
s = tunnel(); s.sendall(h); s.close()                       # gone right after its hello
s = tunnel(); s.sendall(h); s.recv(100); s.sendall(b"\x16\x03\x03\x40\x00" + b"x" * 10); s.close()
stalled = tunnel(); stalled.sendall(h)                      # says nothing more
time.sleep(0.2)
stalled.close()
EOF
run_rc curl -sS "${X[@]}" "${TRUST[@]}" https://secure.test/1k -o /dev/null -w '%{http_code}'
expect_eq "$OUT" 200 "other connections unaffected by broken TLS clients"

[ -n "$TSHARK_PID" ] && { sleep 0.5; kill -INT "$TSHARK_PID"; wait "$TSHARK_PID" 2>/dev/null || true; }
run_rc curl -sS "http://127.0.0.1:$METRICS_PORT/metrics"
expect_eq "$(awk '/^tollgate_proxy_intercepted_total /{print ($2 >= 8)} /^tollgate_proxy_certificates_minted_total /{print $2}' <<<"$OUT" | tr '\n' ' ')" \
  "1 3 " "metrics: intercepted tunnels; 3 certificates minted (secure.test, evil.test, redact.test)"
kill -TERM "$PROXY_PID"
wait "$PROXY_PID" 2>/dev/null
expect_eq "$?" 0 "proxy exits 0 on SIGTERM"

run_rc "$TOLLGATE" flows --store "$STORE" --format json
expect_eq "$RC" 0 "flows --format json"
FLOWS="$OUT"
q() { python3 -c "import json,sys; fl=json.load(sys.stdin)['flows']; $1" <<<"$FLOWS"; }
expect_eq "$(q 'print(sum(1 for f in fl if f["kind"]=="https" and f["host"]=="secure.test" and f.get("status")==200) >= 6)')" \
  True "requests inside the tunnel recorded as https flows"
expect_eq "$(q 'print(any(f["kind"]=="https" and f["url"]=="https://secure.test/1k?again" and f["method"]=="GET" for f in fl))')" \
  True "URL path and method of an intercepted request"
for want in "email url" "credit_card body" "iban body:gzip"; do
  set -- $want
  expect_eq "$(q "print(any(f['kind']=='https' and '$1' in f['classes'] and any(w.startswith('$2') for w in f['classes']['$1']['where']) for f in fl))")" \
    True "intercepted: $1 found in $2"
done
expect_eq "$(q 'print(all(f.get("intercepted") and f.get("sni")=="secure.test" and f.get("ja4","").startswith("t13") for f in fl if f["kind"]=="https" and f["host"]=="secure.test"))')" \
  True "intercepted flows carry SNI and the ClientHello's JA4"
expect_eq "$(q 'print(any(f["kind"]=="connect" and f.get("intercepted") and "rejected the interception certificate" in f.get("error","") and f["verdict"]=="error" for f in fl))')" \
  True "client without the CA: the tunnel flow records the rejection"
expect_eq "$(q 'print([(f.get("intercepted",False), f.get("sni")) for f in fl if f["host"]=="pinned.test"])')" \
  "[(False, 'pinned.test')]" "passthrough tunnel: not intercepted, SNI recorded"
expect_eq "$(q 'print(any(f["kind"]=="https" and f["host"]=="evil.test" and f.get("status")==502 and "not trusted" in f.get("error","") for f in fl))')" \
  True "untrusted upstream: the request flow records the error"
expect_eq "$(q 'print(sorted(f["verdict"] for f in fl if f["kind"]=="https" and f["host"]=="redact.test" and f["method"]=="POST"))')" \
  "['block', 'redact', 'redact']" "redact and block verdicts on intercepted flows"
expect_eq "$(q 'print([(f["status"], f["bytes_down"], f.get("error","")) for f in fl if f["url"]=="https://redact.test/eof"])')" \
  "[(200, 10, '')]" "body until close: complete, no error (upstream closed without close_notify)"
expect_eq "$(q 'print(any("client closed during the TLS handshake" in f.get("error","") for f in fl))')" \
  True "client vanishing mid-handshake recorded"
expect_eq "$(q 'print(any("jane.doe@example.com" in json.dumps(f) for f in fl))')" False "only masked samples stored"
# Each curl run is a new tunnel and a new upstream connection: after the first, the proxy resumes
# its TLS session with nginx.
expect_eq "$(grep -c '^r$' "$TMP/logs/reuse.log" | awk '{print ($1 >= 5)}')" 1 \
  "upstream TLS sessions resumed (nginx \$ssl_session_reused)"
# The intercepted tunnels' SNI and JA3 are those tshark decodes from the same ClientHellos
# (Debian 12's tshark has no JA4; JA4 is checked against FoxIO's outputs in tls_hello_test).
if [ -n "$TSHARK_PID" ] && [ -s "$TMP/cap.pcapng" ]; then
  REF=$(tshark -r "$TMP/cap.pcapng" -Y 'tls.handshake.type == 1' -T fields \
    -e tls.handshake.extensions_server_name -e tls.handshake.ja3 2>/dev/null | sort -u)
  OURS=$(q 'print("\n".join(sorted(set(f["sni"]+"\t"+f["ja3"] for f in fl if f["kind"]=="connect" and f.get("ja3")))))')
  expect_eq "$OURS" "$REF" "SNI and JA3 of every tunnel, intercepted or not, equal tshark's decode"
  expect_eq "$(q 'print(len(set(f["ja4"] for f in fl if f.get("intercepted") and f["kind"]=="connect")) >= 2)')" \
    True "intercepted tunnels from curl and Python: distinct JA4s recorded"
else
  echo "note: no capture on lo (tshark missing or not permitted): tshark comparison skipped"
fi

finish
