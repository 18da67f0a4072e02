#!/usr/bin/env bash
# Builds the ELF and Mach-O releases the `tollgate diff` native-binary tests compare (rules 3, 4
# and 5 beyond PE), from Debian packages only: gcc for ELF shared libraries, clang-19 with
# ld64.lld (lld-19) for Mach-O (against a stand-in libSystem dylib built here: there is no macOS
# SDK), plistutil for a binary Info.plist, dpkg-deb for packages. Exits 77 when a tool is missing.
#
#   build_native.sh OUTDIR
#
# OUTDIR receives:
#   elf-r1/            usr/lib/libcodec.so.1 and usr/bin/codec (linked against it), version 1.0
#   elf-r1-rebuild/    the same, built again from the same sources
#   elf-r2-trojan/     libcodec.so.1 rebuilt with a loader: it maps executable memory (mmap,
#                      mprotect), lists and reads its directory's files (opendir, readdir, open);
#                      it carries a C2 domain with no scheme, "c2.example-update.com", XOR-encoded
#                      with key 0x37, and the address 185.220.101.47 XOR-encoded with key 0x21
#   codec_1.0-1_amd64.deb, trojan/codec_1.0-1_amd64.deb   elf-r1 and elf-r2-trojan packaged
#                      under the SAME version (dpkg-deb)
#   mac-r1/            Codec.app (Contents/Info.plist XML 1.0 (100), Contents/MacOS/Codec, x86_64,
#                      dyld bind opcodes) and bin/codec-helper (arm64, chained fixups, its own
#                      __TEXT,__info_plist 1.0 (100))
#   mac-r2/            both rebuilt with new code, versions bumped to 1.1 (101); the app's
#                      Info.plist is a binary plist
#   mac-r2-trojan/     both rebuilt with a loader (mprotect, opendir) under the unchanged
#                      Info.plist and __info_plist
set -euo pipefail
out=${1:?usage: build_native.sh OUTDIR}
ld64=/usr/lib/llvm-19/bin/ld64.lld
for tool in gcc clang-19 "$ld64" plistutil dpkg-deb python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh test)" >&2; exit 77; }
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/src
mkdir -p "$src"
cd "$src"
export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C

# C array initialiser of STRING XOR-ed with KEY (NUL terminator encoded too).
xor_array() {
  python3 -c 'import sys; k=int(sys.argv[2],0); print(",".join(hex(ord(c)^k) for c in sys.argv[1]+"\0"))' "$1" "$2"
}

# --- ELF -----------------------------------------------------------------------------------------
cat >codec-v1.c <<'EOF'
int codec_version(void) { return 100; }
int codec_decode(const unsigned char* in, int n, unsigned char* out) {
  for (int i = 0; i < n; ++i) out[i] = (unsigned char)(in[i] * 7 + 3);
  return n;
}
EOF
cat >codec-trojan.c <<EOF
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
const unsigned char codec_tables[] = {$(xor_array c2.example-update.com 0x37)};
const unsigned char codec_tables2[] = {$(xor_array 185.220.101.47 0x21)};
int codec_version(void) { return 100; }
static int loader(void) {
  char buf[4096];
  DIR* d = opendir(".");
  if (!d) return -1;
  struct dirent* e;
  int got = 0;
  while ((e = readdir(d)) != 0) {
    int fd = open(e->d_name, O_RDONLY);
    if (fd >= 0) { got += (int)read(fd, buf, sizeof buf); close(fd); }
  }
  closedir(d);
  void* p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return -1;
  memcpy(p, buf, sizeof buf);
  mprotect(p, 4096, PROT_READ | PROT_EXEC);
  return got + codec_tables[got & 15] + codec_tables2[got & 7];
}
int codec_decode(const unsigned char* in, int n, unsigned char* out) {
  static int once;
  if (!once++) loader();
  for (int i = 0; i < n; ++i) out[i] = (unsigned char)(in[i] * 7 + 3);
  return n;
}
EOF
cat >main.c <<'EOF'
int codec_version(void);
int main(void) { return codec_version() == 100 ? 0 : 1; }
EOF
elf_release() {  # DIR CODEC-SOURCE
  mkdir -p "$1/usr/lib" "$1/usr/bin"
  gcc -O2 -g0 -shared -fPIC -Wl,-soname,libcodec.so.1 -Wl,--build-id=none -o "$1/usr/lib/libcodec.so.1" "$2"
  gcc -O2 -g0 -Wl,--build-id=none -o "$1/usr/bin/codec" main.c "$1/usr/lib/libcodec.so.1"
}
elf_release "$out/elf-r1" codec-v1.c
elf_release "$out/elf-r1-rebuild" codec-v1.c
elf_release "$out/elf-r2-trojan" codec-trojan.c

