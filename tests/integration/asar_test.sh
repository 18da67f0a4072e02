#!/usr/bin/env bash
# The asar cataloger against a real Electron-style archive: a small app whose dependencies come
# from the npm registry (cached under $TOLLGATE_BUILD_DIR/cache), packed with @electron/asar
# (installed by scripts/deps.sh test into $TOLLGATE_BUILD_DIR/npm) with one package unpacked.
# The oracle is `npm ls --all --json` of the source folder.
source "$(dirname "$0")/lib/assert.sh"

NPM=$TOLLGATE_BUILD_DIR/npm
ASAR=$NPM/node_modules/@electron/asar/bin/asar.js
if [ ! -f "$ASAR" ]; then
  echo "asar: installing @electron/asar into $NPM" >&2
  TOLLGATE_BUILD_DIR=$TOLLGATE_BUILD_DIR "$TOLLGATE_SOURCE_DIR/scripts/deps.sh" test >&2 || true
fi
if [ ! -f "$ASAR" ] || ! command -v node >/dev/null; then
  failed "@electron/asar or node missing (scripts/deps.sh test installs them)"
  finish
  exit 1
fi

# --- the app: real packages from the registry, installed once -----------------------------------
APP=$TOLLGATE_BUILD_DIR/cache/asar-app-v1
if [ ! -f "$APP/.complete" ]; then
  rm -rf "$APP.tmp" && mkdir -p "$APP.tmp"
  cat >"$APP.tmp/package.json" <<'JSON'
{
  "name": "tg-electron-app",
  "version": "1.4.0",
  "description": "tollgate asar test app",
  "main": "main.js",
  "license": "MIT",
  "dependencies": {
    "@sindresorhus/is": "4.6.0",
    "debug": "4.3.4",
    "left-pad": "1.3.0",
    "ms": "2.1.3",
    "semver": "7.6.0"
  }
}
JSON
  echo 'require("debug")("app")("started")' >"$APP.tmp/main.js"
  (cd "$APP.tmp" && npm install --no-audit --no-fund --loglevel=error >/dev/null 2>&1) ||
    { failed "npm install of the test app (needs the npm registry)"; finish; exit 1; }
  touch "$APP.tmp/.complete"
  rm -rf "$APP" && mv "$APP.tmp" "$APP"
fi
cp -a "$APP" "$TMP/app"
rm -f "$TMP/app/.complete"

expected=$(cd "$TMP/app" && npm ls --all --json 2>/dev/null | python3 -c '
import json, sys
tree = json.load(sys.stdin)
out = {(tree["name"], tree["version"])}
def walk(deps):
    for name, d in (deps or {}).items():
        out.add((name, d["version"]))
        walk(d.get("dependencies"))
walk(tree.get("dependencies"))
print("\n".join(sorted(f"{n} {v}" for n, v in out)))')
expect_contains "$expected" "ms 2.1.2" "fixture check: a nested node_modules (debug -> ms@2.1.2)"

R=$TMP/root
mkdir -p "$R/opt/App/resources"
node "$ASAR" pack "$TMP/app" "$R/opt/App/resources/app.asar" --unpack-dir 'node_modules/left-pad'
expect_eq "$(ls "$R/opt/App/resources/app.asar.unpacked/node_modules")" "left-pad" "fixture check: left-pad is unpacked"
asar_list=$(node "$ASAR" list "$R/opt/App/resources/app.asar")
expect_contains "$asar_list" "/node_modules/debug/node_modules/ms/package.json" "fixture check: asar lists the nested package"

run_rc "$TOLLGATE" sbom "$R" -o "$TMP/asar.json"
expect_eq "$RC" 0 "root with an asar scans"
expect_not_contains "$ERR" "app.asar" "no warnings about the archive"
got=$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    p = {x["name"]: x["value"] for x in c.get("properties", [])}
    if p.get("tollgate:asar:archive") == "/opt/App/resources/app.asar":
        n = ("@" + c["group"] + "/" if c.get("group") else "") + c["name"]
        print(n, c.get("version", ""))' "$TMP/asar.json" | sort)
expect_eq "$got" "$expected" "package set equals npm ls --all of the source folder"

facts=$(python3 - "$TMP/asar.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
refs = {}
for c in b["components"]:
    refs[c["bom-ref"]] = c["name"] + "@" + c.get("version", "")
    ev = " ".join(o["location"] for o in (c.get("evidence") or {}).get("occurrences", []))
    lic = ",".join(l.get("expression") or l["license"].get("id") or l["license"].get("name") for l in c.get("licenses", []))
    print("C", c["type"], c.get("purl"), lic, ev)
for d in b.get("dependencies", []):
    if d.get("dependsOn"):
        print("D", refs.get(d["ref"]), "->", " ".join(sorted(refs.get(x, x) for x in d["dependsOn"])))
PY
)
expect_contains "$facts" "C library pkg:npm/debug@4.3.4 MIT /opt/App/resources/app.asar!/node_modules/debug/package.json" "evidence path inside the archive"
expect_contains "$facts" "C library pkg:npm/%40sindresorhus/is@4.6.0 MIT /opt/App/resources/app.asar!/node_modules/@sindresorhus/is/package.json" "scoped package"
expect_contains "$facts" "C application pkg:npm/tg-electron-app@1.4.0 MIT /opt/App/resources/app.asar!/package.json" "the app's own package.json is an application"
expect_contains "$facts" "/opt/App/resources/app.asar.unpacked/node_modules/left-pad/package.json" "unpacked package read from app.asar.unpacked"
expect_contains "$facts" "D debug@4.3.4 -> ms@2.1.2" "nested node_modules resolved first"
expect_contains "$facts" "D tg-electron-app@1.4.0 -> debug@4.3.4 is@4.6.0 left-pad@1.3.0 ms@2.1.3 semver@" "the app depends on its dependencies"

# The same root inside a tarball.
tar czf "$TMP/app.tar.gz" -C "$R" .
run_rc "$TOLLGATE" sbom "$TMP/app.tar.gz" -o "$TMP/tar.json"
expect_eq "$RC" 0 "tarball with an asar scans"
got_tar=$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    p = {x["name"]: x["value"] for x in c.get("properties", [])}
    if "tollgate:asar:archive" in p:
        print(("@" + c["group"] + "/" if c.get("group") else "") + c["name"], c.get("version", ""))' "$TMP/tar.json" | sort)
expect_eq "$got_tar" "$expected" "tarball: same package set"

# --- malformed archives: one warning naming the file, the scan goes on -------------------------
X=$TMP/bad
mkdir -p "$X/a" "$X/b" "$X/c"
head -c 2000 "$R/opt/App/resources/app.asar" >"$X/a/app.asar"
head -c 4096 /dev/urandom >"$X/b/app.asar"
cp "$R/opt/App/resources/app.asar" "$X/c/app.asar"
# Data region cut short: the header is intact, the package.json bytes are missing.
python3 - "$X/c/app.asar" <<'PY'
import os, sys
p = sys.argv[1]
os.truncate(p, os.path.getsize(p) // 2)
PY
run_rc "$TOLLGATE" sbom "$X" -o "$TMP/bad.json"
expect_eq "$RC" 0 "malformed archives: exit 0"
expect_contains "$ERR" "/a/app.asar: malformed asar archive" "truncated header named"
expect_contains "$ERR" "/b/app.asar: malformed asar archive" "random bytes named"
expect_contains "$ERR" "/c/app.asar:" "cut data region named"
expect_contains "$ERR" "beyond the end of the archive" "cut data region explained"

finish
