#!/usr/bin/env bash
# `tollgate diff` (issue #5) on two releases of a small Windows app built here with mingw-w64 and
# signed with osslsigncode (tests/data/integrity/build_releases.sh): the trojanized second release
# (the 3CX pattern: payload inside d3dcompiler_47.dll's certificate table, new code in ffmpeg.dll
# under the old version, an XOR-encoded C2 URL, a different signer) raises every rule, while
# `osslsigncode verify` still calls the padded DLL valid; a clean rebuild and a clean update raise
# nothing. Also: archives as inputs, JSON and SARIF, --fail-on, the YAML config, YARA, bad input.
source "$(dirname "$0")/lib/assert.sh"

skip_unless_tools x86_64-w64-mingw32-gcc osslsigncode openssl python3 zip

# The releases take ~20 s to build: cached under the build directory, keyed by the script.
R=$(cached_fixture integrity-releases "$TOLLGATE_SOURCE_DIR/tests/data/integrity/build_releases.sh")

ids() { python3 -c 'import json,sys; print(" ".join(sorted(f["id"]+"@"+f["subject"] for f in json.load(sys.stdin)["findings"])))'; }

# --- The trojanized release --------------------------------------------------------------------
run_rc "$TOLLGATE" diff "$R/r1" "$R/r2-trojan"
expect_eq "$RC" 0 "diff without --fail-on exits 0"
expect_eq "$(head -n1 <<<"$OUT")" \
  "8 findings, 1 critical: d3dcompiler_47.dll carries 281 KB after its signature" \
  "the human summary comes first"

run_rc "$TOLLGATE" diff "$R/r1" "$R/r2-trojan" --format json
expect_eq "$RC" 0 "json exit code"
got=$(ids <<<"$OUT")
for want in \
  authenticode-slack@AcmeChat/d3dcompiler_47.dll \
  signed-unsigned-region-changed@AcmeChat/d3dcompiler_47.dll \
  high-entropy-blob@AcmeChat/d3dcompiler_47.dll \
  changed-without-version-bump@AcmeChat/ffmpeg.dll \
  bundled-third-party-changed@AcmeChat/ffmpeg.dll \
  new-sensitive-imports@AcmeChat/ffmpeg.dll \
  new-network-indicator@AcmeChat/ffmpeg.dll \
  signer-changed@AcmeChat/AcmeChat.exe; do
  expect_contains " $got " " $want " "rule fires: $want"
