#!/usr/bin/env bash
# `tollgate diff` (issue #5) on ELF and Mach-O releases built here (tests/data/integrity/
# build_native.sh: gcc shared libraries, clang-19 + ld64.lld executables in a .app bundle and with
# an embedded __info_plist, Debian packages): rule 3 reads the Mach-O bundle version (Info.plist
# XML or binary, and __TEXT,__info_plist) and the package version; rule 4 compares ELF and Mach-O
# imports; rule 5 decodes XOR-encoded bare domains and addresses; two .deb files and two container
# images (OCI layout, docker-archive) compare as releases. Clean rebuilds and version bumps raise
# nothing.
source "$(dirname "$0")/lib/assert.sh"

[ -x /usr/lib/llvm-19/bin/ld64.lld ] || { echo "SKIP: missing lld-19 (scripts/deps.sh test)"; exit 0; }
skip_unless_tools gcc clang-19 plistutil dpkg-deb python3

R=$(cached_fixture integrity-native "$TOLLGATE_SOURCE_DIR/tests/data/integrity/build_native.sh")

ids() { python3 -c 'import json,sys; print(" ".join(sorted(f["id"]+"@"+f["subject"] for f in json.load(sys.stdin)["findings"])))'; }
check() {  # PYTHON-EXPRESSION-ON-findings-as-list-F MESSAGE
  local v
  v=$(python3 -c "import json,sys
F=json.load(sys.stdin)['findings']
def f(i, s): return [x for x in F if x['id']==i and x['subject']==s][0]
print($1)" <<<"$OUT")
  expect_eq "$v" True "$2"
}

# --- ELF: a shared library that gained a loader -------------------------------------------------
run_rc "$TOLLGATE" diff "$R/elf-r1" "$R/elf-r2-trojan" --format json
expect_eq "$RC" 0 "ELF diff exits 0 without --fail-on"
got=$(ids <<<"$OUT")
expect_contains " $got " " new-sensitive-imports@usr/lib/libcodec.so.1 " "ELF: new sensitive imports"
expect_contains " $got " " new-network-indicator@usr/lib/libcodec.so.1 " "ELF: XOR-encoded bare domain found"
check "sorted(f('new-sensitive-imports','usr/lib/libcodec.so.1')['evidence']['added']) == ['file-read','memory-protection']" "ELF: file-read and memory-protection groups"
check "{'mprotect','mmap'} <= set(f('new-sensitive-imports','usr/lib/libcodec.so.1')['evidence']['added']['memory-protection']) and {'opendir','readdir','open'} <= set(f('new-sensitive-imports','usr/lib/libcodec.so.1')['evidence']['added']['file-read'])" "ELF: mprotect, mmap, opendir, readdir, open"
check "f('new-sensitive-imports','usr/lib/libcodec.so.1')['evidence']['format'] == 'elf'" "ELF: format in evidence"
check "{(i['kind'],i['value'],i['encoding']) for i in f('new-network-indicator','usr/lib/libcodec.so.1')['evidence']['indicators']} == {('domain','c2.example-update.com','xor:0x37'),('ip','185.220.101.47','xor:0x21')}" "ELF: the XOR domain (key 0x37) and address (key 0x21), nothing else"
expect_contains "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"])' <<<"$OUT")" "c2.example-update.com" "summary names the decoded domain"
run_rc "$TOLLGATE" diff "$R/elf-r1" "$R/elf-r1-rebuild" --fail-on info
expect_eq "$RC" 0 "ELF clean rebuild: no findings"

# Sensitive groups are data: an overlay that empties them silences rule 4.
printf 'sensitive_imports:\n  memory-protection: []\n  file-read: []\n' >"$TMP/groups.yaml"
run_rc "$TOLLGATE" diff "$R/elf-r1" "$R/elf-r2-trojan" --config "$TMP/groups.yaml" --format json
expect_not_contains "$(ids <<<"$OUT")" "new-sensitive-imports" "groups come from the configuration"
printf 'sensitive_imports:\n  loader: ["lib:libc.so*", "mprot*"]\n' >"$TMP/groups.yaml"
run_rc "$TOLLGATE" diff "$R/elf-r1" "$R/elf-r2-trojan" --config "$TMP/groups.yaml" --format json
check "f('new-sensitive-imports','usr/lib/libcodec.so.1')['evidence']['added']['loader'] == ['mprotect', 'libc.so.6']" "configured prefix and library patterns match"

