#!/usr/bin/env bash
# The command-line contract: exit codes, help, version, atomic output, bad trees, determinism.
source "$(dirname "$0")/lib/assert.sh"

run_rc "$TOLLGATE" --version
expect_eq "$RC" 0 "--version exits 0"
expect_contains "$OUT" "tollgate 0." "--version prints the version"
expect_contains "$OUT" "commit" "--version prints the commit"

run_rc "$TOLLGATE" --help
expect_eq "$RC" 0 "--help exits 0"
expect_contains "$OUT" "sbom" "--help lists sbom"
run_rc "$TOLLGATE" sbom --help
expect_eq "$RC" 0 "sbom --help exits 0"
expect_contains "$OUT" "--format" "sbom --help documents --format"

run_rc "$TOLLGATE"
expect_eq "$RC" 2 "no subcommand is a usage error"
run_rc "$TOLLGATE" frobnicate
expect_eq "$RC" 2 "unknown subcommand is a usage error"
run_rc "$TOLLGATE" sbom
expect_eq "$RC" 2 "missing PATH is a usage error"
run_rc "$TOLLGATE" sbom "$TMP/does-not-exist"
expect_eq "$RC" 2 "missing root exits 2"
expect_contains "$ERR" "does-not-exist" "error names the path"
expect_eq "$(echo "$ERR" | wc -l)" 1 "error is one line"
echo hi >"$TMP/plain-file"
run_rc "$TOLLGATE" sbom "$TMP/plain-file" --format json
expect_eq "$RC" 0 "a plain file is scanned as a one-file tree"
expect_eq "$(echo "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("components", [])))')" 0 "holding no component"
run_rc "$TOLLGATE" sbom /dev/null
expect_eq "$RC" 2 "a device is not scannable"
expect_contains "$ERR" "/dev/null" "error names the path"
run_rc "$TOLLGATE" sbom "$TMP" --format yaml
expect_eq "$RC" 2 "unknown format exits 2"
expect_contains "$ERR" "yaml" "format error names the format"

# A hostile tree: loops, links out of the root, a FIFO, an unreadable directory, odd names.
T=$TMP/tree
mkdir -p "$T/usr/bin" "$T/opt/app" "$T/locked/inner" "$T/etc"
cp /bin/true "$T/usr/bin/true"
cp /bin/true "$T/opt/app/vendor-tool"
ln -s . "$T/opt/app/self"
ln -s ../../.. "$T/opt/app/up"
ln -s /etc/shadow "$T/opt/app/shadow-link"
ln -s /usr/bin "$T/opt/app/abs-bin"
ln -s loop-b "$T/loop-a"
ln -s loop-a "$T/loop-b"
mkfifo "$T/opt/app/fifo"
printf '#!/bin/sh\n' >"$T/opt/app/$'weird\nname'.sh"
chmod 755 "$T/opt/app/$'weird\nname'.sh"
cp /bin/true "$T/locked/inner/hidden-tool"
chmod 000 "$T/locked"
run_rc timeout 120 "$TOLLGATE" sbom "$T" --format cyclonedx-json
expect_eq "$RC" 0 "hostile tree scans with exit 0 (as root)"
comps=$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(sorted(c["name"] for c in d.get("components",[]))))' 2>/dev/null || echo "unparsable")
expect_contains "$comps" "vendor-tool" "unowned executable is a file component"
expect_not_contains "$OUT" "root:" "nothing outside the root was read"
# The same tree read by an unprivileged user: the locked directory is a warning, not a failure.
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
  chmod 755 "$TMP"
  run_rc timeout 120 setpriv --reuid=nobody --regid=nogroup --clear-groups "$TOLLGATE" sbom "$T" -f table
  expect_eq "$RC" 0 "unreadable directory: exit 0"
  expect_contains "$ERR" "warning: /locked: cannot read directory" "unreadable directory: one warning naming it"
fi
chmod 755 "$T/locked"

# Output is written atomically; a failed write leaves an existing file untouched.
echo '{"previous":true}' >"$TMP/keep.json"
run_rc "$TOLLGATE" sbom "$T" -o "$TMP/no/such/dir/out.json"
expect_eq "$RC" 2 "unwritable output exits 2"
expect_contains "$ERR" "no/such/dir" "write error names the file"
run_rc "$TOLLGATE" sbom "$TMP/missing-root" -o "$TMP/keep.json"
expect_eq "$(cat "$TMP/keep.json")" '{"previous":true}' "failed scan leaves the old output"
run_rc "$TOLLGATE" sbom "$T" -o "$TMP/keep.json"
expect_eq "$RC" 0 "-o writes"
expect_eq "$(ls -A "$TMP" | grep -c '\.tmp' || true)" 0 "no temporary files left"

# Deterministic: two runs differ only in the serial number (timestamp pinned).
export SOURCE_DATE_EPOCH=1700000000
for f in cyclonedx-json spdx-json table; do
  "$TOLLGATE" sbom "$T" -f $f -q >"$TMP/a.$f" 2>/dev/null
  "$TOLLGATE" sbom "$T" -f $f -q -j 1 >"$TMP/b.$f" 2>/dev/null
  d=$(diff <(grep -v -e serialNumber -e urn:uuid -e documentNamespace -e tollgate.invalid "$TMP/a.$f") \
           <(grep -v -e serialNumber -e urn:uuid -e documentNamespace -e tollgate.invalid "$TMP/b.$f") | head -5 || true)
  expect_eq "$d" "" "$f output is deterministic across runs and thread counts"
done
unset SOURCE_DATE_EPOCH

# Quiet when piped: no progress escapes on a non-terminal stderr.
"$TOLLGATE" sbom "$T" -o "$TMP/x.json" 2>"$TMP/err.txt"
expect_not_contains "$(cat "$TMP/err.txt")" $'\033' "no progress output when stderr is not a terminal"

finish
