#!/usr/bin/env bash
# `tollgate sbom` sees inside binaries (issue #3), checked against the reference tools on binaries
# built here from Debian packages:
#   - PE EXE/DLL with VERSIONINFO (mingw-w64 + windres), signed by osslsigncode with a throwaway
#     CA; verdicts (valid, tampered body, padding hidden in the certificate, data appended,
#     unsigned) against `osslsigncode verify`, the hidden padding reported as slack;
#   - Go programs with two real dependency modules (Debian's golang-*-dev sources served by a
#     file:// module proxy, so go.sum hashes are real) for Linux, Windows and macOS: modules
#     against `go version -m`;
#   - ELF facts against readelf; Mach-O facts against llvm-objdump.
source "$(dirname "$0")/lib/assert.sh"

missing=()
for tool in x86_64-w64-mingw32-gcc osslsigncode openssl go readelf python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
for dir in /usr/share/gocode/src/github.com/google/uuid /usr/share/gocode/src/github.com/pkg/errors; do
  [ -d "$dir" ] || missing+=("$dir")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "SKIP: missing ${missing[*]} (scripts/deps.sh test)"
  exit 0
fi

T=$TMP/tree
mkdir -p "$T/app" "$T/bin" "$T/mac"

# --- Windows binaries -------------------------------------------------------------------------
bash "$TOLLGATE_SOURCE_DIR/tests/data/binfmt/build_pe_fixtures.sh" "$TMP/pe"
for f in signed.exe signed.dll tampered.exe padded.exe appended.exe fixture.exe; do
  cp "$TMP/pe/$f" "$T/app/$f"
done

# --- Go binaries ------------------------------------------------------------------------------
# A module proxy on disk made from the Debian packages' sources (no network).
GP=$TMP/goproxy
make_module() {  # PATH VERSION SOURCE_DIR
  local dir=$GP/$1/@v
  mkdir -p "$dir"
  echo "$2" >"$dir/list"
  echo "{\"Version\":\"$2\",\"Time\":\"2023-01-01T00:00:00Z\"}" >"$dir/$2.info"
  if [ -f "$3/go.mod" ]; then cp "$3/go.mod" "$dir/$2.mod"; else echo "module $1" >"$dir/$2.mod"; fi
  python3 - "$1@$2" "$3" "$dir/$2.zip" <<'EOF'
import os, sys, zipfile
prefix, src, out = sys.argv[1:]
with zipfile.ZipFile(out, "w") as z:
    for root, _, files in os.walk(src):
        for f in sorted(files):
            p = os.path.join(root, f)
            if os.path.isfile(p) and not os.path.islink(p):
                z.write(p, prefix + "/" + os.path.relpath(p, src))
EOF
}
version_of() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null | sed 's/-[^-]*$//; s/^[0-9]*://'; }
uuid_v=v$(version_of golang-github-google-uuid-dev)
errors_v=v$(version_of golang-github-pkg-errors-dev)
make_module github.com/google/uuid "$uuid_v" /usr/share/gocode/src/github.com/google/uuid
make_module github.com/pkg/errors "$errors_v" /usr/share/gocode/src/github.com/pkg/errors

G=$TMP/go/hello
mkdir -p "$G"
cat >"$G/main.go" <<'EOF'
package main

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/pkg/errors"
)

func main() {
	fmt.Println(uuid.NewString(), errors.New("demo"))
}
EOF
printf 'module example.com/hello\n\ngo 1.19\n\nrequire (\n\tgithub.com/google/uuid %s\n\tgithub.com/pkg/errors %s\n)\n' \
  "$uuid_v" "$errors_v" >"$G/go.mod"
export GOPROXY=file://$GP GOSUMDB=off GOFLAGS=-mod=mod GOPATH=$TMP/gopath CGO_ENABLED=0
export GOCACHE=$TOLLGATE_BUILD_DIR/go-cache  # kept between runs: building std is slow
(
  cd "$G"
  go mod download >/dev/null
  go build -o "$T/bin/hello" .
  GOOS=windows GOARCH=amd64 go build -o "$T/app/hello.exe" .
  GOOS=darwin GOARCH=arm64 go build -o "$T/mac/hello" .
)
chmod -R u+w "$TMP/gopath"  # the module cache is read-only; the trap must be able to remove it

