#!/usr/bin/env bash
# The apk cataloger on an Alpine-like root. There is no Alpine (and no apk-tools) on Debian, so
# the installed database is written here from the documented format
# (https://wiki.alpinelinux.org/wiki/Apk_spec, "Installed Database") with the packages, fields,
# dependencies and provides of a real Alpine 3.19 base image; the files it lists are created and
# their Z: checksums (Q1 + base64 SHA-1) computed from them. The expected package set is read
# from the database by an independent parser (awk) and compared with the BOM.
source "$(dirname "$0")/lib/assert.sh"

R=$TMP/alpine
python3 - "$R" <<'PY'
import base64, hashlib, os, sys
root = sys.argv[1]
def w(path, data, mode=0o644):
    p = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(p), exist_ok=True)
    open(p, "wb").write(data)
    os.chmod(p, mode)
w("/etc/os-release", b'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n')
M = "Natanael Copa <ncopa@alpinelinux.org>"
pkgs = [
  # name, version, licence, origin, maintainer, description, url, depends, provides, files
  ("musl", "1.2.4_git20230717-r4", "MIT", "musl", "Timo Ter\u00e4s <timo.teras@iki.fi>",
   "the musl c library (libc) implementation", "https://musl.libc.org/", "",
   "so:libc.musl-x86_64.so.1=1", ["lib/ld-musl-x86_64.so.1"]),
  ("busybox", "1.36.1-r15", "GPL-2.0-only", "busybox", "S\u00f6ren Tempel <soeren+alpine@soeren-tempel.net>",
   "Size optimized toolbox of many common UNIX utilities", "https://busybox.net/",
   "so:libc.musl-x86_64.so.1", "cmd:busybox=1.36.1-r15 cmd:sh=1.36.1-r15", ["bin/busybox"]),
  ("busybox-binsh", "1.36.1-r15", "GPL-2.0-only", "busybox", "S\u00f6ren Tempel <soeren+alpine@soeren-tempel.net>",
   "busybox ash /bin/sh", "https://busybox.net/", "busybox=1.36.1-r15", "/bin/sh cmd:sh=1.36.1-r15", []),
  ("zlib", "1.3.1-r0", "Zlib", "zlib", M, "A compression/decompression Library",
   "https://zlib.net/", "so:libc.musl-x86_64.so.1", "so:libz.so.1=1.3.1", ["lib/libz.so.1.3.1"]),
  ("libcrypto3", "3.1.4-r5", "Apache-2.0", "openssl", "Ariadne Conill <ariadne@dereferenced.org>",
   "Crypto library from openssl", "https://www.openssl.org/", "so:libc.musl-x86_64.so.1",
   "so:libcrypto.so.3=3", ["lib/libcrypto.so.3", "usr/lib/engines-3/afalg.so"]),
  ("libssl3", "3.1.4-r5", "Apache-2.0", "openssl", "Ariadne Conill <ariadne@dereferenced.org>",
   "SSL shared libraries", "https://www.openssl.org/", "so:libc.musl-x86_64.so.1 so:libcrypto.so.3",
   "so:libssl.so.3=3", ["lib/libssl.so.3"]),
  ("ssl_client", "1.36.1-r15", "GPL-2.0-only", "busybox", "S\u00f6ren Tempel <soeren+alpine@soeren-tempel.net>",
   "EXternal ssl_client for busybox wget", "https://busybox.net/",
   "so:libc.musl-x86_64.so.1 so:libcrypto.so.3 so:libssl.so.3", "cmd:ssl_client=1.36.1-r15", ["usr/bin/ssl_client"]),
  ("ca-certificates-bundle", "20230506-r0", "MPL-2.0 AND MIT", "ca-certificates", M,
   "Pre generated bundle of Mozilla certificates", "https://www.mozilla.org/en-US/about/governance/policies/security-group/certs/",
   "", "ca-certificates-cacert=20230506-r0", ["etc/ssl/certs/ca-certificates.crt"]),
  ("apk-tools", "2.14.0-r5", "GPL-2.0-only", "apk-tools", M, "Alpine Package Keeper - package manager for alpine",
   "https://gitlab.alpinelinux.org/alpine/apk-tools", "musl>=1.2.3_git20230424 ca-certificates-bundle so:libc.musl-x86_64.so.1 so:libcrypto.so.3 so:libssl.so.3 so:libz.so.1",
   "so:libapk.so.2.14.0=2.14.0 cmd:apk=2.14.0-r5", ["lib/libapk.so.2.14.0", "sbin/apk"]),
  ("alpine-baselayout-data", "3.4.3-r2", "GPL-2.0-only", "alpine-baselayout", M,
   "Alpine base dir structure and init scripts", "https://git.alpinelinux.org/cgit/aports/tree/main/alpine-baselayout",
   "", "", ["etc/fstab", "etc/group", "etc/hostname", "etc/passwd"]),
  ("scanelf", "1.3.7-r2", "GPL-2.0-only", "pax-utils", M, "Scan ELF binaries for stuff",
   "https://wiki.gentoo.org/wiki/Hardened/PaX_Utilities", "so:libc.musl-x86_64.so.1",
   "cmd:scanelf=1.3.7-r2", ["usr/bin/scanelf"]),
]
out = []
for i, (name, ver, lic, origin, maint, desc, url, deps, prov, files) in enumerate(pkgs):
    rec = [f"C:Q1{base64.b64encode(hashlib.sha1(name.encode()).digest()).decode()}", f"P:{name}", f"V:{ver}",
           "A:x86_64", "S:123456", "I:654321", f"T:{desc}", f"U:{url}", f"L:{lic}", f"o:{origin}",
           f"m:{maint}", f"t:{1700000000 + i}", "c:4ef0b9f5dd45e2f1a8eb1b0c63b1f6cee5e5e8a1"]
    if deps: rec.append(f"D:{deps}")
    if prov: rec.append(f"p:{prov}")
    cur = None
    for f in files:
        d, b = os.path.split(f)
        if d != cur:
            rec.append(f"F:{d}")
            rec.append("M:0:0:755")
            cur = d
        data = f"{name} {f}\n".encode()
        w(f, data, 0o755 if "bin" in d else 0o644)
        rec.append(f"R:{b}")
        rec.append("a:0:0:755" if "bin" in d else "a:0:0:644")
        rec.append("Z:Q1" + base64.b64encode(hashlib.sha1(data).digest()).decode())
    out.append("\n".join(rec) + "\n")
