#!/usr/bin/env bash
# Report writers against the official schemas: SARIF 2.1.0 (sarif-schema-2.1.0.json, JSON Schema
# draft-04, validated by ajv's draft-04 build through report/validate_draft04.js) and CycloneDX 1.6
# VEX (bom-1.6.schema.json, draft-07, ajv-cli), both with ajv-formats from scripts/deps.sh test.
# The documents come from tests/tools/report_sample (an empty report and one with every severity,
# suppressions, paths with spaces and non-ASCII, purls, flow ids, invalid UTF-8). Also: the JSON
# is the one finding shape, negative controls are rejected, and output is deterministic.
source "$(dirname "$0")/lib/assert.sh"

NPM=$TOLLGATE_BUILD_DIR/npm
AJV=$NPM/node_modules/ajv-cli/dist/index.js
need() { [ -f "$AJV" ] && [ -d "$NPM/node_modules/ajv-formats" ] && [ -d "$NPM/node_modules/ajv-draft-04" ]; }
if ! need; then
  echo "report: installing ajv into $NPM" >&2
  TOLLGATE_BUILD_DIR=$TOLLGATE_BUILD_DIR "$TOLLGATE_SOURCE_DIR/scripts/deps.sh" test >&2 || true
fi
if ! need; then
  failed "ajv-cli/ajv-formats/ajv-draft-04 missing under $NPM (scripts/deps.sh test could not install them)"
  finish
  exit 1
fi
SAMPLE=$TOLLGATE_BUILD_DIR/tests/report_sample
SARIF_SCHEMA=$TOLLGATE_SHARED_DATA/sarif/sarif-schema-2.1.0.json
CDX=$TOLLGATE_SHARED_DATA/cyclonedx/schema
HERE=$TOLLGATE_SOURCE_DIR/tests/integration/report

DIR=$TMP/out
run_rc "$SAMPLE" "$DIR"
expect_eq "$RC" 0 "report_sample writes the samples"

# validate_sarif FILE...: prints nothing for valid files, the errors otherwise.
validate_sarif() {
  node "$HERE/validate_draft04.js" "$NPM/node_modules" "$SARIF_SCHEMA" "$@" 2>&1 || true
}
validate_cdx() {
  local args=(validate --spec=draft7 --strict=false --all-errors --errors=text -c ajv-formats
              -s "$CDX/bom-1.6.schema.json" -r "$CDX/spdx.schema.json" -r "$CDX/jsf-0.82.schema.json")
  for f in "$@"; do args+=(-d "$f"); done
  node "$AJV" "${args[@]}" 2>&1 | grep -v '^unknown format' || true
}

