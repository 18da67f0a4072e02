#!/usr/bin/env bash
# The dpkg cataloger against real data, with dpkg-query as the oracle:
#   1. a debootstrap bookworm minbase root (cached, lib/rootfs.sh): the (name, version, arch) set
#      equals `dpkg-query -W`; every package has a source; owned files carry the right SHA-256;
#      DEP-5 copyright files give licences; Depends become dependency edges;
#   2. a small admin directory with packages in every dpkg state and an updates/ journal;
#   3. a copy of the root with a malformed status paragraph and a malformed .list: warnings
#      naming the files, exit code 0, the rest intact;
#   4. this machine's own /var/lib/dpkg (the live root).
source "$(dirname "$0")/lib/assert.sh"
source "$(dirname "$0")/lib/rootfs.sh"

# Python helpers over the CycloneDX JSON. dpkg components are the pkg:deb purls.
cat >"$TMP/dpkg_check.py" <<'PY'
import json, os, subprocess, sys

def load(path):
    with open(path) as f:
        return json.load(f)

def props(c):
    return {p["name"]: p["value"] for p in c.get("properties", [])}

def debs(bom):
    # Installed packages only: .deb files lying in the tree (apt's cache, for one) are
    # components too, marked with tollgate:deb:package-file, and dpkg-query does not list them.
    return [c for c in bom.get("components", []) if c.get("purl", "").startswith("pkg:deb/")
            and "tollgate:deb:package-file" not in props(c)]

def triples(bom):
    return {(c["name"], c.get("version", ""), props(c).get("tollgate:dpkg:arch", "")) for c in debs(bom)}

def oracle(admindir):
    out = subprocess.run(["dpkg-query", "--admindir=" + admindir, "-W", "-f",
                          "${Package}\t${Version}\t${Architecture}\n"],
                         check=True, capture_output=True, text=True).stdout
    return {tuple(l.split("\t")) for l in out.splitlines() if l}

def resolve_in_root(root, path):
    """The host path of an in-root path, following symlinks like a chroot would."""
    parts = [p for p in path.split("/") if p]
    done = []
    hops = 0
    while parts:
        p = parts.pop(0)
        if p == "..":
            if done: done.pop()
            continue
        if p == ".": continue
        host = os.path.join(root, *done, p)
        if os.path.islink(host):
            hops += 1
            if hops > 40: return None
            t = os.readlink(host)
            if t.startswith("/"): done = []
            parts = [x for x in t.split("/") if x] + parts
            continue
        done.append(p)
    return os.path.join(root, *done)

def cmd_compare(bom_path, admindir):
    got, want = triples(load(bom_path)), oracle(admindir)
    for t in sorted(want - got): print("missing from tollgate:", "\t".join(t))
    for t in sorted(got - want): print("extra in tollgate:   ", "\t".join(t))
    print(f"tollgate {len(got)} dpkg-query {len(want)}")
    return 0 if got == want else 1

def cmd_sources(bom_path):
    bad = [c["name"] for c in debs(load(bom_path))
           if not props(c).get("tollgate:dpkg:source") or not props(c).get("tollgate:dpkg:source-version")]
    for n in bad: print("no source name/version:", n)
    return 1 if bad else 0

def cmd_hashes(bom_path, root, sample):
    import hashlib, random
    files = []
    for c in debs(load(bom_path)):
        for f in c.get("components", []):
            if f.get("type") == "file":
                files.append((c["name"], f["name"], {h["alg"]: h["content"] for h in f.get("hashes", [])}))
    with_hash = [f for f in files if "SHA-256" in f[2]]
    print(f"{len(files)} owned files, {len(with_hash)} with SHA-256")
    if len(with_hash) < 1000: print("too few hashed files"); return 1
    random.seed(42)
    bad = 0
    for pkg, path, h in random.sample(with_hash, min(sample, len(with_hash))):
        host = resolve_in_root(root, path)
        digest = hashlib.sha256(open(host, "rb").read()).hexdigest() if host and os.path.isfile(host) else None
        if digest != h["SHA-256"]:
            bad += 1
            print(f"{pkg} {path}: tollgate {h['SHA-256']} sha256sum {digest}")
    # Files are the package's non-directories: no owned file is a directory in the root (the
    # last component not followed: a symlink the package ships is a file), and on a merged-/usr
    # root the /bin that base-files lists as a directory is no file either.
    def is_dir(p):
        parent = resolve_in_root(root, os.path.dirname(p))
        h = os.path.join(parent, os.path.basename(p)) if parent else None
        return bool(h) and os.path.isdir(h) and not os.path.islink(h)
    dirs = [p for _, p, _ in files if is_dir(p) or p in ("/bin", "/lib", "/sbin")]
    for p in dirs[:10]: print("directory listed as a file:", p)
    return 1 if bad or dirs else 0

