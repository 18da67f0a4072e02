#!/usr/bin/env bash
# The Python cataloger against pip and importlib.metadata on this machine's real installations:
#   1. the interpreter `python3` on PATH: its prefix scanned as the tree root, the distributions
#      found in its site-packages folders against `pip list --path` of those folders, its
#      dependency edges against the requirements importlib.metadata and packaging read, and the
#      files of pip's own RECORD;
#   2. a pyenv root with many interpreters (when there is one): every pypi component against the
#      union of each interpreter's `pip list`;
#   3. Debian's /usr/lib/python3/dist-packages (egg-info files and folders, Debian's hex RECORDs)
#      against `pip list --path` of that folder;
#   4. malformed METADATA and RECORD: one warning each, naming the path, exit 0.
#
# Names are compared PEP 503-normalised on both sides. Known, explained differences:
#   * pip list hides the standard library's own metadata (pip's STDLIB_PKGS: python, wsgiref,
#     argparse, e.g. Python 2.7's lib/python2.7/wsgiref.egg-info); tollgate reports them, so they
#     are checked to be present and then set aside.
#   * Distributions vendored inside another package with their own .dist-info
#     (setuptools/_vendor/*.dist-info) are not on sys.path, so pip does not list them; tollgate
#     reports them (they are code that runs). They are checked against importlib.metadata pointed
#     at that folder instead.
source "$(dirname "$0")/lib/assert.sh"

if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
  failed "python3 with pip is needed (scripts/deps.sh test installs it)"
  finish
  exit
fi