out=$(validate_sarif "$DIR"/*.sarif)
for f in "$DIR"/*.sarif; do
  if grep -qxF "$f valid" <<<"$out"; then pass "$(basename "$f") is valid SARIF 2.1.0"
  else failed "$(basename "$f") is not valid SARIF: $(grep -F "$f" <<<"$out" | head -c 1500)"; fi
done
out=$(validate_cdx "$DIR"/*.vex.json)
for f in "$DIR"/*.vex.json; do
  if grep -qxF "$f valid" <<<"$out"; then pass "$(basename "$f") is valid CycloneDX 1.6"
  else failed "$(basename "$f") is not valid CycloneDX: $(grep -F "$f" <<<"$out" | head -c 1500)"; fi
done

# Negative controls: the same validators reject broken documents.
python3 - "$DIR/mixed.sarif" "$TMP/control.sarif" "$DIR/mixed.vex.json" "$TMP/control.vex.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["runs"][0]["results"][0]["level"] = "fatal"
json.dump(s, open(sys.argv[2], "w"))
v = json.load(open(sys.argv[3]))
v["vulnerabilities"][0]["analysis"]["state"] = "maybe"
json.dump(v, open(sys.argv[4], "w"))
PY
expect_contains "$(validate_sarif "$TMP/control.sarif")" "control.sarif invalid" "ajv rejects a broken SARIF log"
expect_contains "$(validate_cdx "$TMP/control.vex.json")" "control.vex.json invalid" "ajv rejects a broken VEX"

# Content: the one finding shape, levels, locations, VEX analysis.
result=$(python3 - "$DIR" <<'PY'
import json, sys
d = sys.argv[1]
problems = []
def check(c, what):
    if not c: problems.append(what)
j = json.load(open(d + "/mixed.json"))
check(list(j) == ["tool", "target", "findings"], "top-level keys in order")
check(j["tool"] == {"name": "tollgate", "version": "0.1.0", "command": "vuln"}, "tool")
sev = ["malicious", "critical", "high", "low", "info"]
check([f["severity"] for f in j["findings"]] == sev, "worst first, suppressed left out")
for f in j["findings"]:
    check(set(f) - {"locations", "suppressedBy"} == {"id", "severity", "subject", "message", "evidence"},
          "finding keys " + str(list(f)))
    check(isinstance(f["evidence"], dict), "evidence is an object")
e = json.load(open(d + "/empty.json"))
check(e["findings"] == [] and e["target"] == "", "empty report")
s = json.load(open(d + "/mixed.sarif"))
run = s["runs"][0]
ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
check(len(ids) == len(set(ids)) == 6, "one rule per id")
check(len(run["results"]) == 6, "every finding is a result, suppressed included")
for r in run["results"]:
    check(ids[r["ruleIndex"]] == r["ruleId"], "ruleIndex points at the rule")
levels = {r["ruleId"]: r["level"] for r in run["results"]}
check(levels["authenticode-slack"] == "error" and levels["PYSEC-2021-1"] == "warning"
      and levels["new-network-indicator"] == "note", "levels " + str(levels))
sup = [r for r in run["results"] if r.get("suppressions")]
check(len(sup) == 1 and sup[0]["ruleId"] == "PYSEC-2021-1", "suppression carried")
uris = [l["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
        for l in r.get("locations", []) if "physicalLocation" in l]
check("app%20dir/d3dcompiler_47%20%C3%BC.dll" in uris, "percent-encoded path " + str(uris))
check("node_modules/lodash/package.json" in uris, "Finding::locations used")
check("fixtures/app.cdx.json" in uris, "a purl without a file points at the target")
v = json.load(open(d + "/mixed.vex.json"))
vul = {x["id"]: x for x in v["vulnerabilities"]}
refs = {c["bom-ref"] for c in v["components"]}
for x in v["vulnerabilities"]:
    for a in x["affects"]:
        check(a["ref"] in refs, "affects ref resolves: " + a["ref"])
check(vul["PYSEC-2021-1"]["analysis"]["state"] == "not_affected", "suppressed is not_affected")
check(vul["PYSEC-2021-1"]["analysis"]["justification"] == "code_not_reachable", "justification")
check(vul["GHSA-jf85-cpcp-j695"]["ratings"][0]["method"] == "CVSSv31", "CVSS 3.1 rating")
check(vul["CVE-2024-3094"]["ratings"][0]["method"] == "CVSSv3", "CVSS 3.0 rating")
check(vul["PYSEC-2021-1"]["ratings"][0]["method"] == "CVSSv4", "CVSS 4.0 rating")
check(vul["GHSA-jf85-cpcp-j695"]["references"][0]["id"] == "CVE-2019-10744", "alias reference")
print("\n".join(problems) if problems else "ok")
PY
)
expect_eq "$result" "ok" "report content"

table=$(cat "$DIR/mixed.table")
expect_eq "$(head -n 1 <<<"$table")" \
  "5 findings, 1 malicious: d3dcompiler_47.dll carries 281 KB after its signature; 1 suppressed" \
  "table: summary line first"
expect_eq "$(cat "$DIR/empty.table")" "no findings" "table: empty report"

run_rc "$SAMPLE" "$TMP/again"
d=$(diff -r "$DIR" "$TMP/again" || true)
expect_eq "$d" "" "same report, same bytes in every format"

finish