done
expect_eq "$(wc -w <<<"$got")" 8 "exactly the eight expected findings"
check() {  # PYTHON-EXPRESSION-ON-findings-by-id MESSAGE
  local v
  v=$(python3 -c "import json,sys
f={x['id']:x for x in json.load(sys.stdin)['findings']}
print($1)" <<<"$OUT")
  expect_eq "$v" True "$2"
}
check "f['authenticode-slack']['evidence']['slack_bytes'] == 281*1024" "slack is exactly the 281 KB payload"
check "f['authenticode-slack']['severity'] == 'critical' and f['authenticode-slack']['evidence']['padding_nonzero']" "slack: critical, padding not zero"
check "'feedface' in f['high-entropy-blob']['evidence']['markers'] and f['high-entropy-blob']['evidence']['entropy'] > 7.9" "payload: FEEDFACE marker, entropy ~8"
check "f['new-network-indicator']['evidence']['indicators'][0] == {'kind':'url','value':'https://cdn.iconstorages-sync.net/images/icon13.ico','encoding':'xor:0x5a','offset':f['new-network-indicator']['evidence']['indicators'][0]['offset']}" "XOR-encoded C2 URL decoded"
check "all('acmechat' not in i['value'] for i in f['new-network-indicator']['evidence']['indicators'])" "vendor's own update URL is not reported"
check "sorted(f['new-sensitive-imports']['evidence']['added']) == ['file-read', 'memory-protection'] and 'kernel32.dll!VirtualAlloc' in f['new-sensitive-imports']['evidence']['added']['memory-protection']" "new imports: file reading and executable memory"
check "f['changed-without-version-bump']['evidence']['version'] == '4.4.2.0/4.4.2.0'" "ffmpeg.dll kept version 4.4.2.0"
check "f['signer-changed']['evidence']['old_signer'] == 'CN=Acme Chat Ltd,O=Acme Chat Ltd,C=GB'" "old signer named"
check "all(x['evidence'].get('reason') for x in f.values())" "every finding says why it matters"
check "f['signed-unsigned-region-changed']['evidence']['old_sha256'] != f['signed-unsigned-region-changed']['evidence']['new_sha256']" "unsigned-region change: file hash differs, signature same"

# The reference verifier misses it: osslsigncode calls the padded file validly signed.
run_rc osslsigncode verify -CAfile "$R/ca.pem" -in "$R/r2-trojan/AcmeChat/d3dcompiler_47.dll"
expect_eq "$RC" 0 "osslsigncode verify accepts the padded DLL"
expect_contains "$OUT" "Succeeded" "osslsigncode: signature valid despite the hidden payload"

# --fail-on.
run_rc "$TOLLGATE" diff "$R/r1" "$R/r2-trojan" --fail-on critical -q
expect_eq "$RC" 1 "--fail-on critical exits 1"
run_rc "$TOLLGATE" diff "$R/r1" "$R/r2-trojan" --fail-on malicious -q
expect_eq "$RC" 0 "--fail-on above the worst finding exits 0"

# SARIF.
run_rc "$TOLLGATE" diff "$R/r1" "$R/r2-trojan" --format sarif
v=$(python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["runs"][0]; print(d["version"], len(r["results"]), len(r["tool"]["driver"]["rules"]))' <<<"$OUT")
expect_eq "$v" "2.1.0 8 8" "SARIF 2.1.0: 8 results, 8 rules"

# --- Clean releases raise nothing --------------------------------------------------------------
run_rc "$TOLLGATE" diff "$R/r1" "$R/r1-rebuild" --fail-on info
expect_eq "$RC" 0 "clean rebuild: exit 0 with --fail-on info"
expect_eq "$(head -n1 <<<"$OUT")" "no findings" "clean rebuild: no findings"
run_rc "$TOLLGATE" diff "$R/r1" "$R/r2" --fail-on info --changes
expect_eq "$RC" 0 "clean update 1.0 -> 1.1: no findings"
expect_contains "$OUT" "changed AcmeChat/AcmeChat.exe" "clean update lists the changed EXE"
expect_contains "$OUT" "files: 0 added, 0 removed, 2 changed, 2 unchanged" "clean update counts"

# --- Archives as inputs (one top-level directory is stripped) ----------------------------------
(cd "$R/r1" && zip -qrX "$TMP/acmechat-1.0.zip" AcmeChat)
(cd "$R/r2-trojan" && tar czf "$TMP/acmechat-1.1.tar.gz" AcmeChat)
run_rc "$TOLLGATE" diff "$TMP/acmechat-1.0.zip" "$TMP/acmechat-1.1.tar.gz" --format json
got=$(ids <<<"$OUT")
expect_contains " $got " " authenticode-slack@d3dcompiler_47.dll " "zip vs tar.gz: slack found"
expect_eq "$(wc -w <<<"$got")" 8 "zip vs tar.gz: the same eight findings"

# --- Two single files (two versions of one DLL): one-file releases under the new file's name -----
cp "$R/r1/AcmeChat/ffmpeg.dll" "$TMP/ffmpeg-4.4.2-old.dll"
run_rc "$TOLLGATE" diff "$TMP/ffmpeg-4.4.2-old.dll" "$R/r2-trojan/AcmeChat/ffmpeg.dll" --format json
expect_eq "$RC" 0 "two DLLs: exit 0 without --fail-on"
expect_eq "$(ids <<<"$OUT")" \
  "bundled-third-party-changed@ffmpeg.dll changed-without-version-bump@ffmpeg.dll new-network-indicator@ffmpeg.dll new-sensitive-imports@ffmpeg.dll" \
  "two DLLs: the same rules fire as in the release"
run_rc "$TOLLGATE" diff "$R/r1/AcmeChat/d3dcompiler_47.dll" "$R/r2-trojan/AcmeChat/d3dcompiler_47.dll" --fail-on critical
expect_eq "$RC" 1 "two DLLs: the padded signature is critical"
expect_eq "$(head -n1 <<<"$OUT")" "3 findings, 1 critical: d3dcompiler_47.dll carries 281 KB after its signature" \
  "two DLLs: summary first"
run_rc "$TOLLGATE" diff "$R/r1/AcmeChat/ffmpeg.dll" "$R/r1-rebuild/AcmeChat/ffmpeg.dll" --fail-on info
expect_eq "$RC" 0 "two identical DLLs: no findings"
run_rc "$TOLLGATE" diff "$R/r1" "$R/r2/AcmeChat/ffmpeg.dll"
expect_eq "$RC" 2 "a directory against a lone DLL is a usage error"

# --- Configuration ----------------------------------------------------------------------------
cat >"$TMP/rules.yaml" <<'EOF'
rules:
  authenticode-slack: {enabled: false}
  bundled-third-party-changed: {severity: critical}
EOF
run_rc "$TOLLGATE" diff "$R/r1" "$R/r2-trojan" --config "$TMP/rules.yaml" --format json
got=$(ids <<<"$OUT")
expect_not_contains "$got" "authenticode-slack" "config disables a rule"
v=$(python3 -c 'import json,sys; print([f["severity"] for f in json.load(sys.stdin)["findings"] if f["id"]=="bundled-third-party-changed"][0])' <<<"$OUT")
expect_eq "$v" critical "config raises a rule's severity"
printf 'rules:\n  no-such-rule: {enabled: false}\n' >"$TMP/bad.yaml"
run_rc "$TOLLGATE" diff "$R/r1" "$R/r2-trojan" --config "$TMP/bad.yaml"
expect_eq "$RC" 2 "unknown rule in config: exit 2"
expect_contains "$ERR" "bad.yaml: rules.no-such-rule: unknown rule" "config error names file and key"
printf 'rules: [unclosed\n' >"$TMP/broken.yaml"
run_rc "$TOLLGATE" diff "$R/r1" "$R/r2-trojan" --config "$TMP/broken.yaml"
expect_eq "$RC" 2 "YAML syntax error: exit 2"
run_rc "$TOLLGATE" diff --print-config
expect_contains "$OUT" "authenticode-slack:" "--print-config shows the built-in rules"
printf 'vendor:\n  domains: [iconstorages-sync.net]\n' >"$TMP/vendor.yaml"
run_rc "$TOLLGATE" diff "$R/r1" "$R/r2-trojan" --config "$TMP/vendor.yaml" --format json
expect_not_contains "$(ids <<<"$OUT")" "new-network-indicator" "a vendor domain is allowlisted"

# --- Imported indicators (rule 8) ---------------------------------------------------------------
ffsum=$(sha256sum "$R/r2-trojan/AcmeChat/ffmpeg.dll" | cut -d' ' -f1)
printf 'value,type,description,source\n%s,sha256,trojanized ffmpeg.dll,test list\niconstorages-sync.net,domain,C2 domain,test list\n' "$ffsum" >"$TMP/ioc.csv"
run_rc "$TOLLGATE" diff "$R/r1" "$R/r2-trojan" --ioc "$TMP/ioc.csv" --format json
got=$(ids <<<"$OUT")
expect_eq "$(grep -o 'ioc-match@AcmeChat/ffmpeg.dll' <<<"$got" | wc -l)" 2 "IOC list: file hash and decoded C2 domain both match ffmpeg.dll"
check "f['ioc-match']['severity'] == 'critical'" "ioc-match is critical"
run_rc "$TOLLGATE" diff "$R/r1" "$R/r2-trojan" --ioc "$TMP/no-such.csv"
expect_eq "$RC" 2 "missing indicator list: exit 2"
store=sqlite:$TMP/store.db
run_rc "$TOLLGATE" db import --ioc "$TMP/ioc.csv" --store "$store"
if [ "$RC" = 0 ]; then
  run_rc "$TOLLGATE" diff "$R/r1" "$R/r2-trojan" --store "$store" --format json
  expect_contains "$(ids <<<"$OUT")" "ioc-match@AcmeChat/ffmpeg.dll" "indicators imported with db import --ioc are used"
else
  failed "db import --ioc: $ERR"
fi

# --- YARA (optional) ---------------------------------------------------------------------------
cat >"$TMP/rules.yar" <<'EOF'
rule feedface_payload { strings: $m = { FE ED FA CE } condition: $m }
EOF
run_rc "$TOLLGATE" diff "$R/r1" "$R/r2-trojan" --yara "$TMP/rules.yar" --format json
if [[ "$ERR" == *"without libyara"* ]]; then
  echo "SKIP: yara (built without libyara)"
else
  expect_contains "$(ids <<<"$OUT")" "yara-match@AcmeChat/d3dcompiler_47.dll" "YARA rule matches the payload"
  printf 'rule broken {' >"$TMP/broken.yar"
  run_rc "$TOLLGATE" diff "$R/r1" "$R/r2-trojan" --yara "$TMP/broken.yar"
  expect_eq "$RC" 2 "broken YARA rules: exit 2"
fi

# --- A signature made after the signer certificate expired ---------------------------------------
E=$TMP/expired
mkdir -p "$E/db"
(
  cd "$E"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 \
    -subj "/CN=Expiry Test CA" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr \
    -subj "/CN=Acme Chat Ltd/O=Acme Chat Ltd/C=GB" 2>/dev/null
  touch db/index.txt
  echo 01 >db/serial
  printf '[ca]\ndefault_ca = d\n[d]\ndatabase = db/index.txt\nserial = db/serial\nnew_certs_dir = db\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n[x]\nbasicConstraints = CA:FALSE\nextendedKeyUsage = codeSigning\n' >ca.cnf
  # Valid 2020-2021 only; the file is signed with a 2023 signing time.
  openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in leaf.csr -out leaf.pem \
    -startdate 20200101000000Z -enddate 20210101000000Z -extensions x -notext >/dev/null 2>&1
  cat leaf.pem ca.pem >chain.pem
  osslsigncode remove-signature -in "$R/r1/AcmeChat/AcmeChat.exe" -out unsigned.exe >/dev/null
  osslsigncode sign -certs chain.pem -key leaf.key -h sha256 -time 1700000000 -in unsigned.exe \
    -out expired.exe >/dev/null
  mkdir -p rel
  cp -a "$R/r1/AcmeChat" rel/
  cp expired.exe rel/AcmeChat/AcmeChat.exe
)
run_rc "$TOLLGATE" diff "$R/r1" "$E/rel" --format json
got=$(ids <<<"$OUT")
expect_contains "$got" "signature-after-expiry@AcmeChat/AcmeChat.exe" "signed after the certificate expired"
check "f['signature-after-expiry']['evidence']['not_after'] == '2021-01-01T00:00:00Z' and f['signature-after-expiry']['evidence']['signing_time'] == '2023-11-14T22:13:20Z'" "signing time and notAfter in evidence"

# --- Bad input ----------------------------------------------------------------------------------
run_rc "$TOLLGATE" diff "$R/r1" "$TMP/does-not-exist"
expect_eq "$RC" 2 "missing NEW: exit 2"
expect_contains "$ERR" "does-not-exist" "error names the missing input"
printf 'not an archive' >"$TMP/plain.txt"
run_rc "$TOLLGATE" diff "$R/r1" "$TMP/plain.txt"
expect_eq "$RC" 2 "not a release: exit 2"
run_rc "$TOLLGATE" diff "$R/r1" "$R/r2" --format xml
expect_eq "$RC" 2 "unknown format: exit 2"
run_rc "$TOLLGATE" diff --help
expect_eq "$RC" 0 "diff --help"

finish
