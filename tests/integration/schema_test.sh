#!/usr/bin/env bash
# `tollgate sbom` output against the official schemas: CycloneDX 1.6 (bom-1.6.schema.json with
# its spdx and jsf companions) and SPDX 2.3 (spdx-2.3-schema.json), both JSON Schema draft-07,
# validated with ajv (npm ajv-cli + ajv-formats, installed by scripts/deps.sh test into
# $TOLLGATE_BUILD_DIR/npm). Trees: a fixture made here (dpkg status + .list + DEP-5 copyright,
# package-lock.json, dist-info, ELF binaries, a symlink loop, an unreadable file), the host's
# /usr/lib/python3 and /usr/share/doc, and the cached debootstrap root when it can be had.
# Also: model checks on the fixture (which grow stricter as each cataloger lands) and
# determinism (two runs with SOURCE_DATE_EPOCH differ only in the serial number).
source "$(dirname "$0")/lib/assert.sh"

NPM=$TOLLGATE_BUILD_DIR/npm
AJV=$NPM/node_modules/ajv-cli/dist/index.js
if [ ! -f "$AJV" ] || [ ! -d "$NPM/node_modules/ajv-formats" ]; then
  echo "schema: installing ajv into $NPM" >&2
  TOLLGATE_BUILD_DIR=$TOLLGATE_BUILD_DIR "$TOLLGATE_SOURCE_DIR/scripts/deps.sh" test >&2 || true
fi
if [ ! -f "$AJV" ] || [ ! -d "$NPM/node_modules/ajv-formats" ]; then
  failed "ajv-cli/ajv-formats missing under $NPM (scripts/deps.sh test could not install them)"
  finish
  exit 1
fi
CDX_SCHEMAS=$TOLLGATE_SHARED_DATA/cyclonedx/schema
SPDX_SCHEMA=$TOLLGATE_SHARED_DATA/spdx/spdx-2.3-schema.json

# validate cdx|spdx FILE...: one ajv run per format (compiling the schema dominates). Strict mode
# off: the CycloneDX schema uses annotation keywords ("meta:enum", "deprecated") that ajv's
# strict mode rejects; formats ajv-formats does not know (iri-reference, idn-email) are ignored.
validate() {
  local kind=$1
  shift
  local args=(validate --spec=draft7 --strict=false --all-errors --errors=text -c ajv-formats)
  if [ "$kind" = cdx ]; then
    args+=(-s "$CDX_SCHEMAS/bom-1.6.schema.json" -r "$CDX_SCHEMAS/spdx.schema.json"
           -r "$CDX_SCHEMAS/jsf-0.82.schema.json")
  else
    args+=(-s "$SPDX_SCHEMA")
  fi
  for f in "$@"; do args+=(-d "$f"); done
  local out
  out=$(node "$AJV" "${args[@]}" 2>&1 | grep -v '^unknown format' || true)
  for f in "$@"; do
    if grep -qxF "$f valid" <<<"$out"; then
      pass "$(basename "$f") is valid $kind"
    else
      failed "$(basename "$f") is not valid $kind: $(grep -F "$f" <<<"$out" | head -c 1500)"
    fi
  done
}

# A scanner run as root reads every file; drop the capabilities that let it, so that the
# fixture's unreadable file really is unreadable.
unprivileged=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  unprivileged=(setpriv --bounding-set=-dac_override,-dac_read_search --)
fi

# ---- the fixture tree -------------------------------------------------------------------------
F=$TMP/fixture
mkdir -p "$F/etc" "$F/var/lib/dpkg/info" "$F/usr/bin" "$F/usr/lib/x86_64-linux-gnu" \
         "$F/usr/share/doc/tollgate-fixture" "$F/usr/share/doc/libfixture1" \
         "$F/opt/app/node_modules/left-pad" "$F/opt/app/node_modules/@scope/util" \
         "$F/usr/lib/python3/dist-packages/fixture_py-0.1.0.dist-info" "$F/opt/vendor/bin"