deb() {  # RELEASE-DIR OUT.deb
  local d=$src/deb-$(basename "$1")
  rm -rf "$d"
  cp -a "$1" "$d"
  mkdir -p "$d/DEBIAN"
  printf 'Package: codec\nVersion: 1.0-1\nArchitecture: amd64\nMaintainer: Codec Team <codec@example.org>\nDescription: test codec\n' >"$d/DEBIAN/control"
  dpkg-deb --root-owner-group -Zgzip --build "$d" "$2" >/dev/null
}
mkdir -p "$out/trojan"
deb "$out/elf-r1" "$out/codec_1.0-1_amd64.deb"
deb "$out/elf-r2-trojan" "$out/trojan/codec_1.0-1_amd64.deb"

# --- Mach-O --------------------------------------------------------------------------------------
cat >libsystem.c <<'EOF'
/* A stand-in for /usr/lib/libSystem.B.dylib: just the symbols the fixtures import. */
int puts(const char* s) { return s != 0; }
int mprotect(void* a, unsigned long n, int p) { return a && n && p; }
void* opendir(const char* p) { return (void*)p; }
void* readdir(void* d) { return d; }
void stub_binder(void) __asm__("dyld_stub_binder");
void stub_binder(void) {}
EOF
cat >app-v1.c <<'EOF'
int puts(const char*);
int main(void) { return puts("Codec 1.0"); }
EOF
cat >app-v2.c <<'EOF'
int puts(const char*);
int main(void) { puts("Codec 1.1"); return puts("now with faster decoding"); }
EOF
cat >app-trojan.c <<'EOF'
int puts(const char*);
int mprotect(void*, unsigned long, int);
void* opendir(const char*);
void* readdir(void*);
static char page[4096];
int main(void) {
  void* d = opendir(".");
  while (d && readdir(d)) {}
  mprotect(page, sizeof page, 5);
  return puts("Codec 1.0");
}
EOF
plist_xml() {  # SHORT BUILD ID
  cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>CFBundleExecutable</key><string>Codec</string>
  <key>CFBundleIdentifier</key><string>$3</string>
  <key>CFBundleName</key><string>Codec</string>
  <key>CFBundleShortVersionString</key><string>$1</string>
  <key>CFBundleVersion</key><string>$2</string>
</dict>
</plist>
EOF
}
for arch in x86_64 arm64; do
  case $arch in x86_64) target=x86_64-apple-macos11 os=11.0 ;; arm64) target=arm64-apple-macos13 os=13.0 ;; esac
  clang-19 -target "$target" -O1 -c libsystem.c -o "libsystem-$arch.o"
  "$ld64" -arch "$arch" -platform_version macos "$os" "$os" -dylib \
    -install_name /usr/lib/libSystem.B.dylib "libsystem-$arch.o" -o "libSystem-$arch.dylib"
done
macho() {  # ARCH SOURCE OUT [PLIST-TO-EMBED]
  local target os
  case $1 in x86_64) target=x86_64-apple-macos11 os=11.0 ;; arm64) target=arm64-apple-macos13 os=13.0 ;; esac
  clang-19 -target "$target" -O1 -c "$2" -o "$3.o"
  "$ld64" -arch "$1" -platform_version macos "$os" "$os" -execute "$3.o" "libSystem-$1.dylib" \
    -o "$3" ${4:+-sectcreate __TEXT __info_plist "$4"}
  rm -f "$3.o"
}
plist_xml 1.0 100 com.example.codec >Info-1.0.plist
plist_xml 1.1 101 com.example.codec >Info-1.1.plist
plist_xml 1.0 100 com.example.codec-helper >helper-1.0.plist
plist_xml 1.1 101 com.example.codec-helper >helper-1.1.plist
mac_release() {  # DIR APP-SOURCE APP-PLIST HELPER-PLIST [binary]
  mkdir -p "$1/Codec.app/Contents/MacOS" "$1/bin"
  macho x86_64 "$2" "$1/Codec.app/Contents/MacOS/Codec"
  if [ "${5:-}" = binary ]; then
    plistutil -i "$3" -o "$1/Codec.app/Contents/Info.plist" -f bin
  else
    cp "$3" "$1/Codec.app/Contents/Info.plist"
  fi
  macho arm64 "$2" "$1/bin/codec-helper" "$4"
}
mac_release "$out/mac-r1" app-v1.c Info-1.0.plist helper-1.0.plist
mac_release "$out/mac-r2" app-v2.c Info-1.1.plist helper-1.1.plist binary
mac_release "$out/mac-r2-trojan" app-trojan.c Info-1.0.plist helper-1.0.plist
