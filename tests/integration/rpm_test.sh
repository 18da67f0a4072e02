#!/usr/bin/env bash
# The rpm cataloger against real rpm data: packages built with rpmbuild, installed with Debian's
# rpm into a temporary root (SQLite rpmdb, rpm 4.18's only writable backend), the same header
# blobs loaded into a real Berkeley DB hash file with db5.3_load (read back by rpm's own bdb_ro
# backend as a check of the fixture) and into an ndb Packages.db, plus the .rpm files scanned
# directly and inside an archive. `rpm -qa` is the oracle throughout.
source "$(dirname "$0")/lib/assert.sh"

for tool in rpmbuild rpm sqlite3 db5.3_load rpm2cpio cpio; do
  command -v "$tool" >/dev/null || { failed "$tool is needed (scripts/deps.sh test installs it)"; finish; exit; }
done

# --- build packages -----------------------------------------------------------------------------
SPECS=$TMP/specs
TOP=$TMP/top
mkdir -p "$SPECS"
spec() {  # NAME VERSION RELEASE EPOCH ARCH LICENSE EXTRA-HEADER-LINES FILES-SCRIPT
  local name=$1 version=$2 release=$3 epoch=$4 arch=$5 license=$6 extra=$7 files=$8
  {
    echo "Name: $name"
    echo "Version: $version"
    echo "Release: $release"
    [ -n "$epoch" ] && echo "Epoch: $epoch"
    echo "Summary: tollgate test package $name"
    echo "License: $license"
    echo "Vendor: Fedora Project"
    echo "Packager: Tollgate Tests <tests@example.org>"
    echo "URL: https://example.org/$name"
    echo "BuildArch: $arch"
    echo "AutoReqProv: no"
    printf '%b\n' "$extra"
    echo "%description"
    echo "Test package $name."
    echo "%install"
    printf '%b\n' "$files"
    echo "%files"
    echo "/*"
  } >"$SPECS/$name.spec"
  rpmbuild --quiet --define "_topdir $TOP" --define '_build_id_links none' -bb "$SPECS/$name.spec" \
    >"$TMP/rpmbuild-$name.log" 2>&1 || { cat "$TMP/rpmbuild-$name.log" >&2; return 1; }
}
spec tg-shell 5.2.15 1.fc39 "" x86_64 "GPL-3.0-or-later" "" \
  'mkdir -p %{buildroot}/usr/bin && printf "#!/bin/true\\n" > %{buildroot}/usr/bin/tg-sh && chmod 755 %{buildroot}/usr/bin/tg-sh'
# Many files: a header larger than two 4 KiB pages, so that Berkeley DB chains overflow pages.
spec tg-libfoo 1.0 3.fc39 "" x86_64 "MIT" 'Provides: libtgfoo.so.1()(64bit)\nProvides: tg-api = 1' \
  'mkdir -p %{buildroot}/usr/lib64/tgfoo && printf "lib\\n" > %{buildroot}/usr/lib64/libtgfoo.so.1 && for i in $(seq 1 400); do echo $i > %{buildroot}/usr/lib64/tgfoo/module-with-a-long-name-$i.dat; done'
spec tg-app 3.4 5.fc39 2 x86_64 "ASL 2.0" 'Requires: /usr/bin/tg-sh\nRequires: libtgfoo.so.1()(64bit)\nRequires: tg-api\nRequires: not-installed-anywhere' \
  'mkdir -p %{buildroot}/usr/bin && printf "#!/usr/bin/tg-sh\\necho app\\n" > %{buildroot}/usr/bin/tg-app && chmod 755 %{buildroot}/usr/bin/tg-app'
spec tg-data 20240101 1.fc39 "" noarch "CC0-1.0" "" \
  'mkdir -p %{buildroot}/usr/share/tg-data && echo data > %{buildroot}/usr/share/tg-data/table.txt'
RPMS=$(find "$TOP/RPMS" -name '*.rpm' | sort)
expect_eq "$(echo "$RPMS" | wc -l)" 4 "rpmbuild made four packages"

# --- SQLite rpmdb: a real install into a temporary root ---------------------------------------
R=$TMP/root-sqlite
mkdir -p "$R"
printf 'ID=fedora\nVERSION_ID=39\n' >"$TMP/os-release"
mkdir -p "$R/etc" && cp "$TMP/os-release" "$R/etc/os-release"
# shellcheck disable=SC2086
rpm --root "$R" --dbpath /var/lib/rpm -i --nodeps --noscripts $RPMS 2>"$TMP/rpm-i.err" ||
  { cat "$TMP/rpm-i.err" >&2; failed "rpm -i into a temporary root"; }
