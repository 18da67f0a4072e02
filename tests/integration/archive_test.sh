#!/usr/bin/env bash
# tollgate sbom on archives and container images: safe expansion, nested archives, archive bombs,
# OCI layouts and docker-save tarballs (made with umoci and skopeo from a debootstrap root).
source "$(dirname "$0")/lib/assert.sh"
source "$(dirname "$0")/lib/rootfs.sh"

names() {  # BOM [PURLTYPE] -> sorted "name version" of components (of that purl type)
  python3 - "$1" "${2:-}" <<'PY'
import json, sys
bom = json.load(open(sys.argv[1]))
want = sys.argv[2]
out = set()
for c in bom.get("components", []):
    if want and not c.get("purl", "").startswith(f"pkg:{want}/"):
        continue
    out.add(f'{c["name"]} {c.get("version", "")}')
print("\n".join(sorted(out)))
PY
}
evidence() {  # BOM -> every evidence location
  python3 -c 'import json,sys
for c in json.load(open(sys.argv[1])).get("components", []):
    for o in (c.get("evidence") or {}).get("occurrences", []): print(o["location"])' "$1"
}

# --- a plain tar.gz with a binary, a nested jar and a nested tar --------------------------------
A=$TMP/app
mkdir -p "$A/opt/app/lib" "$A/inner"
cp /bin/true "$A/opt/app/vendor-tool"
cp /bin/true "$A/inner/inner-tool"
(cd "$A/inner" && tar czf "$A/opt/app/lib/plugin.tar.gz" inner-tool)
rm -rf "$A/inner"
tar czf "$TMP/app.tar.gz" -C "$A" .
run_rc "$TOLLGATE" sbom "$TMP/app.tar.gz" -o "$TMP/app.json"
expect_eq "$RC" 0 "tar.gz scans"
ev=$(evidence "$TMP/app.json")
expect_contains "$ev" "/opt/app/vendor-tool" "binary inside the archive is a component"
expect_contains "$ev" "/opt/app/lib/plugin.tar.gz!/inner-tool" "nested archive is opened (path with !)"
meta=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["metadata"]; print(m["component"]["name"], [p["value"] for p in m.get("properties",[]) if p["name"]=="tollgate:archive:sha256"])' "$TMP/app.json" 2>&1)
expect_contains "$meta" "app.tar.gz" "subject is the archive"
expect_contains "$meta" "$(sha256sum "$TMP/app.tar.gz" | cut -c1-64)" "archive SHA-256 recorded"

(cd "$A" && zip -qr "$TMP/app.zip" .)
run_rc "$TOLLGATE" sbom "$TMP/app.zip" -o "$TMP/zip.json"
expect_eq "$RC" 0 "zip scans"
expect_contains "$(evidence "$TMP/zip.json")" "/opt/app/vendor-tool" "zip content catalogued"

# --- hostile archive: traversal names, absolute names, a link then a write through it ----------
python3 - "$TMP/evil.tar" "$TMP/escaped" <<'PY'
import io, sys, tarfile
out, escaped = sys.argv[1], sys.argv[2]
with tarfile.open(out, "w") as t:
    def add(name, data=b"x", mode=0o755):
        i = tarfile.TarInfo(name); i.size = len(data); i.mode = mode; t.addfile(i, io.BytesIO(data))
    add("../../../../../../" + escaped.lstrip("/") + "-dotdot")
    add(escaped + "-absolute")
    l = tarfile.TarInfo("link"); l.type = tarfile.SYMTYPE; l.linkname = escaped + "-dir"; t.addfile(l)
    add("link/through-link")
    h = tarfile.TarInfo("hard"); h.type = tarfile.LNKTYPE; h.linkname = "../../etc/passwd"; t.addfile(h)
    d = tarfile.TarInfo("dev"); d.type = tarfile.CHRTYPE; d.devmajor = 1; d.devminor = 3; t.addfile(d)
    add("ok-file", b"fine")