cat >"$F/etc/os-release" <<'EOF'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
ID=debian
VERSION_ID="12"
VERSION_CODENAME=bookworm
EOF
cat >"$F/var/lib/dpkg/status" <<'EOF'
Package: tollgate-fixture
Status: install ok installed
Priority: optional
Section: utils
Installed-Size: 40
Maintainer: Tollgate Fixture Team <fixture-team@lists.example.invalid>
Architecture: amd64
Source: fixture-src (1.2-1)
Version: 1.2-3
Depends: libfixture1 (>= 1.0)
Description: fixture package for the schema test
 Long description.

Package: libfixture1
Status: install ok installed
Priority: optional
Section: libs
Maintainer: Jane Doe <jane@example.invalid>
Architecture: amd64
Multi-Arch: same
Version: 1.0-1
Description: fixture library
EOF
printf '/.\n/usr\n/usr/bin\n/usr/bin/fixture-tool\n/usr/share/doc/tollgate-fixture\n/usr/share/doc/tollgate-fixture/copyright\n' \
  >"$F/var/lib/dpkg/info/tollgate-fixture.list"
printf '/.\n/usr/lib/x86_64-linux-gnu/libfixture.so.1\n/usr/share/doc/libfixture1/copyright\n' \
  >"$F/var/lib/dpkg/info/libfixture1:amd64.list"
cp /bin/true "$F/usr/bin/fixture-tool"
cp /bin/true "$F/usr/lib/x86_64-linux-gnu/libfixture.so.1"
cat >"$F/usr/share/doc/tollgate-fixture/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: fixture

Files: *
Copyright: 2024 Fixture Authors
License: GPL-2+
 This program is free software.