# --- ELF --------------------------------------------------------------------------------------
cp /bin/ls "$T/bin/ls"

# --- the SBOM ---------------------------------------------------------------------------------
run_rc "$TOLLGATE" sbom "$T" --format cyclonedx-json -o "$TMP/sbom.json"
expect_eq "$RC" 0 "sbom exits 0"
expect_not_contains "$ERR" "warning" "no warnings"
# One line per fact: "P <bom-ref> <property>=<value>", "C <bom-ref> <name>|<version>|<purl>",
# "D <bom-ref> <depends-on>".
python3 - "$TMP/sbom.json" >"$TMP/facts" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d.get("components", []):
    ref = c.get("bom-ref", "")
    print("C", ref, "|".join([c.get("name", ""), c.get("version", ""), c.get("purl", "")]))
    for p in c.get("properties", []):
        print("P", ref, p["name"] + "=" + p["value"])
for dep in d.get("dependencies", []):
    for on in dep.get("dependsOn", []):
        print("D", dep["ref"], on)
EOF
fact() {  # REF PROPERTY -> value
  awk -v r="$1" -v k="$2=" '$1 == "P" && $2 == r && index($3, k) == 1 { print substr($0, length("P " r " " k) + 1) }' "$TMP/facts"
}

# Authenticode verdicts against osslsigncode.
declare -A want=([signed.exe]=valid [signed.dll]=valid [tampered.exe]=invalid [padded.exe]=valid
                 [appended.exe]=invalid [fixture.exe]=unsigned)
for f in "${!want[@]}"; do
  got=$(fact "file:/app/$f" tollgate:authenticode:status)
  expect_eq "$got" "${want[$f]}" "$f: Authenticode status"
  if osslsigncode verify -CAfile "$TMP/pe/ca.pem" -in "$T/app/$f" >/dev/null 2>&1; then ossl=valid; else ossl=not-valid; fi
  [ "$got" = valid ] && mine=valid || mine=not-valid
  expect_eq "$mine" "$ossl" "$f: verdict agrees with osslsigncode"
done
expect_eq "$(fact file:/app/padded.exe tollgate:authenticode:slack-bytes)" 4096 \
  "padded.exe: the bytes hidden after the PKCS#7 blob are reported"
expect_eq "$(fact file:/app/padded.exe tollgate:authenticode:padding-nonzero)" true \
  "padded.exe: the hidden bytes are not zero padding"
expect_eq "$(fact file:/app/signed.exe tollgate:authenticode:slack-bytes)" 0 "signed.exe: no slack"
expect_eq "$(fact file:/app/appended.exe tollgate:authenticode:table-at-end)" false \
  "appended.exe: the certificate table is not at the end of the file"
expect_eq "$(fact file:/app/tampered.exe tollgate:authenticode:reason)" \
  "image digest does not match the signed digest" "tampered.exe: reason"
signed_digest=$(osslsigncode verify -CAfile "$TMP/pe/ca.pem" -in "$T/app/signed.exe" 2>&1 |
  sed -n 's/^Current message digest *: \([0-9A-F]*\).*/\1/p' | tr 'A-F' 'a-f')
expect_eq "$(fact file:/app/signed.exe tollgate:authenticode:signed-digest)" "$signed_digest" \
  "signed.exe: signed digest as osslsigncode reads it"
expect_eq "$(fact file:/app/signed.exe tollgate:authenticode:signer)" \
  "CN=Tollgate Test Code Signing,O=Tollgate Test Corp" "signed.exe: signer"
serial=$(openssl x509 -in "$TMP/pe/leaf.pem" -noout -serial | sed 's/serial=//' | tr 'A-F' 'a-f')
expect_eq "$(fact file:/app/signed.exe tollgate:authenticode:signer-serial)" "$serial" "signed.exe: signer serial"