def is_dep5(path):
    try:
        with open(path, "rb") as f:
            first = f.readline().decode("utf-8", "replace").lower()
    except OSError:
        return False
    return first.startswith("format:") and "copyright-format" in first

def cmd_licenses(bom_path, root):
    comps = debs(load(bom_path))
    expected = [c for c in comps if is_dep5(resolve_in_root(root, f"/usr/share/doc/{c['name']}/copyright") or "")]
    lacking = [c["name"] for c in expected if not c.get("licenses")]
    spurious = [c["name"] for c in comps if c.get("licenses") and c not in expected]
    print(f"{len(expected)} packages with DEP-5 copyright, {len(lacking)} without licences, {len(spurious)} licences without DEP-5")
    for n in lacking: print("no licence:", n)
    for n in spurious: print("licence without DEP-5 file:", n)
    ok_ids = sum(1 for c in expected for l in c.get("licenses", []) if "expression" in l or "id" in l.get("license", {}))
    print(f"{ok_ids} SPDX licence entries")
    return 1 if lacking or spurious or not expected or ok_ids == 0 else 0

def cmd_deps(bom_path, admindir):
    bom = load(bom_path)
    ref = {c["name"]: c["bom-ref"] for c in debs(bom)}
    edges = {d["ref"]: set(d.get("dependsOn", [])) for d in bom.get("dependencies", [])}
    out = subprocess.run(["dpkg-query", "--admindir=" + admindir, "-W", "-f",
                          "${Package}\t${Pre-Depends}, ${Depends}\n"],
                         check=True, capture_output=True, text=True).stdout
    need = missing = 0
    for line in out.splitlines():
        pkg, rels = line.split("\t", 1)
        for group in rels.split(","):
            alts = [a.strip().split(" ")[0].split(":")[0] for a in group.split("|") if a.strip()]
            # Single-alternative dependencies on an installed package must be edges.
            if len(alts) != 1 or alts[0] not in ref or alts[0] == pkg: continue
            need += 1
            if ref[alts[0]] not in edges.get(ref.get(pkg, ""), set()):
                missing += 1
                print(f"missing edge {pkg} -> {alts[0]}")
    libc = ref.get("libc6")
    on_libc = sum(1 for r, to in edges.items() if libc in to)
    print(f"{need} plain dependencies, {missing} missing edges, {on_libc} packages depend on libc6")
    return 1 if missing or on_libc < 10 else 0

if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    sys.exit({"compare": cmd_compare, "sources": cmd_sources,
              "hashes": lambda b, r: cmd_hashes(b, r, 200),
              "licenses": cmd_licenses, "deps": cmd_deps}[cmd](*args))
PY
check() {  # check NAME MESSAGE ARGS...: runs a helper, prints its output, records pass/fail
  local name=$1 msg=$2
  shift 2
  local out rc=0
  out=$(python3 "$TMP/dpkg_check.py" "$name" "$@" 2>&1) || rc=$?
  printf '%s\n' "$out" | head -n 40
  if [ "$rc" -eq 0 ]; then pass "$msg"; else failed "$msg"; fi
}

# ---- 1. the debootstrap root ------------------------------------------------------------------
ROOT=$(tollgate_rootfs_bookworm) || {
  failed "cannot create the debootstrap root (needs root, debootstrap and deb.debian.org)"
  finish
  exit 1
}
ADMIN=$ROOT/var/lib/dpkg
run_rc "$TOLLGATE" sbom "$ROOT" --format cyclonedx-json -o "$TMP/root.json"
expect_eq "$RC" 0 "sbom of the debootstrap root exits 0"
expect_eq "$(printf '%s\n' "$ERR" | grep -c -E 'warning: /(var/lib/dpkg|usr/share/doc)/' || true)" 0 \
  "no dpkg warnings on a clean root"
check compare "debootstrap root: packages equal dpkg-query -W" "$TMP/root.json" "$ADMIN"
check sources "debootstrap root: every package has a source name and version" "$TMP/root.json"
check hashes "debootstrap root: owned files carry SHA-256 equal to sha256sum" "$TMP/root.json" "$ROOT"
check licenses "debootstrap root: DEP-5 copyright files give licences" "$TMP/root.json" "$ROOT"
check deps "debootstrap root: Depends/Pre-Depends are dependency edges" "$TMP/root.json" "$ADMIN"
purl=$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); print([c["purl"] for c in b["components"] if c["name"]=="libc6"][0])' "$TMP/root.json")
ver=$(dpkg-query --admindir="$ADMIN" -W -f '${Version}' libc6)
expect_eq "$purl" "pkg:deb/debian/libc6@${ver//+/%2B}?arch=amd64&distro=debian-12" "libc6 purl"