# --- Two .deb files: same package version, new code ---------------------------------------------
run_rc "$TOLLGATE" diff "$R/codec_1.0-1_amd64.deb" "$R/trojan/codec_1.0-1_amd64.deb" --format json
got=$(ids <<<"$OUT")
expect_contains " $got " " changed-without-version-bump@data.tar.gz!/usr/lib/libcodec.so.1 " ".deb: changed under the same package version"
expect_contains " $got " " new-sensitive-imports@data.tar.gz!/usr/lib/libcodec.so.1 " ".deb: new imports inside the package"
check "f('changed-without-version-bump','data.tar.gz!/usr/lib/libcodec.so.1')['evidence']['version'] == '1.0-1' and f('changed-without-version-bump','data.tar.gz!/usr/lib/libcodec.so.1')['evidence']['version_source'] == 'package'" ".deb: the package version is the declared one"
run_rc "$TOLLGATE" diff "$R/codec_1.0-1_amd64.deb" "$R/codec_1.0-1_amd64.deb" --fail-on info
expect_eq "$RC" 0 ".deb against itself: no findings"

# --- Container images: an OCI layout (umoci) against a docker-save tarball (skopeo) -------------
if command -v umoci >/dev/null && command -v skopeo >/dev/null; then
  for v in r1 r2-trojan; do
    umoci init --layout "$TMP/oci-$v"
    umoci new --image "$TMP/oci-$v:codec"
    umoci insert --rootless --image "$TMP/oci-$v:codec" "$R/elf-$v" / >/dev/null
  done
  skopeo copy --quiet "oci:$TMP/oci-r2-trojan:codec" "docker-archive:$TMP/codec-r2.tar:example/codec:2" >/dev/null 2>&1
  run_rc "$TOLLGATE" diff "$TMP/oci-r1" "$TMP/codec-r2.tar" --format json
  expect_eq "$RC" 0 "images: OCI layout against docker-archive"
  got=$(ids <<<"$OUT")
  expect_contains " $got " " new-sensitive-imports@usr/lib/libcodec.so.1 " "images: the library's new imports"
  expect_contains " $got " " new-network-indicator@usr/lib/libcodec.so.1 " "images: the XOR-encoded host"
  run_rc "$TOLLGATE" diff "$TMP/oci-r1" "$TMP/oci-r1" --fail-on info
  expect_eq "$RC" 0 "images: an image against itself raises nothing"
else
  echo "SKIP: container images (umoci, skopeo missing)"
fi

# --- Mach-O: the .app bundle and a tool with an embedded Info.plist -----------------------------
run_rc "$TOLLGATE" diff "$R/mac-r1" "$R/mac-r2-trojan" --format json
got=$(ids <<<"$OUT")
for want in changed-without-version-bump@Codec.app/Contents/MacOS/Codec \
  changed-without-version-bump@bin/codec-helper \
  new-sensitive-imports@Codec.app/Contents/MacOS/Codec new-sensitive-imports@bin/codec-helper; do
  expect_contains " $got " " $want " "Mach-O rule fires: $want"
done
expect_eq "$(wc -w <<<"$got")" 4 "Mach-O: exactly the four expected findings"
check "f('changed-without-version-bump','Codec.app/Contents/MacOS/Codec')['evidence']['version'] == '1.0 (100)' and f('changed-without-version-bump','Codec.app/Contents/MacOS/Codec')['evidence']['version_source'] == 'Info.plist' and f('changed-without-version-bump','Codec.app/Contents/MacOS/Codec')['evidence']['bundle_identifier'] == 'com.example.codec'" "bundle version from Contents/Info.plist"
check "f('changed-without-version-bump','bin/codec-helper')['evidence']['version_source'] == '__info_plist'" "version from the embedded __TEXT,__info_plist"
check "f('new-sensitive-imports','bin/codec-helper')['evidence']['added'] == {'file-read':['opendir','readdir'],'memory-protection':['mprotect']}" "Mach-O (chained fixups): imports compared"
check "f('new-sensitive-imports','Codec.app/Contents/MacOS/Codec')['evidence']['format'] == 'macho'" "Mach-O (bind opcodes): imports compared"
run_rc "$TOLLGATE" diff "$R/mac-r1" "$R/mac-r2" --fail-on info --changes
expect_eq "$RC" 0 "Mach-O version bump (binary Info.plist 1.1, __info_plist 1.1): no findings"
expect_contains "$OUT" "changed Codec.app/Contents/MacOS/Codec" "the bump changed the executable"

# Two single Mach-O files (no bundle around them): the embedded plist still declares the version.
run_rc "$TOLLGATE" diff "$R/mac-r1/bin/codec-helper" "$R/mac-r2-trojan/bin/codec-helper" --format json
expect_eq "$(ids <<<"$OUT")" "changed-without-version-bump@codec-helper new-sensitive-imports@codec-helper" "two Mach-O files compare as one-file releases"

# A malformed Info.plist is a warning naming the file, not a failure.
mkdir -p "$TMP/bad"
cp -a "$R/mac-r2-trojan/Codec.app" "$TMP/bad/"
printf '<plist><dict><key>CFBundleVersion' >"$TMP/bad/Codec.app/Contents/Info.plist"
run_rc "$TOLLGATE" diff "$R/mac-r1" "$TMP/bad" --format json
expect_eq "$RC" 0 "malformed Info.plist: still a report"
expect_contains "$ERR" "Codec.app/Contents/Info.plist" "the warning names the plist"

finish
