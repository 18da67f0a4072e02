#!/usr/bin/env bash
# The npm cataloger against npm itself: a real project (`npm install express lodash axios jest`
# from the npm registry, cached under $TOLLGATE_BUILD_DIR/cache/npm-project), its lockfile alone,
# and a lockfileVersion 1 lock of the same dependencies. The oracle is `npm ls --all --json
# --long`: the same set of (name, version) and the same dependency edges.
#
# What "the same set" means, exactly:
#   * npm ls prints a tree; a package that many others need appears many times (the ones npm
#     marks "deduped" in its text output). Flattened and de-duplicated by (real name, version) it
#     is the set of installed packages; tollgate makes one component per (name, version).
#   * Aliases (`"@jest/react-is-18": "npm:react-is@18.3.1"`) are keyed by the alias in the tree;
#     --long gives the real "name", which is what tollgate reports (the alias is a property).
#   * npm ls also shows dependencies that are not installed with no version (`{}`): optional
#     packages for other platforms (@parcel/watcher-darwin-x64, ...) and optional peers
#     (node-notifier). They are in no node_modules, so they are not compared; the test checks
#     separately that tollgate does not report the lock's uninstalled entries for an installed
#     tree, and that it does report them for a lockfile alone (where npm ls --package-lock-only
#     lists them too).
#   * The root project is in both sets (npm ls's top level; tollgate's application component).
source "$(dirname "$0")/lib/assert.sh"

if ! command -v npm >/dev/null; then
  failed "npm is not installed (scripts/deps.sh test installs it)"
  finish
  exit
fi

CACHE=$TOLLGATE_BUILD_DIR/cache
FIXTURE=$CACHE/npm-project
PROJECT=$FIXTURE/installed

# Builds the cached fixture once: installed/, a project installed with package-lock.json (v3,
# npm's default), and v1/, a lockfileVersion 1 lock of the same package.json. Made in a temporary
# sibling and renamed into place, so a half-made fixture is never seen; builders serialise on a
# lock file.
make_project() {
  if [ -f "$FIXTURE/.complete" ]; then return 0; fi
  mkdir -p "$CACHE"
  (
    exec 9>"$CACHE/npm-project.lock"
    flock 9 || exit 1
    if [ -f "$FIXTURE/.complete" ]; then exit 0; fi
    tmp=$(mktemp -d "$CACHE/.npm-project.XXXXXX") || exit 1
    echo "npm-project: npm install express lodash axios jest (once)" >&2
    mkdir "$tmp/installed" "$tmp/v1"
    printf '{"name": "tollgate-npm-fixture", "version": "1.0.0", "private": true}\n' \
      >"$tmp/installed/package.json"
    if ! (cd "$tmp/installed" && npm install --no-audit --no-fund --loglevel=error \
            express lodash axios jest >"$tmp.log" 2>&1); then
      echo "npm-project: npm install failed:" >&2
      tail -n 20 "$tmp.log" >&2
      rm -rf "$tmp" "$tmp.log"
      exit 1
    fi
    cp "$tmp/installed/package.json" "$tmp/v1/"
    if ! (cd "$tmp/v1" && npm install --lockfile-version 1 --package-lock-only --no-audit \
            --no-fund --prefer-offline --loglevel=error >"$tmp.log" 2>&1); then
      echo "npm-project: could not write a lockfileVersion 1 lock:" >&2
      tail -n 20 "$tmp.log" >&2
      rm -rf "$tmp" "$tmp.log"
      exit 1
    fi
    rm -f "$tmp.log"
    touch "$tmp/.complete"
    chmod 0755 "$tmp"
    rm -rf "$FIXTURE"
    mv "$tmp" "$FIXTURE"
  )
}
if ! make_project; then
  failed "could not make the npm project (no npm registry?)"
  finish
  exit
fi

# compare BOM NPMLS LABEL: (name, version) and edges of the BOM's npm components against npm ls.
compare() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
bom_path, ls_path, label = sys.argv[1:]
bom = json.load(open(bom_path))
ls = json.load(open(ls_path))

def full(c):
    return ("@" + c["group"] + "/" + c["name"]) if c.get("group") else c["name"]

ref, got = {}, set()
bad_purls = []
for c in bom.get("components", []):
    if not c.get("purl", "").startswith("pkg:npm/"):
        continue
    key = (full(c), c.get("version", ""))
    ref[c["bom-ref"]] = key
    got.add(key)
    # The purl-spec lower-cases npm names (JSONStream is pkg:npm/jsonstream@...).
    want = "pkg:npm/" + ((("%40" + c["group"] + "/") if c.get("group") else "") + \
        c["name"]).lower() + "@" + c.get("version", "")
    if c["purl"] != want and "%" not in c["name"] and "+" not in c.get("version", ""):
        bad_purls.append((c["purl"], want))
got_edges = set()
for d in bom.get("dependencies", []):
    if d["ref"] not in ref:
        continue
    for t in d.get("dependsOn", []):
        if t in ref:
            got_edges.add((ref[d["ref"]], ref[t]))

root = (ls.get("name"), ls.get("version"))
want, want_edges, missing = {root}, set(), set()
def walk(node, me):
    for key, child in (node.get("dependencies") or {}).items():
        if "version" not in child:      # not installed: other platforms' optionals, optional peers
            missing.add(key)
            continue
        c = (child.get("name", key), child["version"])
        want.add(c)
        want_edges.add((me, c))
        walk(child, c)
walk(ls, root)