# ---- 2. every dpkg state, and the updates journal ----------------------------------------------
S=$TMP/states
mkdir -p "$S/var/lib/dpkg/updates" "$S/etc"
printf 'ID=debian\nVERSION_ID="12"\n' >"$S/etc/os-release"
i=0
for st in "install ok installed" "deinstall ok config-files" "purge ok not-installed" \
          "install reinstreq half-installed" "install ok unpacked" "hold ok triggers-pending" \
          "install ok half-configured" "install ok triggers-awaited" "unknown ok not-installed" \
          "install ok installed" "install ok installed"; do
  i=$((i + 1))
  # dpkg refuses trigger states without the trigger fields that explain them.
  extra=""
  case "$st" in
    *triggers-pending) extra="Triggers-Pending: some-trigger\n" ;;
    *triggers-awaited) extra="Triggers-Awaited: p6\n" ;;
  esac
  printf "Package: p%d\nStatus: %s\nVersion: %d.0\nArchitecture: amd64\nMaintainer: m\nDescription: d\n${extra}\n" \
    "$i" "$st" "$i" >>"$S/var/lib/dpkg/status"
done
printf 'Package: p10\nStatus: purge ok not-installed\nArchitecture: amd64\n\nPackage: p11\nStatus: install ok installed\nVersion: 11.1\nArchitecture: amd64\nMaintainer: m\nDescription: d\n' \
  >"$S/var/lib/dpkg/updates/0000"
printf 'Package: p12\nStatus: install ok unpacked\nVersion: 12.0\nArchitecture: all\nMaintainer: m\nDescription: d\n' \
  >"$S/var/lib/dpkg/updates/0001"
run_rc "$TOLLGATE" sbom "$S" --format cyclonedx-json -o "$TMP/states.json"
expect_eq "$RC" 0 "states fixture exits 0"
check compare "dpkg states and updates journal: packages equal dpkg-query -W" "$TMP/states.json" "$S/var/lib/dpkg"

# ---- 3. malformed status paragraph and .list ---------------------------------------------------
# A hard-linked copy is instant; the two files changed are replaced (new inodes), never edited
# in place, so the cached root stays intact.
B=$TMP/bad-root
cp -al "$ROOT" "$B" 2>/dev/null || cp -a "$ROOT" "$B"
{ cat "$ADMIN/status"; printf '\nPackage: broken-package\nStatus: install ok\nVersion: 1\nthis line is not a field\n'; } >"$TMP/status.new"
mv "$TMP/status.new" "$B/var/lib/dpkg/status"
{ cat "$ADMIN/info/coreutils.list"; printf 'relative/path\n\x01\x02 binary junk\n'; } >"$TMP/list.new"
mv "$TMP/list.new" "$B/var/lib/dpkg/info/coreutils.list"
run_rc "$TOLLGATE" sbom "$B" --format cyclonedx-json -o "$TMP/bad.json"
expect_eq "$RC" 0 "malformed status and .list: exit 0"
expect_contains "$ERR" "warning: /var/lib/dpkg/status: " "malformed status: a warning naming the file"
expect_contains "$ERR" "warning: /var/lib/dpkg/info/coreutils.list: 2 malformed lines" "malformed .list: a warning naming the file"
expect_eq "$(printf '%s\n' "$ERR" | grep -c 'warning: /var/lib/dpkg/status:' || true)" 1 "one warning for the status file"
check compare "malformed copy: all other packages still found" "$TMP/bad.json" "$ADMIN"
ncu=$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); print(len([c for c in b["components"] if c["name"]=="coreutils"][0].get("components",[])))' "$TMP/bad.json")
ncu0=$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); print(len([c for c in b["components"] if c["name"]=="coreutils"][0].get("components",[])))' "$TMP/root.json")
expect_eq "$ncu" "$ncu0" "malformed .list: the valid lines still give coreutils its files"

# ---- 4. this machine ---------------------------------------------------------------------------
if [ -f /var/lib/dpkg/status ]; then
  before=$(dpkg-query -W -f '${Package}\t${Version}\t${Architecture}\n' | sort | sha256sum)
  run_rc "$TOLLGATE" sbom / --no-hash --exclude /home --exclude /tmp --exclude /work \
    --exclude /var/tmp -q -o "$TMP/live.json"
  after=$(dpkg-query -W -f '${Package}\t${Version}\t${Architecture}\n' | sort | sha256sum)
  expect_eq "$RC" 0 "sbom of the live root exits 0"
  if [ "$before" = "$after" ]; then
    check compare "live root: packages equal dpkg-query -W" "$TMP/live.json" /var/lib/dpkg
    check sources "live root: every package has a source name and version" "$TMP/live.json"
  else
    echo "note: packages were installed or removed during the scan; live comparison skipped"
  fi
fi

finish