PY
mkdir -p "$TMP/escaped-dir"
run_rc "$TOLLGATE" sbom "$TMP/evil.tar" -f table
expect_eq "$RC" 0 "hostile archive: exit 0"
expect_eq "$(ls "$TMP" | grep -c 'escaped-dotdot\|escaped-absolute' || true)" 0 "no entry written outside the staging dir"
expect_eq "$(ls -A "$TMP/escaped-dir")" "" "nothing written through a planted symlink"
expect_contains "$ERR" "entry name escapes the archive" "traversal names are warned about"
expect_contains "$ERR" "a link or file is in the way" "write through link refused with a warning"

# --- archive bomb: 1 GiB of zeros in ~1 MB (gzip -9: about 1000:1) -------------------------------------------------------
if [ ! -f "$TOLLGATE_BUILD_DIR/cache/bomb.tar.gz" ]; then
  mkdir -p "$TOLLGATE_BUILD_DIR/cache"
  truncate -s 1G "$TMP/zeros"
  tar cf - -C "$TMP" zeros | gzip -9 >"$TOLLGATE_BUILD_DIR/cache/bomb.tar.gz.tmp"
  mv "$TOLLGATE_BUILD_DIR/cache/bomb.tar.gz.tmp" "$TOLLGATE_BUILD_DIR/cache/bomb.tar.gz"
  rm -f "$TMP/zeros"
fi
run_rc timeout 300 /usr/bin/time -f '%M' "$TOLLGATE" sbom "$TOLLGATE_BUILD_DIR/cache/bomb.tar.gz" -f table
expect_eq "$RC" 0 "archive bomb: exit 0"
expect_contains "$ERR" "compression ratio over 250:1" "archive bomb: one clear warning"
peak_kb=$(echo "$ERR" | tail -1)
[ "${peak_kb:-999999}" -lt 204800 ] && pass "archive bomb: peak memory ${peak_kb} kB < 200 MB" || failed "archive bomb used ${peak_kb} kB"
run_rc "$TOLLGATE" sbom "$TOLLGATE_BUILD_DIR/cache/bomb.tar.gz" -f table --max-bytes 1000000 --max-ratio 1e9
expect_contains "$ERR" "expanded size over 1000000 bytes" "size limit is configurable"

# --- not an archive: scanned as one file ----------------------------------------------------------
head -c 4096 /dev/urandom >"$TMP/noise.bin"
run_rc "$TOLLGATE" sbom "$TMP/noise.bin" --format json
expect_eq "$RC" 0 "random bytes: a one-file tree, exit 0"
expect_eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["metadata"]["component"]["name"], len(d.get("components", [])))' <<<"$OUT")" \
  "noise.bin 0" "named after the file, no component"
# An archive cut short is an error naming it, not a lone file.
head -c 3000 "$TMP/app.tar.gz" >"$TMP/cut.tar.gz"
run_rc "$TOLLGATE" sbom "$TMP/cut.tar.gz"
expect_eq "$RC" 2 "truncated tar.gz: exit 2"
expect_contains "$ERR" "cut.tar.gz: damaged or truncated archive" "error names the file and the problem"
# A gzip-compressed text is a valid file, not a damaged archive.
gzip -c /etc/services >"$TMP/services.gz"
run_rc "$TOLLGATE" sbom "$TMP/services.gz" -f table
expect_eq "$RC" 0 "a compressed non-archive scans as one file"

# --- a .deb: data and control members are opened ------------------------------------------------
D=$TMP/debpkg
mkdir -p "$D/DEBIAN" "$D/usr/bin"
cp /bin/true "$D/usr/bin/hello-tool"
printf 'Package: hello-tool\nVersion: 1.0-1\nArchitecture: amd64\nMaintainer: Test <t@example.org>\nDescription: test\n' >"$D/DEBIAN/control"
dpkg-deb --build --root-owner-group "$D" "$TMP/hello-tool_1.0-1_amd64.deb" >/dev/null
run_rc "$TOLLGATE" sbom "$TMP/hello-tool_1.0-1_amd64.deb" -o "$TMP/deb.json"
expect_eq "$RC" 0 ".deb scans"
# The package itself is a component (catalog/debfile.cpp) and owns its data member's files.
debfiles=$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    for f in c.get("components", []) or []: print(c.get("purl", ""), f["name"])' "$TMP/deb.json")
expect_contains "$debfiles" "pkg:deb/debian/hello-tool@1.0-1?arch=amd64 /data.tar.xz!/usr/bin/hello-tool" ".deb data member is opened; its files belong to the package"

