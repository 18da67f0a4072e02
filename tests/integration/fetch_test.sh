#!/usr/bin/env bash
# Resumable HTTPS downloads (module fetch, and `tollgate db update` once wired) against a real
# HTTPS server: nginx (Debian) on a loopback port with a throwaway CA made here by openssl,
# serving the shared OSV exports. Covers: a full download, a conditional re-download (304), a
# download killed half-way and resumed (Range + If-Range, 206), a part whose file changed on the
# server (If-Range mismatch, restart with 200), a corrupt zip, HTTP errors, an untrusted
# certificate and an unreachable server.
source "$(dirname "$0")/lib/assert.sh"

GET=$TOLLGATE_BUILD_DIR/tests/fetch_get
OSV=$TOLLGATE_SHARED_DATA/osv
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ]; then
  failed "nginx missing (scripts/deps.sh test installs nginx-light)"
  finish
  exit 1
fi

# ---- a throwaway CA and a server certificate for 127.0.0.1 --------------------------------------
PKI=$TMP/pki
mkdir -p "$PKI"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=tollgate test CA" \
  -keyout "$PKI/ca.key" -out "$PKI/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$PKI/server.key" -out "$PKI/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$PKI/ext.cnf"
openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
  -CAcreateserial -days 2 -extfile "$PKI/ext.cnf" -out "$PKI/server.pem" 2>/dev/null

# ---- the mirror tree and nginx -------------------------------------------------------------------
WWW=$TMP/www
mkdir -p "$WWW/osv/npm" "$WWW/osv/Maven" "$WWW/osv/Go" "$WWW/osv/Broken" "$WWW/osv/Text" "$WWW/slow/Go" "$TMP/nginx"
cp "$OSV/npm/all.zip" "$WWW/osv/npm/all.zip"
cp "$OSV/Maven/all.zip" "$WWW/osv/Maven/all.zip"
cp "$OSV/Go/all.zip" "$WWW/osv/Go/all.zip"
cp "$OSV/Go/all.zip" "$WWW/slow/Go/all.zip"
touch -r "$WWW/osv/Go/all.zip" "$WWW/slow/Go/all.zip"  # same ETag on both paths
head -c 6000 "$OSV/npm/all.zip" >"$WWW/osv/Broken/all.zip"
echo "not a zip" >"$WWW/osv/Text/all.zip"
chmod -R a+rX "$TMP"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$TMP/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 64; }
http {
  access_log $TMP/nginx/access.log;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  server {
    listen 127.0.0.1:$PORT ssl;
    ssl_certificate $PKI/server.pem;
    ssl_certificate_key $PKI/server.key;
    root $WWW;
    location /slow/ { limit_rate 100k; }
  }
}
CONF
"$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" -g 'daemon off;' 2>"$TMP/nginx/stderr" &
NGINX_PID=$!
trap 'kill $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null; chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 1 100); do
  curl -s --cacert "$PKI/ca.pem" -o /dev/null "https://127.0.0.1:$PORT/osv/npm/all.zip" && break
  sleep 0.1
done
BASE=https://127.0.0.1:$PORT
CA=$PKI/ca.pem
field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d.get(sys.argv[2], ""))' "$1" "$2"; }

# ---- full download, then 304 ----------------------------------------------------------------------
D=$TMP/cache
run_rc "$GET" "$BASE/osv/npm/all.zip" "$D/npm/all.zip" "$CA"
expect_eq "$RC" 0 "download npm all.zip"
expect_eq "$(field "$OUT" status)" 200 "first download is a 200"
cmp -s "$D/npm/all.zip" "$OSV/npm/all.zip" && pass "downloaded bytes are the served file" ||
  failed "downloaded file differs"
[ "$(field "$OUT" advisories)" -gt 0 ] && pass "the zip verifies ($(field "$OUT" advisories) advisories)" ||
  failed "zip did not verify: $OUT"
expect_eq "$(ls "$D/npm")" "$(printf 'all.zip\nall.zip.json')" "no .part left behind, validators kept"
run_rc "$GET" "$BASE/osv/npm/all.zip" "$D/npm/all.zip" "$CA"
expect_eq "$(field "$OUT" notModified)" True "second download is conditional (304)"
expect_eq "$(field "$OUT" status)" 304 "status 304"