# Version resources, purls.
expect_contains "$(grep '^C file:/app/signed.dll ' "$TMP/facts")" \
  "Tollgate Fixture Suite|1.2.0|pkg:generic/Tollgate%20Test%20Corp/Tollgate%20Fixture%20Suite@1.2.0" \
  "signed.dll: name, version and purl from VERSIONINFO"
expect_eq "$(fact file:/app/signed.dll tollgate:pe:company-name)" "Tollgate Test Corp" "CompanyName"
expect_eq "$(fact file:/app/signed.dll tollgate:pe:file-version)" "1.2.3.4" "FileVersion"
expect_eq "$(fact file:/app/signed.dll tollgate:pe:original-filename)" "fixture.dll" "OriginalFilename"
expect_eq "$(fact file:/app/signed.dll tollgate:pe:kind)" "dll" "DLL recognised"
expect_contains "$(fact file:/app/fixture.exe tollgate:pe:imports)" "fixture.dll" "imports by DLL"

# Go modules against `go version -m`, for each format.
for bin in /bin/hello /app/hello.exe /mac/hello; do
  gv=$(go version -m "$T$bin")
  expect_eq "$(fact "file:$bin" tollgate:go:version)" "$(echo "$gv" | head -1 | awk '{print $2}')" \
    "$bin: Go version"
  want_mods=$(echo "$gv" | awk -F'\t' '$2 == "mod" || $2 == "dep" { v = $4 == "(devel)" ? "" : $4; print $3 "|" v "|" $5 }' | sort)
  got_mods=$(while read -r _ _ on; do
      line=$(grep "^C $on " "$TMP/facts" | head -1 | cut -d' ' -f3-)
      name=${line%%|*}; rest=${line#*|}; version=${rest%%|*}
      echo "$name|$version|$(fact "$on" tollgate:go:sum)"
    done < <(grep "^D file:$bin " "$TMP/facts") | sort)
  expect_eq "$got_mods" "$want_mods" "$bin: modules, versions and sums equal go version -m"
  expect_contains "$got_mods" "github.com/google/uuid|$uuid_v|h1:" "$bin: a dependency with its go.sum hash"
done
expect_contains "$(grep '^C ' "$TMP/facts")" "pkg:golang/github.com/google/uuid@$uuid_v" "uuid module purl"
expect_contains "$(grep '^C ' "$TMP/facts")" "pkg:golang/github.com/pkg/errors@$errors_v" "errors module purl"

# ELF facts against readelf.
expect_eq "$(fact file:/bin/ls tollgate:elf:build-id)" \
  "$(readelf -n /bin/ls | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')" "ls: build id equals readelf's"
expect_eq "$(fact file:/bin/ls tollgate:elf:needed)" \
  "$(readelf -d /bin/ls | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | paste -sd,)" "ls: NEEDED equals readelf's"
expect_eq "$(fact file:/bin/ls tollgate:elf:interpreter)" \
  "$(readelf -l /bin/ls | sed -n 's/.*interpreter: \(.*\)\]/\1/p')" "ls: interpreter equals readelf's"
expect_eq "$(fact file:/bin/hello tollgate:elf:linking)" static "Go binary without cgo is static"

# Mach-O facts against llvm-objdump (when llvm-19 is installed).
expect_eq "$(fact file:/mac/hello tollgate:macho:arch)" arm64 "Mach-O: arch"
expect_eq "$(fact file:/mac/hello tollgate:macho:code-signature)" adhoc "Mach-O: Go signs ad hoc"
if command -v llvm-objdump-19 >/dev/null; then
  minos=$(llvm-objdump-19 --macho --private-headers "$T/mac/hello" | awk '$1 == "minos" {print $2; exit}')
  expect_eq "$(fact file:/mac/hello tollgate:macho:min-os)" "macos $minos" "Mach-O: minimum OS equals llvm-objdump's"
fi

finish