# compare BOM LABEL SCANROOT PYTHON...: pypi components of BOM whose metadata lies directly in
# one of the site folders (purelib, platlib) of the given interpreters against the union of their
# `pip list --path SITE...` (plain `pip list` for a pip older than 19.2, which lacks --path).
compare() {
  python3 - "$@" <<'PY'
import json, os, re, subprocess, sys
bom_path, label, root, *pythons = sys.argv[1:]
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
STDLIB = {"python", "wsgiref", "argparse"}  # pip's STDLIB_PKGS, hidden by pip list

def in_root(host):
    return "/" + os.path.relpath(host, root) if host != root else "/"

want, sites, vendored_dirs = set(), set(), set()
for py in pythons:
    paths = json.loads(subprocess.run([py, "-c", "import sysconfig, json; p = sysconfig.get_paths();"
                                       "print(json.dumps([p['purelib'], p['platlib']]))"],
                                      capture_output=True, text=True, check=True).stdout)
    paths = sorted({os.path.realpath(p) for p in paths if os.path.isdir(p)})
    args = [py, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"]
    out = subprocess.run(args + [a for p in paths for a in ("--path", p)],
                         capture_output=True, text=True)
    if out.returncode != 0 and "no such option" in out.stderr:
        out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode != 0:
        print(f"FAIL: {label}: {' '.join(args)}: {out.stderr.strip()[:300]}", file=sys.stderr)
        sys.exit(1)
    want |= {(norm(d["name"]), d["version"]) for d in json.loads(out.stdout)}
    sites |= {in_root(p) for p in paths}

def meta_dir(loc):  # the folder a distribution is installed into, from its metadata location
    d = os.path.dirname(loc)
    if loc.endswith(".egg-info") and not loc.endswith("/PKG-INFO"):
        return d                                    # a plain egg-info file
    if os.path.basename(d) == "EGG-INFO":
        return os.path.dirname(os.path.dirname(d))  # an unzipped egg
    return os.path.dirname(d)

got, stdlib_seen, vendored = set(), set(), set()
for c in json.load(open(bom_path)).get("components", []):
    if not c.get("purl", "").startswith("pkg:pypi/"):
        continue
    key = (norm(c["name"]), c.get("version", ""))
    expected_purl = f"pkg:pypi/{key[0]}@{key[1]}"
    if c["purl"] != expected_purl and re.fullmatch(r"[A-Za-z0-9._-]*", key[1]):
        print(f"FAIL: {label}: purl {c['purl']} is not {expected_purl}", file=sys.stderr)
        sys.exit(1)
    for o in (c.get("evidence") or {}).get("occurrences", []):
        where = meta_dir(o["location"])
        if where in sites:
            got.add(key)
        elif key[0] in STDLIB:
            stdlib_seen.add(key)
        else:
            vendored.add((key, where))

ok = True
extra, missing = got - want, want - got
if extra or missing:
    ok = False
    print(f"FAIL: {label}: distributions differ from pip list", file=sys.stderr)
    for x in sorted(extra):
        print(f"  only tollgate: {x}", file=sys.stderr)
    for x in sorted(missing):
        print(f"  only pip:      {x}", file=sys.stderr)
else:
    print(f"ok: {label}: {len(got)} distributions equal pip list")
if stdlib_seen:
    print(f"note: {label}: also reported, hidden by pip list as standard library: "
          f"{sorted(stdlib_seen)}")
# Vendored distributions: importlib.metadata, pointed at their folder, must agree.
for key, where in sorted(vendored):
    host = os.path.join(root, where.lstrip("/"))
    code = ("import importlib.metadata as m, json, sys;"
            "print(json.dumps([[d.metadata['Name'], d.version] "
            "for d in m.distributions(path=[sys.argv[1]])]))")
    out = subprocess.run([sys.executable, "-c", code, host], capture_output=True, text=True)
    found = {(norm(n), v) for n, v in json.loads(out.stdout or "[]")}
    if key in found:
        print(f"ok: {label}: vendored {key[0]} {key[1]} in {where} (importlib.metadata agrees)")
    else:
        ok = False
        print(f"FAIL: {label}: {key} in {where} is not a distribution for importlib.metadata "
              f"({sorted(found)[:5]})", file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

# edges BOM ROOT PYTHON: dependency edges between the interpreter's site-packages distributions
# against the requirements importlib.metadata reports, parsed with packaging (pip's vendored
# copy): requirements whose marker mentions `extra` are skipped and other markers are not
# evaluated (tollgate's documented rule), and only targets installed in the same folder count.
edges() {
  "$3" - "$1" "$2" <<'PY'
import importlib.metadata as md, json, os, re, sys, sysconfig
from pip._vendor.packaging.requirements import Requirement
bom_path, root = sys.argv[1:]
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
want, sources = set(), set()
for site in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
    dists = {}
    for d in md.distributions(path=[site]):
        dists.setdefault(norm(d.metadata["Name"]), d)
    for name, d in dists.items():
        sources.add(f"{name}@{d.version}")
        for r in d.requires or []:
            try:
                req = Requirement(r)
            except Exception:
                continue
            if req.marker is not None and "extra" in str(req.marker):
                continue
            t = norm(req.name)
            if t in dists and t != name:
                want.add((f"{name}@{d.version}", f"{t}@{dists[t].version}"))
bom = json.load(open(bom_path))
ref = {c["bom-ref"]: f"{norm(c['name'])}@{c.get('version', '')}" for c in bom["components"]
       if c.get("purl", "").startswith("pkg:pypi/")}
got = set()
for d in bom.get("dependencies", []):
    for t in d.get("dependsOn", []):
        if d["ref"] in ref and t in ref:
            got.add((ref[d["ref"]], ref[t]))
got = {e for e in got if e[0] in sources}
if got != want:
    for e in sorted(got - want):
        print(f"  only tollgate: {e}", file=sys.stderr)
    for e in sorted(want - got):
        print(f"  only packaging: {e}", file=sys.stderr)
    sys.exit(1)
print(f"ok: {len(got)} edges")
PY
}

# --- 1. the interpreter on PATH ------------------------------------------------------------------
PY=$(command -v python3)
PREFIX=$(python3 -c 'import sys, os; print(os.path.realpath(sys.prefix))')
run_rc "$TOLLGATE" sbom "$PREFIX" -o "$TMP/prefix.json"
expect_eq "$RC" 0 "prefix $PREFIX: tollgate sbom exits 0"
if compare "$TMP/prefix.json" "prefix" "$PREFIX" "$PY"; then
  pass "prefix: distributions equal pip list"
else
  failed "prefix: differs from pip list (above)"
fi
if out=$(edges "$TMP/prefix.json" "$PREFIX" "$PY"); then
  pass "prefix: dependency edges equal packaging's reading of Requires-Dist ($out)"
else
  failed "prefix: dependency edges differ (above)"
fi
# pip's own RECORD: every file it lists that exists is a file of the component.
files=$(python3 - "$TMP/prefix.json" "$PREFIX" <<'PY'
import csv, json, os, sys, importlib.metadata as md
bom_path, root = sys.argv[1:]
dist = md.distribution("pip")
site = str(dist.locate_file(""))
listed = set()
for row in csv.reader(dist.read_text("RECORD").splitlines()):
    p = os.path.normpath(os.path.join(site, row[0]))
    if os.path.isfile(p):
        listed.add("/" + os.path.relpath(os.path.realpath(p), root))
for c in json.load(open(bom_path))["components"]:
    if c.get("purl", "").startswith("pkg:pypi/pip@" + dist.version):
        have = {f["name"] for f in c.get("components", []) if f.get("type") == "file"}
        hashed = sum(1 for f in c.get("components", []) if f.get("hashes"))
        print(len(listed), len(listed - have), hashed == len(have))
PY
)
read -r n_listed n_missing all_hashed <<<"$files"
expect_eq "$n_missing" 0 "pip: all $n_listed existing files of its RECORD are its files"
expect_eq "$all_hashed" True "pip: its files carry SHA-256 hashes"

# --- 2. a pyenv root with many interpreters ------------------------------------------------------
PYENV_ROOT=${PYENV_ROOT:-$(pyenv root 2>/dev/null || true)}
if [ -n "$PYENV_ROOT" ] && [ -d "$PYENV_ROOT/versions" ]; then
  run_rc "$TOLLGATE" sbom "$PYENV_ROOT" --no-hash -o "$TMP/pyenv.json"
  expect_eq "$RC" 0 "pyenv root: tollgate sbom exits 0"
  interpreters=()
  for p in "$PYENV_ROOT"/versions/*/bin/python; do
    "$p" -m pip --version >/dev/null 2>&1 && interpreters+=("$p")
  done
  if compare "$TMP/pyenv.json" "pyenv" "$PYENV_ROOT" "${interpreters[@]}"; then
    pass "pyenv: ${#interpreters[@]} interpreters' distributions equal the union of their pip lists"
  else
    failed "pyenv: differs from the union of pip lists (above)"
  fi
else
  echo "note: no pyenv root here; skipping the many-interpreters check"
fi

# --- 3. Debian's dist-packages -------------------------------------------------------------------
DIST=/usr/lib/python3/dist-packages
if [ -d "$DIST" ] && python3 -m pip list --path "$DIST" >/dev/null 2>&1; then
  run_rc "$TOLLGATE" sbom "$DIST" -o "$TMP/dist.json"
  expect_eq "$RC" 0 "dist-packages: tollgate sbom exits 0"
  expect_not_contains "$ERR" "warning" "dist-packages: no warnings (Debian's hex RECORD digests)"
  cnt=$(python3 - "$TMP/dist.json" "$DIST" <<'PY'
import json, re, subprocess, sys
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
got = {(norm(c["name"]), c.get("version", "")) for c in json.load(open(sys.argv[1]))["components"]
       if c.get("purl", "").startswith("pkg:pypi/")}
out = subprocess.run([sys.executable, "-m", "pip", "list", "--format=json", "--path", sys.argv[2]],
                     capture_output=True, text=True, check=True).stdout
want = {(norm(d["name"]), d["version"]) for d in json.loads(out)}
for x in sorted(got - want): print("  only tollgate:", x, file=sys.stderr)
for x in sorted(want - got): print("  only pip:", x, file=sys.stderr)
print(len(got), got == want)
PY
)
  expect_contains "$cnt" "True" "dist-packages: distributions equal pip list --path ($cnt)"
else
  echo "note: no $DIST (or pip lacks --path); skipping"
fi

# --- 4. malformed files ---------------------------------------------------------------------------
S=$TMP/broken/lib/python3.11/site-packages
mkdir -p "$S/bad-1.0.dist-info" "$S/good-2.0.dist-info" "$S/fine-3.0.dist-info"
printf 'not a header line\n' >"$S/bad-1.0.dist-info/METADATA"
printf 'Metadata-Version: 2.1\nName: good\nVersion: 2.0\n' >"$S/good-2.0.dist-info/METADATA"
printf '"unterminated,,\n' >"$S/good-2.0.dist-info/RECORD"
printf 'Metadata-Version: 2.1\nName: fine\nVersion: 3.0\n' >"$S/fine-3.0.dist-info/METADATA"
run_rc "$TOLLGATE" sbom "$TMP/broken" -o "$TMP/broken.json"
expect_eq "$RC" 0 "malformed: exit 0"
expect_eq "$(grep -c warning <<<"$ERR")" 2 "malformed: two warnings"
expect_contains "$ERR" "bad-1.0.dist-info/METADATA: malformed core metadata" "malformed: METADATA"
expect_contains "$ERR" "good-2.0.dist-info/RECORD: malformed RECORD" "malformed: RECORD"
names=$(python3 -c 'import json,sys
print(" ".join(sorted(c["name"] + "@" + c["version"] for c in json.load(open(sys.argv[1]))["components"])))' \
  "$TMP/broken.json")
expect_eq "$names" "bad@1.0 fine@3.0 good@2.0" "malformed: every distribution still found"

finish