w("/lib/apk/db/installed", "\n".join(out).encode() + b"\n")
w("/lib/apk/db/triggers", b"")
w("/etc/apk/world", b"alpine-baselayout-data\napk-tools\nbusybox\nca-certificates-bundle\nssl_client\n")
PY
# The expected set, read by awk from the database itself.
expected=$(awk -F: '/^P:/{n=$2} /^V:/{v=substr($0,3)} /^$/{if(n!="")print n" "v; n=""} END{if(n!="")print n" "v}' \
  "$R/lib/apk/db/installed" | sort)
expect_eq "$(echo "$expected" | wc -l)" 11 "fixture has eleven packages"

run_rc "$TOLLGATE" sbom "$R" -o "$TMP/apk.json"
expect_eq "$RC" 0 "Alpine root scans"
expect_not_contains "$ERR" "/lib/apk/db/installed" "no warnings about the database"
got=$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    if c.get("purl","").startswith("pkg:apk/"): print(c["name"], c["version"])' "$TMP/apk.json" | sort)
expect_eq "$got" "$expected" "BOM has exactly the installed packages"

facts=$(python3 - "$TMP/apk.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
refs = {}
for c in b["components"]:
    if not c.get("purl", "").startswith("pkg:apk/"): continue
    refs[c["bom-ref"]] = c["name"]
    props = {p["name"]: p["value"] for p in c.get("properties", [])}
    lic = " ".join(l.get("expression") or l["license"].get("id") or l["license"].get("name") for l in c.get("licenses", []))
    hashed = sum(1 for f in c.get("components", []) if f.get("hashes"))
    print("C", c["name"], c["purl"], "|", lic, "|", props.get("tollgate:apk:source"), "|", (c.get("supplier") or {}).get("name"), "|", len(c.get("components", [])), hashed)
for d in b.get("dependencies", []):
    if d["ref"] in refs and d.get("dependsOn"):
        print("D", refs[d["ref"]], "->", " ".join(sorted(refs.get(x, x) for x in d["dependsOn"])))
PY
)
expect_contains "$facts" "C musl pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1 | MIT | musl | Timo Teräs | 1 1" "purl, licence, origin, maintainer, owned file hashed"
expect_contains "$facts" "C libssl3 pkg:apk/alpine/libssl3@3.1.4-r5?arch=x86_64&distro=alpine-3.19.1 | Apache-2.0 | openssl |" "origin is the source package"
expect_contains "$facts" "C ca-certificates-bundle pkg:apk/alpine/ca-certificates-bundle@20230506-r0?arch=x86_64&distro=alpine-3.19.1 | MPL-2.0 AND MIT |" "SPDX expression licence"
expect_contains "$facts" "C alpine-baselayout-data pkg:apk/alpine/alpine-baselayout-data@3.4.3-r2?arch=x86_64&distro=alpine-3.19.1 | GPL-2.0-only | alpine-baselayout | Natanael Copa | 4 4" "several files in one directory"
expect_contains "$facts" "D apk-tools -> ca-certificates-bundle libcrypto3 libssl3 musl zlib" "dependencies through names and so: provides"
expect_contains "$facts" "D ssl_client -> libcrypto3 libssl3 musl" "so: provides of libssl3/libcrypto3"
expect_contains "$facts" "D busybox-binsh -> busybox" "versioned dependency on a name"
want=$(sha256sum "$R/bin/busybox" | cut -c1-64)
got=$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    for f in c.get("components", []) or []:
        if f["name"] == "/bin/busybox": print(f["hashes"][0]["content"])' "$TMP/apk.json")