# ---- killed half-way, then resumed --------------------------------------------------------------
"$GET" "$BASE/slow/Go/all.zip" "$D/Go/all.zip" "$CA" >/dev/null 2>&1 &
GET_PID=$!
for _ in $(seq 1 300); do
  size=$(stat -c %s "$D/Go/all.zip.part" 2>/dev/null || echo 0)
  [ "$size" -ge 200000 ] && break
  sleep 0.1
done
kill -9 $GET_PID 2>/dev/null || true
wait $GET_PID 2>/dev/null || true
part=$(stat -c %s "$D/Go/all.zip.part" 2>/dev/null || echo 0)
total=$(stat -c %s "$OSV/Go/all.zip")
[ "$part" -gt 0 ] && [ "$part" -lt "$total" ] && pass "killed download left a partial file ($part of $total bytes)" ||
  failed "no partial file after the kill ($part of $total)"
[ -f "$D/Go/all.zip.part.json" ] && pass "the part's validator was kept" || failed "no .part.json"
[ ! -f "$D/Go/all.zip" ] && pass "no half-written all.zip" || failed "all.zip exists after the kill"
run_rc "$GET" "$BASE/osv/Go/all.zip" "$D/Go/all.zip" "$CA"
expect_eq "$RC" 0 "resumed download succeeds"
expect_eq "$(field "$OUT" status)" 206 "resumed with a range request (206)"
expect_eq "$(field "$OUT" resumed)" True "reported as resumed"
expect_eq "$(field "$OUT" bytes)" "$((total - part))" "only the rest was transferred"
cmp -s "$D/Go/all.zip" "$OSV/Go/all.zip" && pass "resumed file is byte-identical" ||
  failed "resumed file differs"
grep -q '"GET /osv/Go/all.zip HTTP/1.1" 206' "$TMP/nginx/access.log" && pass "nginx served a 206" ||
  failed "no 206 in nginx's log"

# ---- a part of an older file: If-Range does not match, the download restarts ---------------------
mkdir -p "$D/npm2"
head -c 3000 /dev/urandom >"$D/npm2/all.zip.part"
echo '{"url": "x", "etag": "\"0-0\"", "lastModified": ""}' >"$D/npm2/all.zip.part.json"
run_rc "$GET" "$BASE/osv/npm/all.zip" "$D/npm2/all.zip" "$CA"
expect_eq "$(field "$OUT" status)" 200 "stale part: the server sends the whole file"
cmp -s "$D/npm2/all.zip" "$OSV/npm/all.zip" && pass "stale part replaced, file identical" ||
  failed "stale part was appended to"

# ---- corrupt zips, HTTP errors, TLS, unreachable -------------------------------------------------
run_rc "$GET" "$BASE/osv/Broken/all.zip" "$D/Broken/all.zip" "$CA"
expect_contains "$(field "$OUT" verifyError)" "Broken/all.zip" "a truncated zip fails verification"
run_rc "$GET" "$BASE/osv/Text/all.zip" "$D/Text/all.zip" "$CA"
expect_contains "$(field "$OUT" verifyError)" "not a readable zip" "a non-zip fails verification"
run_rc "$GET" "$BASE/osv/Nothing/all.zip" "$D/Nothing/all.zip" "$CA"
expect_eq "$RC" 2 "404 exits 2"
expect_contains "$OUT" "HTTP 404" "404 is named"
[ ! -e "$D/Nothing/all.zip" ] && pass "nothing written for a 404" || failed "404 wrote a file"
run_rc "$GET" "$BASE/osv/npm/all.zip" "$D/untrusted/all.zip"
expect_eq "$RC" 2 "untrusted certificate exits 2"
expect_contains "$OUT" "TLS failure" "untrusted certificate is a TLS failure"
CLOSED=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_rc "$GET" "https://127.0.0.1:$CLOSED/osv/npm/all.zip" "$D/off/all.zip" "$CA"
expect_eq "$RC" 2 "unreachable server exits 2"
expect_contains "$OUT" "cannot reach 127.0.0.1:$CLOSED (offline?)" "unreachable server is named"

