#!/usr/bin/env bash
# Builds the Windows PE fixtures the binfmt tests use, from Debian packages only: a DLL and an
# EXE with real VERSIONINFO resources (mingw-w64 gcc + windres), a throwaway CA and code-signing
# certificate (openssl), Authenticode signatures (osslsigncode), and the variants the verdicts are
# checked on. Prints nothing on success; exits 77 when a tool is missing (callers skip).
#
#   build_pe_fixtures.sh OUTDIR
#
# OUTDIR receives:
#   fixture.dll, fixture.exe          unsigned (the exe imports the dll, kernel32, user32)
#   signed.dll, signed.exe            signed (SHA-256), certificate chain leaf + CA
#   tampered.exe                      signed.exe with one byte of .text flipped after signing
#   padded.exe                        signed.exe with 4096 bytes appended inside the
#                                     WIN_CERTIFICATE after the PKCS#7 blob, dwLength and the
#                                     data directory size updated (the 3CX d3dcompiler_47.dll trick)
#   appended.exe                      signed.exe with 512 bytes appended after the certificate
#                                     table (outside it)
#   ca.pem, leaf.pem                  the certificates
set -euo pipefail
out=${1:?usage: build_pe_fixtures.sh OUTDIR}
for tool in x86_64-w64-mingw32-gcc x86_64-w64-mingw32-windres osslsigncode openssl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh test)" >&2; exit 77; }
done
mkdir -p "$out"
cd "$out"
export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C

version_rc() {  # NAME DESCRIPTION FILETYPE
  cat <<EOF
#include <winver.h>
1 VERSIONINFO
FILEVERSION 1,2,3,4
PRODUCTVERSION 1,2,0,0
FILEFLAGSMASK 0x3fL
FILEFLAGS 0x0L
FILEOS VOS_NT_WINDOWS32
FILETYPE $3
FILESUBTYPE 0x0L
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904b0"
    BEGIN
      VALUE "CompanyName", "Tollgate Test Corp"
      VALUE "FileDescription", "$2"
      VALUE "FileVersion", "1.2.3.4"
      VALUE "InternalName", "$1"
      VALUE "LegalCopyright", "Copyright (C) 2024 Tollgate Test Corp"
      VALUE "OriginalFilename", "$1"
      VALUE "ProductName", "Tollgate Fixture Suite"
      VALUE "ProductVersion", "1.2.0"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
EOF
}

cat >fixture_dll.c <<'EOF'
#include <windows.h>
__declspec(dllexport) int demo_add(int a, int b) { return a + b; }
__declspec(dllexport) const char* demo_version(void) { return "1.2.3.4"; }
__declspec(dllexport) DWORD demo_tick(void) { return GetTickCount(); }
EOF
cat >fixture_exe.c <<'EOF'
#include <windows.h>
#include <stdio.h>
__declspec(dllimport) int demo_add(int a, int b);
int main(void) {
  printf("%d\n", demo_add(2, 3));
  if (GetEnvironmentVariableA("FIXTURE_GUI", NULL, 0)) MessageBoxA(NULL, "hi", "fixture", MB_OK);
  return 0;
}
EOF
version_rc fixture.dll "Tollgate fixture library" VFT_DLL >fixture_dll.rc
version_rc fixture.exe "Tollgate fixture application" VFT_APP >fixture_exe.rc
x86_64-w64-mingw32-windres fixture_dll.rc -O coff -o fixture_dll.res
x86_64-w64-mingw32-windres fixture_exe.rc -O coff -o fixture_exe.res
x86_64-w64-mingw32-gcc -O1 -shared -o fixture.dll fixture_dll.c fixture_dll.res -Wl,--no-insert-timestamp
x86_64-w64-mingw32-gcc -O1 -o fixture.exe fixture_exe.c fixture_exe.res fixture.dll -luser32 \
  -Wl,--no-insert-timestamp

# A throwaway CA and a code-signing leaf certificate.
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 \
  -subj "/CN=Tollgate Test Root CA/O=Tollgate Test" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr \
  -subj "/CN=Tollgate Test Code Signing/O=Tollgate Test Corp" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' >leaf.ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 3650 \
  -extfile leaf.ext 2>/dev/null
cat leaf.pem ca.pem >chain.pem

sign() {
  osslsigncode sign -certs chain.pem -key leaf.key -h sha256 -n "Tollgate Fixture" \
    -i https://example.invalid/ -in "$1" -out "$2" >/dev/null
}
sign fixture.dll signed.dll
sign fixture.exe signed.exe

python3 - <<'EOF'
import struct

def pe_layout(b):
    lfanew = struct.unpack_from("<I", b, 0x3c)[0]
    nsec = struct.unpack_from("<H", b, lfanew + 6)[0]
    optsize = struct.unpack_from("<H", b, lfanew + 20)[0]
    opt = lfanew + 24
    magic = struct.unpack_from("<H", b, opt)[0]
    dirs = opt + (112 if magic == 0x20B else 96)
    sections = []
    for i in range(nsec):
        s = opt + optsize + 40 * i
        name = b[s:s + 8].rstrip(b"\0").decode()
        rawsize, rawoff = struct.unpack_from("<II", b, s + 16)
        sections.append((name, rawoff, rawsize))
    return dirs + 8 * 4, sections

signed = bytearray(open("signed.exe", "rb").read())
certdir, sections = pe_layout(signed)
table_off, table_size = struct.unpack_from("<II", signed, certdir)

tampered = bytearray(signed)
text = next(s for s in sections if s[0] == ".text")
tampered[text[1] + 64] ^= 0x01
open("tampered.exe", "wb").write(tampered)

# The 3CX trick: extra bytes inside the WIN_CERTIFICATE after the PKCS#7 blob; the entry's
# dwLength and the directory size grow, so the image hash (which skips the table) is unchanged.
pad = (b"TOLLGATE-HIDDEN-PAYLOAD\0" * 200)[:4096]
dw_length = struct.unpack_from("<I", signed, table_off)[0]
entry_end = table_off + ((dw_length + 7) & ~7)
padded = bytearray(signed[:table_off + dw_length]) + pad + signed[table_off + dw_length:]
struct.pack_into("<I", padded, table_off, dw_length + len(pad))
struct.pack_into("<II", padded, certdir, table_off, table_size + len(pad))
open("padded.exe", "wb").write(padded)

open("appended.exe", "wb").write(signed + b"\xcc" * 512)
EOF
rm -f ./*.res ./*.csr ./*.ext ./*.srl
