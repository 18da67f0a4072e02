#!/usr/bin/env bash
# .deb package files as components of the packages themselves (catalog/debfile.cpp): packages
# built with dpkg-deb in every member compression it writes, scanned loose in a directory (read
# in memory), inside a tarball (read from the expanded "x.deb!/control.tar.*!/control" and
# "x.deb!/data.tar.*!/..."), and as the scanned archive itself. dpkg-deb -f / -c / -x are the
# oracle for fields, file lists and file contents.
source "$(dirname "$0")/lib/assert.sh"

for tool in dpkg-deb ar; do
  command -v "$tool" >/dev/null || { failed "$tool is needed"; finish; exit; }
done

B=$TMP/build
D=$TMP/dir
mkdir -p "$D/srv/pool" "$D/var/cache/apt/archives"
mkpkg() {  # NAME VERSION ARCH COMPRESSION MAINTAINER
  local name=$1 version=$2 arch=$3 z=$4 maint=$5 p=$B/$1
  mkdir -p "$p/DEBIAN" "$p/usr/bin" "$p/usr/share/doc/$name" "$p/usr/lib/$name"
  printf '#!/bin/sh\necho %s\n' "$name" >"$p/usr/bin/$name"
  chmod 755 "$p/usr/bin/$name"
  ln -s "../../bin/$name" "$p/usr/lib/$name/link"
  printf 'data for %s\n' "$name" >"$p/usr/lib/$name/data.txt"
  cat >"$p/usr/share/doc/$name/copyright" <<CR
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

Files: *
Copyright: 2024 Example
License: GPL-2+

Files: usr/lib/*
Copyright: 2024 Example
License: BSD-3-clause
CR
  cat >"$p/DEBIAN/control" <<CTL
Package: $name
Version: $version
Architecture: $arch
Maintainer: $maint
Source: $name-src (${version#*:})
Depends: libc6 (>= 2.34)
Installed-Size: 12
Homepage: https://example.org/$name
Description: tollgate test package $name
 Long description.
CTL
  dpkg-deb -Z"$z" --build --root-owner-group "$p" "$D/srv/pool/${name}_${version#*:}_$arch.deb" >/dev/null
}
mkpkg tg-xz 1.0-1 amd64 xz "Test <t@example.org>"
mkpkg tg-gzip 2:3.1-2 all gzip "Test <t@example.org>"
mkpkg tg-zstd 0.9~rc1-1 arm64 zstd "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>"
mkpkg tg-none 5-1 amd64 none "Test <t@example.org>"
# A copy in apt's download cache: a copy of what dpkg lists, not catalogued.
cp "$D/srv/pool/tg-xz_1.0-1_amd64.deb" "$D/var/cache/apt/archives/"

want=$(for f in "$D"/srv/pool/*.deb; do dpkg-deb -f "$f" Package Version Architecture | awk -F': ' '{printf "%s ", $2} END{print ""}' | sed 's/ $//'; done | sort)
expect_eq "$(echo "$want" | wc -l)" 4 "dpkg-deb built four packages"
found() {  # BOM -> sorted "name version arch" of .deb components
  python3 - "$1" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1]))["components"]:
    p = {x["name"]: x["value"] for x in c.get("properties", [])}
    if c.get("purl", "").startswith("pkg:deb/"):
        print(c["name"], c["version"], p.get("tollgate:dpkg:arch", ""))
PY
}

# --- loose in a directory: read in memory -------------------------------------------------------
run_rc "$TOLLGATE" sbom "$D" -o "$TMP/dir.json"
expect_eq "$RC" 0 "directory of .deb files scans"
expect_not_contains "$ERR" ".deb" "no warnings"
expect_eq "$(found "$TMP/dir.json" | sort)" "$want" "package set equals dpkg-deb -f (the apt cache copy left out)"
facts=$(python3 - "$TMP/dir.json" <<'PY'
import json, sys
for c in sorted(json.load(open(sys.argv[1]))["components"], key=lambda c: c["name"]):
    p = {x["name"]: x["value"] for x in c.get("properties", [])}
    print(c["name"], c["purl"], c["bom-ref"].split("#")[1], (c.get("supplier") or {}).get("name"),
          p.get("tollgate:dpkg:source", ""), p.get("tollgate:dpkg:source-version", ""), len(c.get("components", [])))
PY
)
expect_contains "$facts" "tg-gzip pkg:deb/debian/tg-gzip@2:3.1-2?arch=all /srv/pool/tg-gzip_3.1-2_all.deb Test tg-gzip-src 3.1-2 0" "gzip member: purl, source, no files outside an archive"
expect_contains "$facts" "tg-zstd pkg:deb/ubuntu/tg-zstd@0.9~rc1-1?arch=arm64" "zstd member; Ubuntu maintainer gives the ubuntu namespace"
expect_contains "$facts" "tg-none pkg:deb/debian/tg-none@5-1?arch=amd64" "uncompressed members"

# --- inside a tarball: read from the expanded members, files hashed -------------------------------
tar cf "$TMP/pool.tar" -C "$D" .
run_rc "$TOLLGATE" sbom "$TMP/pool.tar" -o "$TMP/tar.json"
expect_eq "$RC" 0 "tarball of .deb files scans"
expect_eq "$(found "$TMP/tar.json" | sort)" "$want" "tarball: same package set"
deb=$D/srv/pool/tg-xz_1.0-1_amd64.deb
want_files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/srv/pool/tg-xz_1.0-1_amd64.deb!/data.tar.xz!/|' | sort)
got_files=$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    if c["name"] == "tg-xz":
        for f in c.get("components", []): print(f["name"])' "$TMP/tar.json" | sort)
expect_eq "$got_files" "$want_files" "files are the data member's non-directories (dpkg-deb -c)"
mkdir -p "$TMP/x" && dpkg-deb -x "$deb" "$TMP/x"
got=$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    for f in c.get("components", []):
        if f["name"].endswith("tg-xz_1.0-1_amd64.deb!/data.tar.xz!/usr/lib/tg-xz/data.txt"): print(f["hashes"][0]["content"])' "$TMP/tar.json")
expect_eq "$got" "$(sha256sum "$TMP/x/usr/lib/tg-xz/data.txt" | cut -c1-64)" "owned file hashed (dpkg-deb -x)"
lic=$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    if c["name"] == "tg-zstd":
        print(sorted(l.get("expression") or l["license"].get("id") or l["license"].get("name") for l in c.get("licenses", [])))
        print(" ".join(o["location"] for o in c["evidence"]["occurrences"]))' "$TMP/tar.json")
expect_contains "$lic" "BSD-3-Clause AND GPL-2.0-or-later" "DEP-5 copyright of the data member gives licences"
expect_contains "$lic" "/srv/pool/tg-zstd_0.9~rc1-1_arm64.deb!/control.tar.zst!/control" "control file is evidence"
# Owned, so not listed again as loose executables.
expect_not_contains "$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    if c["type"] == "file": print(c["name"])' "$TMP/tar.json")" "tg-xz_1.0-1_amd64.deb!/data.tar.xz!/usr/bin/tg-xz" "package files are not orphan file components"

# --- the .deb as the scanned archive itself ------------------------------------------------------
run_rc "$TOLLGATE" sbom "$deb" -o "$TMP/one.json"
expect_eq "$RC" 0 "a single .deb scans"
one=$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    if c.get("purl","").startswith("pkg:deb/"): print(c["bom-ref"], len(c.get("components", [])), " ".join(o["location"] for o in c["evidence"]["occurrences"]))' "$TMP/one.json")
expect_eq "$one" "pkg:deb/debian/tg-xz@1.0-1?arch=amd64 $(echo "$want_files" | wc -l) /control.tar.xz!/control" "the scanned package is one component owning its files"

# --- malformed package files: one warning each, the scan goes on ---------------------------------
X=$TMP/bad
mkdir -p "$X/c"
# Cut inside the control member (the ar header of debian-binary and its 4 bytes, the control
# member's 60-byte header, then half of it).
csize=$(dd if="$deb" bs=1 skip=$((8 + 60 + 4 + 48)) count=10 2>/dev/null | tr -d ' ')
head -c $((8 + 60 + 4 + 60 + csize / 2)) "$deb" >"$X/truncated.deb"
head -c 4096 /dev/urandom >"$X/random.deb"
# A package whose control paragraph has no Version (dpkg-deb refuses to build it: use ar).
mkdir -p "$TMP/noversion" && printf 'Package: broken\nArchitecture: all\n' >"$TMP/noversion/control"
(cd "$TMP/noversion" && tar czf control.tar.gz control && tar czf data.tar.gz -T /dev/null && printf '2.0\n' >debian-binary &&
 ar rc "$X/noversion.deb" debian-binary control.tar.gz data.tar.gz)
cp "$D/srv/pool/tg-none_5-1_amd64.deb" "$X/"
run_rc "$TOLLGATE" sbom "$X" -o "$TMP/bad.json"
expect_eq "$RC" 0 "malformed package files: exit 0"
expect_contains "$ERR" "/truncated.deb: not catalogued as a package" "truncated package named"
expect_contains "$ERR" "/random.deb: not catalogued as a package" "random bytes named"
expect_contains "$ERR" "/noversion.deb: not catalogued as a package" "control without Version named"
expect_eq "$(found "$TMP/bad.json")" "tg-none 5-1 amd64" "the good package is still catalogued"

finish