expect_eq "$(ls "$R/var/lib/rpm" | grep -c '^rpmdb.sqlite$')" 1 "Debian's rpm writes an SQLite rpmdb"
oracle() {  # ROOT [BACKEND] -> sorted "name evr arch"
  rpm --root "$1" --dbpath /var/lib/rpm ${2:+--define "_db_backend $2"} -qa \
    --qf '%{NAME} %{EVR} %{ARCH}\n' 2>/dev/null | grep -v '^gpg-pubkey ' | sort
}
found() {  # BOM -> sorted "name version arch" of rpm components (installed ones, not package files)
  python3 - "$1" "${2:-installed}" <<'PY'
import json, sys
want = sys.argv[2]
out = []
for c in json.load(open(sys.argv[1])).get("components", []):
    props = {p["name"]: p["value"] for p in c.get("properties", [])}
    if props.get("tollgate:cataloger") != "rpm":
        continue
    is_file = "tollgate:rpm:package-file" in props
    if (want == "installed") == is_file:
        continue
    out.append(f'{c["name"]} {c.get("version", "")} {props.get("tollgate:rpm:arch", "")}')
print("\n".join(sorted(out)))
PY
}
expected=$(oracle "$R")
expect_eq "$(echo "$expected" | wc -l)" 4 "rpm -qa lists the four packages"
run_rc "$TOLLGATE" sbom "$R" -o "$TMP/sqlite.json"
expect_eq "$RC" 0 "SQLite rpmdb root scans"
expect_eq "$(found "$TMP/sqlite.json")" "$expected" "SQLite rpmdb: same packages as rpm -qa"
expect_not_contains "$ERR" "rpmdb.sqlite" "SQLite rpmdb: no warnings"

facts=$(python3 - "$TMP/sqlite.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
for c in sorted(b["components"], key=lambda c: c["name"]):
    if not c["name"].startswith("tg-"): continue
    lic = ",".join(l.get("expression") or l["license"].get("id") or l["license"].get("name") for l in c.get("licenses", []))
    print(c["name"], c["purl"], lic, (c.get("supplier") or {}).get("name", ""), len(c.get("components", [])))
for d in b.get("dependencies", []):
    if d.get("dependsOn"):
        print("DEP", d["ref"].split("@")[0], "->", " ".join(sorted(x.split("@")[0] for x in d["dependsOn"])))
PY
)
expect_contains "$facts" "tg-app pkg:rpm/fedora/tg-app@3.4-5.fc39?arch=x86_64&distro=fedora-39&epoch=2 Apache-2.0 Fedora Project 1" "purl with namespace, epoch and distro; ASL 2.0 licence normalised"
expect_contains "$facts" "tg-data pkg:rpm/fedora/tg-data@20240101-1.fc39?arch=noarch&distro=fedora-39 CC0-1.0" "noarch package"
expect_contains "$facts" "tg-libfoo pkg:rpm/fedora/tg-libfoo@1.0-3.fc39?arch=x86_64&distro=fedora-39 MIT Fedora Project 401" "owned files listed (directories left out)"
expect_contains "$facts" "DEP pkg:rpm/fedora/tg-app -> pkg:rpm/fedora/tg-libfoo pkg:rpm/fedora/tg-shell" "Requires resolved through Provides and a file provide"
# Owned files are hashed, and the hash is what rpm recorded.
want=$(rpm --root "$R" --dbpath /var/lib/rpm -q --qf '[%{FILEDIGESTS} %{FILENAMES}\n]' tg-app | grep ' /usr/bin/tg-app$' | cut -d' ' -f1)
got=$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    for f in c.get("components", []) or []:
        if f["name"] == "/usr/bin/tg-app": print(f["hashes"][0]["content"])' "$TMP/sqlite.json")
expect_eq "$got" "$want" "owned file hashed; SHA-256 equals rpm's FILEDIGESTS"
src=$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    if c["name"] == "tg-app":
        print([p["value"] for p in c["properties"] if p["name"] == "tollgate:rpm:sourcerpm"])' "$TMP/sqlite.json")
expect_contains "$src" "tg-app-3.4-5.fc39.src.rpm" "SOURCERPM recorded"

