#!/usr/bin/env bash
# CVSS scores against a reference implementation: tollgate's module cvss (through the test tool
# cvss_score) and the npm package ae-cvss-calculator (installed by scripts/deps.sh test) score the
# same vectors: every v3.0/v3.1 base vector there is (2,592 each), many generated v4.0 vectors
# (fixed seed; base, threat, environmental and supplemental metrics), and every CVSS vector in the
# shared OSV advisories. Any disagreement is a failure; malformed vectors must be rejected by both.
source "$(dirname "$0")/lib/assert.sh"

NPM=$TOLLGATE_BUILD_DIR/npm
if [ ! -d "$NPM/node_modules/ae-cvss-calculator" ]; then
  echo "cvss: installing test tools into $NPM" >&2
  TOLLGATE_BUILD_DIR=$TOLLGATE_BUILD_DIR "$TOLLGATE_SOURCE_DIR/scripts/deps.sh" test >&2 || true
fi
if [ ! -d "$NPM/node_modules/ae-cvss-calculator" ]; then
  failed "ae-cvss-calculator missing under $NPM (scripts/deps.sh test could not install it)"
  finish
  exit 1
fi
SCORE=$TOLLGATE_BUILD_DIR/tests/cvss_score

python3 - "$TOLLGATE_SHARED_DATA/osv" >"$TMP/vectors.txt" <<'PY'
import itertools, json, os, random, sys, zipfile
out = []
base3 = [("AV", "NALP"), ("AC", "LH"), ("PR", "NLH"), ("UI", "NR"), ("S", "UC"), ("C", "HLN"),
         ("I", "HLN"), ("A", "HLN")]
for ver in ("3.1", "3.0"):
    for combo in itertools.product(*[v for _, v in base3]):
        out.append("CVSS:%s/" % ver + "/".join("%s:%s" % (k, c) for (k, _), c in zip(base3, combo)))
rng = random.Random(20240501)
base4 = [("AV", "NALP"), ("AC", "LH"), ("AT", "NP"), ("PR", "NLH"), ("UI", "NPA"), ("VC", "HLN"),
         ("VI", "HLN"), ("VA", "HLN"), ("SC", "HLN"), ("SI", "HLN"), ("SA", "HLN")]
extra4 = [("E", "XAPU"), ("CR", "XHML"), ("IR", "XHML"), ("AR", "XHML"), ("MAV", "XNALP"),
          ("MAC", "XLH"), ("MAT", "XNP"), ("MPR", "XNLH"), ("MUI", "XNPA"), ("MVC", "XHLN"),
          ("MVI", "XHLN"), ("MVA", "XHLN"), ("MSC", "XHLN"), ("MSI", "XSHLN"), ("MSA", "XSHLN"),
          ("S", "XNP"), ("AU", "XNY"), ("R", "XAUI"), ("V", "XDC"), ("RE", "XLMH")]
for i in range(6000):
    parts = ["%s:%s" % (k, rng.choice(v)) for k, v in base4]
    if i % 2:
        for k, v in extra4:
            if rng.random() < 0.4:
                parts.append("%s:%s" % (k, rng.choice(v)))
    out.append("CVSS:4.0/" + "/".join(parts))
# Every vector in the shared advisories.
seen = set()
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        if not f.endswith(".zip"):
            continue
        try:
            z = zipfile.ZipFile(os.path.join(root, f))
        except Exception:
            continue
        for name in z.namelist():
            if not name.endswith(".json"):
                continue
            try:
                doc = json.loads(z.read(name))
            except Exception:
                continue
            sev = list(doc.get("severity") or [])
            for a in doc.get("affected") or []:
                sev += a.get("severity") or []
            for s in sev:
                v = s.get("score", "") if isinstance(s, dict) else ""
                if isinstance(v, str) and v.startswith(("CVSS:3", "CVSS:4")) and v not in seen:
                    seen.add(v)
                    out.append(v)
print("osv vectors:", len(seen), file=sys.stderr)
print("\n".join(out))
PY
n=$(wc -l <"$TMP/vectors.txt")
echo "vectors: $n"

"$SCORE" <"$TMP/vectors.txt" >"$TMP/ours.txt"
node "$TOLLGATE_SOURCE_DIR/tests/integration/cvss/oracle.js" "$NPM/node_modules" \
  <"$TMP/vectors.txt" >"$TMP/theirs.txt"
expect_eq "$(wc -l <"$TMP/ours.txt")" "$n" "tollgate scored every vector"
expect_eq "$(wc -l <"$TMP/theirs.txt")" "$n" "the reference scored every vector"
diffs=$(paste -d'|' "$TMP/vectors.txt" "$TMP/ours.txt" "$TMP/theirs.txt" |
        awk -F'|' '$2 != $3' | head -20)
expect_eq "$diffs" "" "tollgate and ae-cvss-calculator agree on all $n vectors (vector|ours|theirs)"
expect_eq "$(grep -c ERR "$TMP/ours.txt" || true)" "0" "no valid vector rejected"

# Malformed vectors: tollgate rejects them all (the reference is lenient about some).
printf '%s\n' "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H" "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" \
  "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P" \
  "AV:N/AC:L/Au:N/C:P/I:P/A:P" "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/XX:Y" \
  "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N" "CVSS:4.0/" "CVSS:3.1/AV:N//AC:L" \
  >"$TMP/bad.txt"
expect_eq "$("$SCORE" <"$TMP/bad.txt" | sort -u)" "ERR" "malformed vectors are rejected"

finish