Files: lib/*
Copyright: 2024 Someone Else
License: Expat
EOF
cat >"$F/usr/share/doc/libfixture1/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

Files: *
Copyright: 2024 Fixture Authors
License: BSD-like-custom
 Some permissive terms that are not on the SPDX list.
EOF
cat >"$F/opt/app/package.json" <<'EOF'
{"name": "fixture-app", "version": "1.0.0", "dependencies": {"left-pad": "^1.3.0", "@scope/util": "2.0.0"}}
EOF
cat >"$F/opt/app/package-lock.json" <<'EOF'
{
  "name": "fixture-app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": {"name": "fixture-app", "version": "1.0.0",
         "dependencies": {"left-pad": "^1.3.0", "@scope/util": "2.0.0"}},
    "node_modules/left-pad": {"version": "1.3.0", "license": "WTFPL",
      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
      "integrity": "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQEhAKD1QZtTINN9TRAArL5SR/jm5PzpbIQGhKdEtJd+aa9A=="},
    "node_modules/@scope/util": {"version": "2.0.0", "license": "MIT",
      "dependencies": {"left-pad": "^1.3.0"}}
  }
}
EOF
echo '{"name": "left-pad", "version": "1.3.0", "license": "WTFPL"}' >"$F/opt/app/node_modules/left-pad/package.json"
echo '{"name": "@scope/util", "version": "2.0.0", "license": "MIT"}' >"$F/opt/app/node_modules/@scope/util/package.json"
cat >"$F/usr/lib/python3/dist-packages/fixture_py-0.1.0.dist-info/METADATA" <<'EOF'
Metadata-Version: 2.1
Name: fixture-py
Version: 0.1.0
Summary: A fixture distribution
Author: Ann Example
Author-email: ann@example.invalid
License: MIT
Classifier: License :: OSI Approved :: MIT License
EOF
printf 'fixture_py-0.1.0.dist-info/METADATA,,\n' \
  >"$F/usr/lib/python3/dist-packages/fixture_py-0.1.0.dist-info/RECORD"
cp /bin/ls "$F/opt/vendor/bin/vendor-tool"
cp /bin/true "$F/opt/vendor/bin/locked-tool"
chmod 0111 "$F/opt/vendor/bin/locked-tool"   # executable, not readable
echo "not for you" >"$F/opt/vendor/secret.txt"
chmod 000 "$F/opt/vendor/secret.txt"
ln -s loop-b "$F/opt/loop-a"
ln -s loop-a "$F/opt/loop-b"
ln -s . "$F/opt/app/self"
chmod 755 "$TMP"

OUT=$TMP/out
mkdir -p "$OUT"
sbom() {  # sbom NAME TREE FORMAT [ARGS...]: writes $OUT/NAME.FORMAT, reports the exit code
  local name=$1 tree=$2 format=$3
  shift 3
  local ext
  case "$format" in cyclonedx-json) ext=cdx.json ;; spdx-json) ext=spdx.json ;; *) ext=$format ;; esac
  set +e
  "${unprivileged[@]}" timeout 900 "$TOLLGATE" sbom "$tree" -f "$format" -q "$@" \
    >"$OUT/$name.$ext" 2>"$OUT/$name.$ext.err"
  local rc=$?
  set -e
  expect_eq "$rc" 0 "sbom $name -f $format exits 0"
  [ "$rc" = 0 ] || head -c 600 "$OUT/$name.$ext.err" >&2
}

for f in cyclonedx-json spdx-json table; do sbom fixture "$F" $f; done
expect_contains "$(tail -n 1 "$OUT/fixture.table")" " components (" "table ends with the summary"

# Checks on the model, in Python; those for a cataloger run once it finds anything at all.
check_fixture() {
  python3 - "$OUT/fixture.cdx.json" "$OUT/fixture.spdx.json" "$F" <<'PY'
import hashlib, json, sys
cdx = json.load(open(sys.argv[1])); spdx = json.load(open(sys.argv[2])); root = sys.argv[3]
problems = []
def check(cond, what):
    if not cond: problems.append(what)
def sha256(p):
    return hashlib.sha256(open(root + p, "rb").read()).hexdigest()
def props(c):
    return {p["name"]: p.get("value") for p in c.get("properties", [])}
comps = cdx["components"]
refs = [c["bom-ref"] for c in comps]
check(len(refs) == len(set(refs)), "bom-refs unique")
check(cdx["metadata"]["component"]["bom-ref"] not in refs, "subject bom-ref distinct")
check(cdx["metadata"]["component"]["type"] == "operating-system", "subject is the OS")
deps = cdx["dependencies"]
check([d["ref"] for d in deps] == refs, "one dependency entry per component, in order")
for d in deps:
    for t in d["dependsOn"]:
        check(t in refs, "dependency target %s exists" % t)
for c in comps:
    lic = c.get("licenses", [])
    check(not any("expression" in l for l in lic) or len(lic) == 1, "expression alone: " + c["name"])
by_cat = {}
for c in comps:
    by_cat.setdefault(props(c).get("tollgate:cataloger"), []).append(c)

# The file cataloger: unowned executables, hashed; the unreadable one listed without a hash.
files = {c["evidence"]["occurrences"][0]["location"]: c for c in by_cat.get("file", [])}
check("/opt/vendor/bin/vendor-tool" in files, "unowned ELF is a file component")
if "/opt/vendor/bin/vendor-tool" in files:
    h = {x["alg"]: x["content"] for x in files["/opt/vendor/bin/vendor-tool"].get("hashes", [])}
    check(h.get("SHA-256") == sha256("/opt/vendor/bin/vendor-tool"), "file component SHA-256")
if "/opt/vendor/bin/locked-tool" in files:
    check("hashes" not in files["/opt/vendor/bin/locked-tool"], "unreadable file has no hash")

if by_cat.get("dpkg"):
    names = {c["name"]: c for c in by_cat["dpkg"]}
    check("tollgate-fixture" in names and "libfixture1" in names, "dpkg: both packages")
    t = names.get("tollgate-fixture", {})
    check(t.get("version") == "1.2-3", "dpkg: version")
    check(props(t).get("tollgate:dpkg:source") == "fixture-src", "dpkg: source package")
    check(props(t).get("tollgate:dpkg:source-version") == "1.2-1", "dpkg: source version")
    owned = {f["name"]: f for f in t.get("components", [])}
    check("/usr/bin/fixture-tool" in owned, "dpkg: owned file listed")
    if "/usr/bin/fixture-tool" in owned:
        h = {x["alg"]: x["content"] for x in owned["/usr/bin/fixture-tool"].get("hashes", [])}
        check(h.get("SHA-256") == sha256("/usr/bin/fixture-tool"), "dpkg: owned file SHA-256")
    check("/usr/bin/fixture-tool" not in files, "dpkg: an owned binary is not a file component")
    if t.get("licenses"):
        text = json.dumps(t["licenses"])
        check("GPL-2.0-or-later" in text and "MIT" in text, "dpkg: DEP-5 licences " + text)
    lib = names.get("libfixture1", {})
    if lib.get("licenses"):
        check("BSD-like-custom" in json.dumps(lib["licenses"]), "dpkg: free-text licence kept")
    dep = next((d for d in deps if d["ref"] == t.get("bom-ref")), {"dependsOn": []})
    check(lib.get("bom-ref") in dep["dependsOn"], "dpkg: Depends becomes a dependency")
if by_cat.get("npm"):
    names = {(c.get("group"), c["name"]): c for c in by_cat["npm"]}
    lp = next((c for c in by_cat["npm"] if c["name"] == "left-pad"), None)
    check(lp is not None and lp.get("version") == "1.3.0", "npm: left-pad 1.3.0")
    check(lp is not None and lp.get("purl") == "pkg:npm/left-pad@1.3.0", "npm: purl")
    check(any(c["name"] == "util" for c in by_cat["npm"]), "npm: scoped package")
if by_cat.get("python"):
    fp = next((c for c in by_cat["python"] if c["name"] in ("fixture-py", "fixture_py")), None)
    check(fp is not None and fp.get("version") == "0.1.0", "python: fixture-py 0.1.0")
    check(fp is not None and fp.get("purl") == "pkg:pypi/fixture-py@0.1.0", "python: purl")

# SPDX: ids unique and resolvable, files with SHA1, the document describes the root.
ids = {"SPDXRef-DOCUMENT"}
for e in spdx["packages"] + spdx["files"]:
    check(e["SPDXID"] not in ids, "SPDXID unique " + e["SPDXID"]); ids.add(e["SPDXID"])
for r in spdx["relationships"]:
    check(r["spdxElementId"] in ids and r["relatedSpdxElement"] in ids, "relationship ids exist")
for f in spdx["files"]:
    check(any(c["algorithm"] == "SHA1" for c in f["checksums"]), "SPDX file has SHA1")
check(any(r["relationshipType"] == "DESCRIBES" for r in spdx["relationships"]), "DESCRIBES")
check(len(spdx["packages"]) == len(comps) + 1, "one SPDX package per component plus the root")
declared = {e["licenseId"] for e in spdx.get("hasExtractedLicensingInfos", [])}
for p in spdx["packages"]:
    for tok in p.get("licenseDeclared", "").replace("(", " ").replace(")", " ").split():
        if tok.startswith("LicenseRef-"):
            check(tok in declared, "LicenseRef declared: " + tok)
print("\n".join(problems) if problems else "ok")
print("catalogers:", {k: len(v) for k, v in by_cat.items()}, file=sys.stderr)
PY
}
result=$(check_fixture 2>"$TMP/catalogers.txt" || echo "checker crashed")
cat "$TMP/catalogers.txt"
expect_eq "$result" "ok" "fixture SBOM content"

# ---- real trees -------------------------------------------------------------------------------
cdx_files=("$OUT/fixture.cdx.json")
spdx_files=("$OUT/fixture.spdx.json")
for tree in /usr/lib/python3 /usr/share/doc; do
  [ -d "$tree" ] || continue
  name=$(echo "$tree" | tr '/' '_')
  sbom "$name" "$tree" cyclonedx-json
  sbom "$name" "$tree" spdx-json
  cdx_files+=("$OUT/$name.cdx.json")
  spdx_files+=("$OUT/$name.spdx.json")
done

rootfs=""
if [ -f "$TOLLGATE_SOURCE_DIR/tests/integration/lib/rootfs.sh" ]; then
  source "$TOLLGATE_SOURCE_DIR/tests/integration/lib/rootfs.sh"
  if declare -F tollgate_rootfs_bookworm >/dev/null; then
    rootfs=$(tollgate_rootfs_bookworm) || rootfs=""
  fi
fi
if [ -n "$rootfs" ] && [ -d "$rootfs" ]; then
  sbom rootfs "$rootfs" cyclonedx-json
  sbom rootfs "$rootfs" spdx-json
  cdx_files+=("$OUT/rootfs.cdx.json")
  spdx_files+=("$OUT/rootfs.spdx.json")
  n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for c in d["components"] if any(p["name"]=="tollgate:cataloger" and p.get("value")=="dpkg" for p in c.get("properties",[]))))' "$OUT/rootfs.cdx.json" 2>/dev/null || echo 0)
  echo "rootfs: $n dpkg components"
  if [ "$n" -gt 0 ]; then
    [ "$n" -ge 80 ] && pass "rootfs: a minbase root has its ~90 packages ($n)" ||
      failed "rootfs: only $n dpkg components"
  fi
else
  echo "skip: no debootstrap root (tests/integration/lib/rootfs.sh could not provide one)"
fi

validate cdx "${cdx_files[@]}"
validate spdx "${spdx_files[@]}"
# Negative controls: the same pipeline rejects documents that break the schemas.
cp "$TOLLGATE_SHARED_DATA/cyclonedx/examples-1.6/invalid-hash-sha256-1.6.json" "$OUT/control.cdx.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["packages"][0]["SPDXID"]; json.dump(d, open(sys.argv[2], "w"))' \
  "$OUT/fixture.spdx.json" "$OUT/control.spdx.json"
for kind in cdx spdx; do
  s=$SPDX_SCHEMA
  if [ $kind = cdx ]; then
    out=$(node "$AJV" validate --spec=draft7 --strict=false -c ajv-formats \
          -s "$CDX_SCHEMAS/bom-1.6.schema.json" -r "$CDX_SCHEMAS/spdx.schema.json" \
          -r "$CDX_SCHEMAS/jsf-0.82.schema.json" -d "$OUT/control.cdx.json" 2>&1 || true)
  else
    out=$(node "$AJV" validate --spec=draft7 --strict=false -c ajv-formats -s "$s" \
          -d "$OUT/control.spdx.json" 2>&1 || true)
  fi
  expect_contains "$out" "control.$kind.json invalid" "ajv rejects a broken $kind document"
done

# ---- determinism ------------------------------------------------------------------------------
export SOURCE_DATE_EPOCH=1700000000
det_trees=("$F" /usr/share/doc)
[ -n "$rootfs" ] && det_trees+=("$rootfs")
for tree in "${det_trees[@]}"; do
  for f in cyclonedx-json spdx-json; do
    "${unprivileged[@]}" "$TOLLGATE" sbom "$tree" -f $f -q >"$TMP/a.json" 2>/dev/null || true
    "${unprivileged[@]}" "$TOLLGATE" sbom "$tree" -f $f -q -j 1 >"$TMP/b.json" 2>/dev/null || true
    d=$(diff "$TMP/a.json" "$TMP/b.json" | grep '^[<>]' |
        grep -v -e '"serialNumber": "urn:uuid:' -e '"documentNamespace": "https://tollgate.invalid/spdx/' |
        head -5 || true)
    expect_eq "$d" "" "$f of $tree: runs differ only in the serial number"
    changed=$(diff "$TMP/a.json" "$TMP/b.json" | grep -c '^<' || true)
    expect_eq "$changed" 1 "$f of $tree: the serial number differs (one line)"
  done
done
expect_contains "$(cat "$TMP/a.json")" '"created": "2023-11-14T22:13:20Z"' \
  "SOURCE_DATE_EPOCH pins the timestamp"
unset SOURCE_DATE_EPOCH

chmod -R u+rwx "$F" 2>/dev/null || true
finish