expect_eq "$got" "$want" "owned file SHA-256"
# Owned files are not listed again as loose binaries.
expect_not_contains "$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    if c["type"] == "file": print(c["name"])' "$TMP/apk.json")" "/bin/busybox" "package files are not orphan file components"

# Malformed records: one warning naming the database, the other packages still listed.
cp -a "$R" "$TMP/bad"
printf '\nP:broken\nV:1\nR:file-before-dir\n\nthis line is garbage\n\nP:after\nV:9-r0\nA:x86_64\n' >>"$TMP/bad/lib/apk/db/installed"
run_rc "$TOLLGATE" sbom "$TMP/bad" -o "$TMP/bad.json"
expect_eq "$RC" 0 "malformed database: exit 0"
expect_contains "$ERR" "/lib/apk/db/installed: 2 malformed records skipped" "one warning naming the file"
expect_eq "$(python3 -c 'import json,sys; print(sum(1 for c in json.load(open(sys.argv[1]))["components"] if c.get("purl","").startswith("pkg:apk/")))' "$TMP/bad.json")" 12 "good records before and after are kept"

# A binary database is not a crash either.
mkdir -p "$TMP/bin/lib/apk/db"
head -c 65536 /dev/urandom >"$TMP/bin/lib/apk/db/installed"
run_rc "$TOLLGATE" sbom "$TMP/bin" -f table
expect_eq "$RC" 0 "random bytes as the database: exit 0"
expect_contains "$ERR" "/lib/apk/db/installed" "random bytes: warning names the file"

finish