# ---- tollgate db update: the same server as a mirror ----------------------------------------------
DB=sqlite:$TMP/db/tollgate.db
C=$TMP/dbcache
upd() { run_rc "$TOLLGATE" db update --mirror "$BASE/osv" --store "$DB" --cache-dir "$C" --ca-file "$CA" "$@"; }
state() { python3 -c 'import json,sys; print(" ".join("%s=%s" % (o["ecosystem"], o["state"]) for o in json.loads(sys.argv[1])))' "$1"; }
upd --ecosystem npm --ecosystem Maven -f json
expect_eq "$RC" 0 "db update npm Maven exits 0"
expect_eq "$(state "$OUT")" "npm=updated Maven=updated" "both exports downloaded and imported"
added=$(python3 -c 'import json,sys; print(sum(o["import"]["added"] for o in json.loads(sys.argv[1])))' "$OUT")
[ "$added" -gt 0 ] && pass "advisories imported ($added)" || failed "nothing imported: $OUT"
run_rc "$TOLLGATE" db status --store "$DB"
expect_contains "$OUT" "npm" "db status lists npm"
expect_contains "$OUT" "Maven" "db status lists Maven"
upd --ecosystem npm --ecosystem Maven -f json
expect_eq "$(state "$OUT")" "npm=up-to-date Maven=up-to-date" "second update: not modified, nothing imported"
upd --ecosystem npm
expect_eq "$RC" 0 "table output exits 0"
expect_contains "$OUT" "npm: up to date" "table says up to date"

# Killed mid-download and resumed by the next db update.
"$TOLLGATE" db update --mirror "$BASE/slow" --ecosystem Go --store "$DB" --cache-dir "$C" \
  --ca-file "$CA" -q >/dev/null 2>&1 &
UPD_PID=$!
for _ in $(seq 1 300); do
  size=$(stat -c %s "$C/Go/all.zip.part" 2>/dev/null || echo 0)
  [ "$size" -ge 200000 ] && break
  sleep 0.1
done
kill -9 $UPD_PID 2>/dev/null || true
wait $UPD_PID 2>/dev/null || true
[ -f "$C/Go/all.zip.part" ] && pass "db update killed mid-download left a .part" || failed "no .part after the kill"
upd --ecosystem Go -f json
expect_eq "$RC" 0 "db update resumes Go"
expect_eq "$(python3 -c 'import json,sys; o=json.loads(sys.argv[1])[0]; print(o["state"], o["resumed"], o["http_status"])' "$OUT")" \
  "updated True 206" "Go resumed (206) and imported"
cmp -s "$C/Go/all.zip" "$OSV/Go/all.zip" && pass "resumed export is byte-identical" || failed "resumed export differs"

# A corrupt export is not imported, not kept, and exits 2.
upd --ecosystem Broken
expect_eq "$RC" 2 "corrupt export exits 2"
expect_contains "$ERR" "not imported" "corrupt export is named"
[ ! -e "$C/Broken/all.zip" ] && pass "corrupt export not kept" || failed "corrupt export kept"
upd --ecosystem Missing
expect_eq "$RC" 2 "missing export exits 2"
expect_contains "$ERR" "HTTP 404" "missing export: HTTP 404"

# Offline: one line, exit 2.
run_rc "$TOLLGATE" db update --mirror "https://127.0.0.1:$CLOSED" --store "$DB" --cache-dir "$C"
expect_eq "$RC" 2 "offline exits 2"
expect_eq "$(wc -l <<<"$ERR")" 1 "offline: one line"
expect_contains "$ERR" "cannot reach 127.0.0.1:$CLOSED (offline?)" "offline message"
run_rc "$TOLLGATE" db update --mirror "file:///tmp" --store "$DB" --cache-dir "$C"
expect_eq "$RC" 2 "a file:// mirror is a usage error"
run_rc "$TOLLGATE" db update --ecosystem ../x --store "$DB" --cache-dir "$C"
expect_eq "$RC" 2 "an ecosystem that climbs is a usage error"
run_rc "$TOLLGATE" db update --help
expect_contains "$OUT" "--mirror" "db update --help"

finish
