#!/usr/bin/env bash
# tollgate diff against diffoscope, in one run:
#   1. two versions of a real Debian package set (bookworm point release vs security/updates:
#      openssl, libssl3, curl, libcurl4, perl-base, python3.11-minimal, libpython3.11-stdlib,
#      git, systemd), unpacked with dpkg-deb into old/ and new/ trees;
#   2. the two AcmeChat releases of the diff test (the trojanized update).
# For each pair: wall time of `tollgate diff --format json` and of
# `diffoscope --json --exclude-directory-metadata=yes`, the ratio, and whether both found the
# same set of changed files (content changed, present in both trees).
# Goal (issue 5): tollgate >= 20x faster than diffoscope with the same set of changed files.
#
# usage: bench/diff.sh           (BUILD=dir for another build dir; PKGS="a b" for another set)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$here/build}
TOLLGATE=${TOLLGATE:-$BUILD/tollgate}
export TOLLGATE_BUILD_DIR=$BUILD TZ=UTC LC_ALL=C
OUT=$BUILD/bench-diff
CACHE=$BUILD/cache/diffbench
mkdir -p "$OUT" "$CACHE"
[ -x "$TOLLGATE" ] || { echo "bench: build first (make build)" >&2; exit 2; }
command -v diffoscope >/dev/null || {
  echo "bench: installing diffoscope-minimal" >&2
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends diffoscope-minimal >/dev/null
}
PKGS=${PKGS:-"openssl libssl3 curl libcurl4 perl-base python3.11-minimal libpython3.11-stdlib git systemd"}

# ---- inputs: the two newest versions apt knows of each package, unpacked -------------------------
if [ ! -f "$CACHE/.done" ] || [ "$(cat "$CACHE/.done")" != "$PKGS" ]; then
  rm -rf "$CACHE"/{old,new,debs}
  mkdir -p "$CACHE/old" "$CACHE/new" "$CACHE/debs"
  for p in $PKGS; do
    mapfile -t vers < <(apt-cache madison "$p" | awk '{print $3}' | sort -u | sort -V -r | head -2)
    if [ ${#vers[@]} -lt 2 ]; then echo "bench: $p has one version only, skipped" >&2; continue; fi
    (cd "$CACHE/debs" && apt-get download -qq "$p=${vers[1]}" "$p=${vers[0]}" >/dev/null)
    dpkg-deb -x "$CACHE/debs/${p}_${vers[1]//:/%3a}_"*.deb "$CACHE/old"
    dpkg-deb -x "$CACHE/debs/${p}_${vers[0]//:/%3a}_"*.deb "$CACHE/new"
    echo "bench: $p ${vers[1]} -> ${vers[0]}" >&2
  done
  echo "$PKGS" >"$CACHE/.done"
fi

REL=$BUILD/cache/diffbench-releases
[ -f "$REL/.done" ] || { bash "$here/tests/data/integrity/build_releases.sh" "$REL" && touch "$REL/.done"; }

now() { date +%s.%N; }

# Changed files (same path, different content) as each tool reports them, one per line.
tollgate_changed() {
  python3 -c 'import json,sys
for f in json.load(open(sys.argv[1]))["changes"]["files"]:
    if f["change"] == "changed" and "old_sha256" in f and "new_sha256" in f: print(f["path"])' "$1" | sort
}
diffoscope_changed() {
  # Every detail (at any depth) naming the same regular file of both trees: diffoscope names
  # directory members by path, relative or absolute depending on the level.
  python3 - "$1" "$2" "$3" <<'EOF'
import json, os, sys
doc, old, new = json.load(open(sys.argv[1])), sys.argv[2].rstrip("/"), sys.argv[3].rstrip("/")
def rel(p, root):
    if p.startswith(root + "/"):
        p = p[len(root) + 1:]
    while p.startswith("./"):
        p = p[2:]
    return p.lstrip("/")
out = set()
def walk(d):
    for x in d.get("details", []) or []:
        s1, s2 = x.get("source1", ""), x.get("source2", "")
        r1, r2 = rel(s1, old), rel(s2, new)
        if r1 and r1 == r2 and os.path.isfile(os.path.join(old, r1)) and \
           not os.path.islink(os.path.join(old, r1)) and os.path.isfile(os.path.join(new, r2)):
            out.add(r1)
        else:
            walk(x)
walk(doc)
for p in sorted(out):
    print(p)
EOF
}

bench_pair() {  # NAME OLD NEW
  local name=$1 old=$2 new=$3
  local t0 t1 t2 t3
  t0=$(now)
  "$TOLLGATE" diff "$old" "$new" --format json -q -o "$OUT/$name.tollgate.json" || true
  t1=$(now)
  t2=$(now)
  diffoscope --json "$OUT/$name.diffoscope.json" --exclude-directory-metadata=yes \
    --no-progress "$old" "$new" >/dev/null 2>"$OUT/$name.diffoscope.err" || true
  t3=$(now)
  tollgate_changed "$OUT/$name.tollgate.json" >"$OUT/$name.tollgate.changed"
  diffoscope_changed "$OUT/$name.diffoscope.json" "$old" "$new" >"$OUT/$name.diffoscope.changed"
  local tt dt same findings
  tt=$(echo "$t1 - $t0" | bc -l)
  dt=$(echo "$t3 - $t2" | bc -l)
  if cmp -s "$OUT/$name.tollgate.changed" "$OUT/$name.diffoscope.changed"; then same=yes; else same=NO; fi
  findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$OUT/$name.tollgate.json")
  printf '%-22s files %6s  changed %4s/%4s  same-set %-3s  tollgate %7.2fs  diffoscope %8.2fs  ratio %6.1fx  findings %s\n' \
    "$name" "$(find "$new" -type f | wc -l)" "$(wc -l <"$OUT/$name.tollgate.changed")" \
    "$(wc -l <"$OUT/$name.diffoscope.changed")" "$same" "$tt" "$dt" "$(echo "$dt / $tt" | bc -l)" "$findings"
  if [ "$same" = NO ]; then
    diff "$OUT/$name.tollgate.changed" "$OUT/$name.diffoscope.changed" | head -20 >&2 || true
  fi
}

echo "machine: $(nproc) cores, $(uname -m); tollgate $("$TOLLGATE" --version | head -1); diffoscope $(diffoscope --version | awk '{print $2}')"
bench_pair debian-packages "$CACHE/old" "$CACHE/new"
bench_pair acmechat-trojan "$REL/r1" "$REL/r2-trojan"