ok = True
def report(what, extra, lacking):
    global ok
    if extra or lacking:
        ok = False
        print(f"FAIL: {label}: {what} differ from npm ls", file=sys.stderr)
        for x in sorted(extra)[:40]:
            print(f"  only tollgate: {x}", file=sys.stderr)
        for x in sorted(lacking)[:40]:
            print(f"  only npm ls:   {x}", file=sys.stderr)
    else:
        print(f"ok: {label}: {what} equal npm ls ({len(got) if what == 'packages' else len(got_edges)})")
report("packages", got - want, want - got)
report("dependency edges", got_edges - want_edges, want_edges - got_edges)
if bad_purls:
    ok = False
    print(f"FAIL: {label}: purls not canonical: {bad_purls[:5]}", file=sys.stderr)
print(f"note: {label}: npm ls names {len(missing)} dependencies that are not installed "
      f"(optional or for other platforms), e.g. {sorted(missing)[:3]}")
sys.exit(0 if ok else 1)
PY
}

check() {  # LABEL DIR [npm ls args...]: scans DIR, compares it with npm ls run in DIR
  local label=$1 dir=$2
  shift 2
  run_rc "$TOLLGATE" sbom "$dir" -o "$TMP/$label.json"
  expect_eq "$RC" 0 "$label: tollgate sbom exits 0"
  expect_not_contains "$ERR" "warning" "$label: no warnings"
  (cd "$dir" && npm ls --all --json --long "$@" >"$TMP/$label.npmls.json" 2>/dev/null) || true
  if compare "$TMP/$label.json" "$TMP/$label.npmls.json" "$label"; then
    pass "$label: same packages and edges as npm ls"
  else
    failed "$label: differs from npm ls (above)"
  fi
}

# --- the installed project -----------------------------------------------------------------------
check installed "$PROJECT"

# Lock entries that are not in node_modules (optional packages for other platforms) must not be
# reported for an installed tree, unless the same name@version is installed somewhere else.
uninstalled=$(python3 - "$PROJECT" "$TMP/installed.json" <<'PY'
import json, os, sys
proj, bom = sys.argv[1:]
lock = json.load(open(os.path.join(proj, "package-lock.json")))
installed, absent = set(), set()
for key, p in lock["packages"].items():
    if not key or p.get("link"):
        continue
    name = p.get("name") or key.rsplit("node_modules/", 1)[1]
    (installed if os.path.isdir(os.path.join(proj, key)) else absent).add((name, p.get("version")))
got = set()
for c in json.load(open(bom))["components"]:
    got.add((("@" + c["group"] + "/" if c.get("group") else "") + c["name"], c.get("version")))
print(len(absent - installed), len((absent - installed) & got))
PY
)
read -r n_absent n_reported <<<"$uninstalled"
expect_eq "$n_reported" 0 "installed: none of the $n_absent lock entries absent from node_modules is reported"

# Evidence, hashes and properties of a well-known component.
facts=$(python3 - "$TMP/installed.json" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1]))["components"]:
    if c["name"] == "express" and not c.get("group"):
        locs = sorted(o["location"] for o in c.get("evidence", {}).get("occurrences", []))
        algs = sorted(h["alg"] for h in c.get("hashes", []))
        lic = [l.get("license", {}).get("id") or l.get("expression") for l in c.get("licenses", [])]
        print(" ".join(locs), "|", " ".join(algs), "|", " ".join(map(str, lic)), "|", c["type"])
    if c.get("name") == "tollgate-npm-fixture":
        print("root", c["type"])
PY
)
expect_contains "$facts" "/node_modules/express/package.json /package-lock.json" \
  "express: evidence names its package.json and the lock"
expect_contains "$facts" "SHA-512 | MIT | library" "express: SHA-512 from the lock's integrity, MIT"
expect_contains "$facts" "root application" "the root project is an application component"

# --- the lockfile alone: everything it names, including other platforms' optional packages ------
mkdir "$TMP/lockonly"
cp "$PROJECT/package-lock.json" "$TMP/lockonly/"
check lockonly "$TMP/lockonly" --package-lock-only

# --- lockfileVersion 1 (root dependencies from package.json, as v1 does not record them) --------
mkdir "$TMP/v1"
cp "$FIXTURE/v1/package.json" "$FIXTURE/v1/package-lock.json" "$TMP/v1/"
expect_eq "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lockfileVersion"])' \
  "$TMP/v1/package-lock.json")" 1 "v1: npm wrote a lockfileVersion 1 lock"
check v1 "$TMP/v1" --package-lock-only

# --- malformed files: one warning each, naming the path; the scan goes on ----------------------
B=$TMP/broken
mkdir -p "$B/app/node_modules/bad" "$B/app/node_modules/good" "$B/other"
echo '{"lockfileVersion": 3, "packages": {' >"$B/app/package-lock.json"
echo '{"name": "bad", "version":' >"$B/app/node_modules/bad/package.json"
echo '{"name": "good", "version": "1.0.0"}' >"$B/app/node_modules/good/package.json"
echo '[1, 2, 3]' >"$B/other/npm-shrinkwrap.json"
run_rc "$TOLLGATE" sbom "$B" -o "$TMP/broken.json"
expect_eq "$RC" 0 "malformed: exit 0"
expect_eq "$(grep -c 'warning' <<<"$ERR")" 3 "malformed: three warnings"
expect_contains "$ERR" "/app/package-lock.json: malformed package-lock.json" "malformed: the lock"
expect_contains "$ERR" "/app/node_modules/bad/package.json: malformed package.json" \
  "malformed: the package.json"
expect_contains "$ERR" "/other/npm-shrinkwrap.json: malformed" "malformed: the shrinkwrap"
expect_contains "$(python3 -c 'import json,sys
print(" ".join(c["name"] for c in json.load(open(sys.argv[1]))["components"]))' "$TMP/broken.json")" \
  "good" "malformed: the good package is still found"

finish