# --- container images from a debootstrap root ---------------------------------------------------
if ! command -v umoci >/dev/null || ! command -v skopeo >/dev/null; then
  failed "umoci and skopeo are needed (scripts/deps.sh test installs them)"
  finish; exit
fi
ROOT=$(tollgate_rootfs_bookworm) || { failed "no debootstrap root"; finish; exit; }
"$TOLLGATE" sbom "$ROOT" -q --no-package-files -o "$TMP/root.json"
OCI=$TMP/oci
umoci init --layout "$OCI"
umoci new --image "$OCI:test"
umoci insert --rootless --image "$OCI:test" "$ROOT" / >/dev/null
# Second layer: delete a file (whiteout) and add an unowned binary.
victim=/usr/bin/md5sum
mkdir -p "$TMP/layer2/opt/vendor"
cp /bin/true "$TMP/layer2/opt/vendor/agent"
umoci insert --rootless --image "$OCI:test" "$TMP/layer2" / >/dev/null
umoci insert --rootless --image "$OCI:test" --whiteout "$victim" >/dev/null
run_rc "$TOLLGATE" sbom "$OCI" -o "$TMP/oci.json"
expect_eq "$RC" 0 "OCI layout scans"
expect_eq "$(names "$TMP/oci.json" deb)" "$(names "$TMP/root.json" deb)" "OCI image: same Debian packages as the root"
ev=$(evidence "$TMP/oci.json")
expect_contains "$ev" "/opt/vendor/agent" "upper layer's binary is seen"
layers=$(python3 -c 'import json,sys
b=json.load(open(sys.argv[1]))
m={p["name"]:p["value"] for p in b["metadata"].get("properties",[])}
print(len(m.get("tollgate:image:layers","").split(",")), b["metadata"]["component"]["version"])
lay=set()
for c in b["components"]:
    for p in c.get("properties",[]):
        if p["name"]=="tollgate:image:layer": lay.add(p["value"])
print(len(lay))' "$TMP/oci.json")
expect_contains "$layers" "3 sha256:" "image digest and three layers recorded"
expect_eq "$(echo "$layers" | tail -1)" 2 "components carry their layer of origin (two layers add files)"
pkgfiles=$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    for f in c.get("components",[]) or []: print(f["name"])' "$TMP/oci.json")
hashed=$(python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["components"]:
    for f in c.get("components",[]) or []:
        if f.get("hashes"): print(f["name"])' "$TMP/oci.json")
expect_contains "$hashed" "/usr/bin/sha256sum" "files present in the image are hashed"
expect_not_contains "$hashed" "$victim" "whiteout removed the file (declared by dpkg, absent, so no digest)"

skopeo copy --quiet "oci:$OCI:test" "docker-archive:$TMP/image.tar:example/test:1" >/dev/null 2>&1 ||
  skopeo copy "oci:$OCI:test" "docker-archive:$TMP/image.tar:example/test:1"
run_rc "$TOLLGATE" sbom "$TMP/image.tar" -o "$TMP/docker.json"
expect_eq "$RC" 0 "docker save tarball scans"
expect_eq "$(names "$TMP/docker.json" deb)" "$(names "$TMP/root.json" deb)" "docker archive: same Debian packages as the root"
expect_contains "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"]["component"]["name"])' "$TMP/docker.json")" "example/test:1" "RepoTags name the image"

# A tampered blob is refused.
cp -a "$OCI" "$TMP/oci-bad"
blob=$(ls -S "$TMP/oci-bad/blobs/sha256" | head -1)
printf 'X' | dd of="$TMP/oci-bad/blobs/sha256/$blob" bs=1 seek=100 conv=notrunc 2>/dev/null
run_rc "$TOLLGATE" sbom "$TMP/oci-bad"
expect_eq "$RC" 2 "tampered layer blob: exit 2"
expect_contains "$ERR" "does not match its digest" "tampered blob named"

finish