# A root whose database was copied while rpm still had transactions in the write-ahead log.
W=$TMP/root-wal
mkdir -p "$W/var/lib/rpm" "$W/etc" && cp "$TMP/os-release" "$W/etc/os-release"
python3 - "$R/var/lib/rpm/rpmdb.sqlite" "$W/var/lib/rpm" <<'PY'
import shutil, sqlite3, sys
src, dest = sys.argv[1], sys.argv[2]
shutil.copy(src, dest + "/rpmdb.sqlite")
con = sqlite3.connect(dest + "/rpmdb.sqlite")
con.execute("PRAGMA journal_mode=WAL")
con.execute("PRAGMA wal_autocheckpoint=0")
con.execute("DELETE FROM Packages WHERE hnum = (SELECT min(hnum) FROM Packages)")
con.commit()
# Copy the database and its live log aside, as a snapshot of a running system would.
shutil.copy(dest + "/rpmdb.sqlite", dest + "/snap.sqlite")
shutil.copy(dest + "/rpmdb.sqlite-wal", dest + "/snap.sqlite-wal")
con.close()
shutil.move(dest + "/snap.sqlite", dest + "/rpmdb.sqlite")
shutil.move(dest + "/snap.sqlite-wal", dest + "/rpmdb.sqlite-wal")
PY
if [ -s "$W/var/lib/rpm/rpmdb.sqlite-wal" ]; then
  before=$(find "$W" -type f -exec sha256sum {} + | sort)
  run_rc "$TOLLGATE" sbom "$W" -o "$TMP/wal.json"
  expect_eq "$(found "$TMP/wal.json" | wc -l)" 3 "transactions still in the WAL are applied (one package deleted)"
  expect_eq "$(find "$W" -type f -exec sha256sum {} + | sort)" "$before" "the scanned root is not modified"
else
  failed "could not make a non-empty WAL"
fi

# --- Berkeley DB Packages: the same blobs in a hash database made by Berkeley DB itself ---------
B=$TMP/root-bdb
mkdir -p "$B/var/lib/rpm" "$B/etc" && cp "$TMP/os-release" "$B/etc/os-release"
bdb_dump() {  # SQLITE PAGESIZE -> db_load input (keys: 4-byte little-endian instance numbers)
  printf 'VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=%s\nHEADER=END\n' "$2"
  sqlite3 "$1" 'SELECT hnum, hex(blob) FROM Packages ORDER BY hnum' | while IFS='|' read -r n hex; do
    printf ' %02x%02x%02x%02x\n %s\n' $((n & 255)) $(((n >> 8) & 255)) $(((n >> 16) & 255)) $(((n >> 24) & 255)) "${hex,,}"
  done
  printf 'DATA=END\n'
}
bdb_dump "$R/var/lib/rpm/rpmdb.sqlite" 4096 >"$TMP/packages.dump"
db5.3_load -f "$TMP/packages.dump" "$B/var/lib/rpm/Packages"
expect_eq "$(oracle "$B" bdb_ro)" "$expected" "fixture check: rpm's bdb_ro backend reads the db5.3_load file"
run_rc "$TOLLGATE" sbom "$B" -o "$TMP/bdb.json"
expect_eq "$RC" 0 "Berkeley DB root scans"
expect_eq "$(found "$TMP/bdb.json")" "$expected" "Berkeley DB Packages: same packages as rpm -qa"
expect_eq "$(python3 -c 'import json,sys; print(sum(len(c.get("components",[])) for c in json.load(open(sys.argv[1]))["components"]))' "$TMP/bdb.json")" \
  "$(python3 -c 'import json,sys; print(sum(len(c.get("components",[])) for c in json.load(open(sys.argv[1]))["components"]))' "$TMP/sqlite.json")" \
  "Berkeley DB: the big header read whole through its overflow page chain"
# Big-endian databases (as written on s390x or old PowerPC) and another page size.
B2=$TMP/root-bdb-be
mkdir -p "$B2/var/lib/rpm"
bdb_dump "$R/var/lib/rpm/rpmdb.sqlite" 1024 | sed 's/^HEADER=END/db_lorder=4321\nHEADER=END/' >"$TMP/packages-be.dump"
db5.3_load -f "$TMP/packages-be.dump" "$B2/var/lib/rpm/Packages"
expect_eq "$(oracle "$B2" bdb_ro)" "$expected" "fixture check: rpm reads the big-endian file"
run_rc "$TOLLGATE" sbom "$B2" -o "$TMP/bdb-be.json"
expect_eq "$(found "$TMP/bdb-be.json")" "$expected" "big-endian Berkeley DB with 1 KiB pages: same packages"

# --- ndb Packages.db (SUSE): written by the test from the documented layout (Debian's rpm is
# built without ndb, so there is no oracle but the SQLite set) ----------------------------------
N=$TMP/root-ndb
mkdir -p "$N/var/lib/rpm"
python3 - "$R/var/lib/rpm/rpmdb.sqlite" "$N/var/lib/rpm/Packages.db" <<'PY'
import sqlite3, struct, sys, zlib
rows = sqlite3.connect(sys.argv[1]).execute("SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
PAGE, BLK = 4096, 16
slots, blobs, blk = [], b"", PAGE // BLK          # blobs start after one slot page
for hnum, blob in rows:
    head = struct.pack("<4sIII", b"BlbS", hnum, 1700000000, len(blob))
    n = (16 + len(blob) + 12 + BLK - 1) // BLK
    body = head + blob + b"\0" * (n * BLK - 16 - len(blob) - 12)
    tail = struct.pack("<II4s", zlib.adler32(body), len(blob), b"BlbE")
    slots.append(struct.pack("<4sIII", b"Slot", hnum, blk, n))
    blobs += body + tail
    blk += n
header = struct.pack("<4sIIII", b"RpmP", 0, 7, 1, len(rows) + 1).ljust(32, b"\0")
free = struct.pack("<4sIII", b"Slot", 0, 0, 0)
page = header + b"".join(slots) + free * ((PAGE - 32) // 16 - len(slots))
open(sys.argv[2], "wb").write(page + blobs)
PY
run_rc "$TOLLGATE" sbom "$N" -o "$TMP/ndb.json"
expect_eq "$RC" 0 "ndb root scans"
expect_eq "$(found "$TMP/ndb.json")" "$expected" "ndb Packages.db: same packages as rpm -qa"

# --- .rpm files: in a directory and inside an archive --------------------------------------------
P=$TMP/pkgdir
mkdir -p "$P/repo"
# shellcheck disable=SC2086
cp $RPMS "$P/repo/"
want_files=$(for f in $RPMS; do rpm -qp --qf '%{NAME} %{EVR} %{ARCH}\n' "$f" 2>/dev/null; done | sort)
run_rc "$TOLLGATE" sbom "$P" -o "$TMP/files.json"
expect_eq "$RC" 0 "directory of .rpm files scans"
expect_eq "$(found "$TMP/files.json" files)" "$want_files" ".rpm files: same name, EVR and arch as rpm -qp"
pf=$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    if c["name"] == "tg-app":
        p = {x["name"]: x["value"] for x in c["properties"]}
        print(c["purl"], p.get("tollgate:rpm:package-file"), p.get("tollgate:rpm:signed"), len(c.get("components", [])), p.get("tollgate:rpm:header-sha256", "")[:8])' "$TMP/files.json")
expect_contains "$pf" "pkg:rpm/fedora/tg-app@3.4-5.fc39?arch=x86_64&epoch=2 /repo/tg-app-3.4-5.fc39.x86_64.rpm false 0" "package file: vendor namespace, no distro, no files outside an archive"
want_sha=$(rpm -qp --qf '%{SHA256HEADER}' "$TOP/RPMS/x86_64/tg-app-3.4-5.fc39.x86_64.rpm" 2>/dev/null | cut -c1-8)
expect_contains "$pf" "$want_sha" "header SHA-256 from the signature header"

tar cf "$TMP/repo.tar" -C "$P" repo
run_rc "$TOLLGATE" sbom "$TMP/repo.tar" -o "$TMP/tar.json"
expect_eq "$RC" 0 "tar of .rpm files scans"
expect_eq "$(found "$TMP/tar.json" files)" "$want_files" "archive: the nested .rpm files are catalogued"
mkdir -p "$TMP/x" && (cd "$TMP/x" && rpm2cpio "$TOP/RPMS/x86_64/tg-app-3.4-5.fc39.x86_64.rpm" | cpio -idm --quiet)
want=$(sha256sum "$TMP/x/usr/bin/tg-app" | cut -c1-64)
got=$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    for f in c.get("components", []) or []:
        if f["name"].endswith("tg-app-3.4-5.fc39.x86_64.rpm!/usr/bin/tg-app"): print(f["hashes"][0]["content"])' "$TMP/tar.json")
expect_eq "$got" "$want" "archive: the package's payload files are its files, hashed"

# --- malformed databases and packages: one warning naming the file, the scan goes on ------------
M=$TMP/root-bad
mkdir -p "$M/var/lib/rpm" "$M/usr/lib/sysimage/rpm" "$M/pkgs" "$M/etc"
head -c 8192 /dev/urandom >"$M/var/lib/rpm/Packages"
head -c 3000 "$R/var/lib/rpm/rpmdb.sqlite" >"$M/usr/lib/sysimage/rpm/rpmdb.sqlite"
head -c 700 "$TOP/RPMS/x86_64/tg-app-3.4-5.fc39.x86_64.rpm" >"$M/pkgs/truncated.rpm"
cp "$TOP/RPMS/noarch/"*.rpm "$M/pkgs/"
cp /bin/true "$M/etc/tool"
run_rc "$TOLLGATE" sbom "$M" -o "$TMP/bad.json"
expect_eq "$RC" 0 "malformed rpm data: exit 0"
expect_contains "$ERR" "/var/lib/rpm/Packages" "garbage Berkeley DB named in a warning"
expect_contains "$ERR" "/usr/lib/sysimage/rpm/rpmdb.sqlite" "truncated SQLite database named in a warning"
expect_contains "$ERR" "/pkgs/truncated.rpm: malformed rpm package" "truncated package named in a warning"
expect_eq "$(found "$TMP/bad.json" files)" "tg-data 20240101-1.fc39 noarch" "the good package file is still catalogued"

finish
