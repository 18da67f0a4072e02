#include "tollgate/integrity/config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>

namespace tollgate::integrity {
namespace {

constexpr std::string_view kDefaults = R"yaml(
# tollgate diff: the built-in rules. A --config file is laid over this document.
rules:
  authenticode-slack:
    severity: critical
    title: data hidden in the Authenticode certificate table
    reason: >-
      Bytes after the PKCS#7 blob of a WIN_CERTIFICATE (or a table that overruns the file or is
      not at its end) are outside what the signature covers, yet Windows and osslsigncode still
      call the file validly signed (CVE-2013-3900). The 3CX attack hid its encrypted payload there.
  signed-unsigned-region-changed:
    severity: high
    title: only the unsigned regions of a signed file changed
    reason: >-
      The Authenticode digest and the signature are the same as in the old release but the file
      is not: someone changed bytes the signature does not cover (certificate table slack, overlay,
      checksum) after signing. Legitimate releases are rebuilt and re-signed, not patched.
  resigned-same-signer:
    severity: info
    title: re-signed by the same signer, code unchanged
    reason: >-
      The image digest is unchanged and the same certificate signed it again; usually a routine
      re-signing (new timestamp).
  changed-without-version-bump:
    severity: high
    title: binary content changed while its declared version did not
    reason: >-
      Vendors bump the version resource or package version when they change code. New code under
      an old version number is how a trojanized build blends into a release (3CX's ffmpeg.dll).
  bundled-third-party-changed:
    severity: medium
    title: a bundled third-party binary differs from the old release's copy
    reason: >-
      Third-party binaries (another company's name in their version resource) are normally copied
      unchanged from upstream; a changed copy was rebuilt or modified by someone.
  new-sensitive-imports:
    severity: high
    title: new sensitive capabilities imported
    reason: >-
      Imports added in sensitive groups (executable memory, process creation, network, crypto,
      reading files) give a library powers its upstream does not need; a loader that decrypts and
      runs a payload needs exactly these.
  new-network-indicator:
    severity: high
    title: new URLs, domains or IPs in the binary
    reason: >-
      Network destinations that the old release did not contain, outside the vendor's and
      well-known domains, may be command-and-control servers; encoded ones (XOR, base64) are
      hidden on purpose.
  high-entropy-blob:
    severity: high
    title: high-entropy data added outside the code
    reason: >-
      Encrypted or compressed blobs added to an overlay, the certificate table or the resources
      are how payloads are smuggled inside otherwise normal binaries.
  signer-changed:
    severity: high
    title: the signer changed or the signature was removed
    reason: >-
      A different certificate, issuer or team id signing a file of the same product means a
      different party produced it; a removed signature loses the provenance.
  signature-after-expiry:
    severity: high
    title: signed after the signer certificate expired
    reason: >-
      A signing time after the certificate's notAfter means a stolen or expired key was used, or
      the signing time was forged.
  signature-invalid:
    severity: high
    title: the Authenticode signature does not verify
    reason: >-
      The file claims a signature that does not match its contents or does not verify; it was
      modified after signing.
  ioc-match:
    severity: critical
    title: matches an imported indicator of compromise
    reason: A file hash or network indicator of the release is on an imported indicator list.
  yara-match:
    severity: high
    title: matches a YARA rule
    reason: A YARA rule given with --yara matched the file.
vendor:
  names: []
  domains: []
allowlist:
  # Certificate authorities, standards bodies and platform vendors whose URLs appear in ordinary
  # binaries (CRL and OCSP locations, XML namespaces, licence texts, toolchain strings).
  domains: [microsoft.com, windows.com, windowsupdate.com, msftconnecttest.com, digicert.com,
            verisign.com, symantec.com, symcb.com, symcd.com, thawte.com, globalsign.com,
            globalsign.net, sectigo.com, comodoca.com, usertrust.com, entrust.net, godaddy.com,
            letsencrypt.org, identrust.com, w3.org, xmlsoap.org, openssl.org, gnu.org, fsf.org,
            sourceforge.net, apple.com, debian.org, ietf.org, purl.org, adobe.com, mozilla.org,
            chromium.org, python.org, example.com, example.org, example.net, example.invalid,
            ns.adobe.com, unicode.org, apache.org, github.com, gnome.org, freedesktop.org,
            kernel.org, ubuntu.com, ffmpeg.org, videolan.org, zlib.net, libpng.org, gstatic.com]
sensitive_imports:
  # Per group: imported function names (PE imports; ELF undefined dynamic symbols; Mach-O
  # undefined symbols without the leading underscore), "Prefix*" patterns, and "lib:pattern" for
  # a newly linked library (DLL, DT_NEEDED or LC_LOAD_DYLIB base name, lower case).
  memory-protection: [VirtualAlloc, VirtualAllocEx, VirtualAllocExNuma, VirtualProtect,
                      VirtualProtectEx, NtAllocateVirtualMemory, NtProtectVirtualMemory,
                      WriteProcessMemory, NtWriteVirtualMemory, MapViewOfFile, MapViewOfFileEx,
                      mprotect, pkey_mprotect, mmap, mmap64, memfd_create, process_vm_writev,
                      vm_protect, vm_allocate, mach_vm_protect, mach_vm_allocate, mach_vm_write]
  process-creation: [CreateProcessA, CreateProcessW, CreateProcessAsUserA, CreateProcessAsUserW,
                     CreateRemoteThread, CreateRemoteThreadEx, ShellExecuteA, ShellExecuteW,
                     ShellExecuteExA, ShellExecuteExW, WinExec, NtCreateThreadEx, QueueUserAPC,
                     execve, execveat, fexecve, execv, execvp, execvpe, execl, execlp, execle,
                     fork, vfork, clone, clone3, posix_spawn, posix_spawnp, system, popen, ptrace,
                     task_for_pid, NSTask*]
  network: [InternetOpenA, InternetOpenW, InternetOpenUrlA, InternetOpenUrlW, InternetConnectA,
            InternetConnectW, HttpOpenRequestA, HttpOpenRequestW, HttpSendRequestA,
            HttpSendRequestW, InternetReadFile, WinHttpOpen, WinHttpConnect, WinHttpSendRequest,
            WinHttpReadData, URLDownloadToFileA, URLDownloadToFileW, WSAStartup, socket, connect,
            send, recv, getaddrinfo, gethostbyname, DnsQuery_A, DnsQuery_W, sendto, recvfrom,
            sendmsg, recvmsg, gethostbyname_r, getaddrinfo_a, res_query, res_search, curl_easy_*,
            CFSocket*, CFStreamCreatePairWithSocketToHost, nw_connection_*,
            "lib:wininet.dll", "lib:winhttp.dll", "lib:ws2_32.dll", "lib:libcurl*"]
  crypto: [CryptDecrypt, CryptEncrypt, CryptAcquireContextA, CryptAcquireContextW, CryptImportKey,
           BCryptDecrypt, BCryptEncrypt, BCryptOpenAlgorithmProvider, BCryptGenerateSymmetricKey,
           CryptUnprotectData, CryptStringToBinaryA, CryptStringToBinaryW, EVP_*, AES_*, RC4*,
           ChaCha20*, gcry_cipher_*, crypto_secretbox*, mbedtls_aes_*, CCCrypt*,
           "lib:libcrypto*", "lib:libssl*", "lib:libgcrypt*", "lib:libsodium*",
           "lib:libmbedcrypto*", "lib:libnettle*", "lib:bcrypt.dll"]
  file-read: [CreateFileA, CreateFileW, ReadFile, GetModuleFileNameA, GetModuleFileNameW,
              FindFirstFileA, FindFirstFileW, FindNextFileA, FindNextFileW, fopen, _wfopen, fread,
              opendir, fdopendir, readdir, readdir64, scandir, nftw, open, open64, openat,
              openat64, fopen64, readlink, dladdr, _NSGetExecutablePath]
entropy:
  threshold: 7.2
  min_bytes: 1024
markers:
  # The 3CX d3dcompiler_47.dll payload began with FE ED FA CE; an embedded PE, ELF or zip is a
  # second program or archive where none belongs.
  - {name: feedface, hex: "fe ed fa ce"}
  - {name: embedded-pe, text: "This program cannot be run in DOS mode"}
  - {name: embedded-elf, hex: "7f 45 4c 46"}
  - {name: embedded-zip, hex: "50 4b 03 04"}
)yaml";

Result<std::string> hexBytes(const std::string& s, const std::string& where) {
  std::string out;
  int nib = -1;
  for (char c : s) {
    if (c == ' ' || c == ':') continue;
    int v =
        std::isxdigit(static_cast<unsigned char>(c))
            ? (std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(c) - 'a' + 10))
            : -1;
    if (v < 0) return fail(ErrorCode::kInvalidInput, where + ": not hex: " + s);
    if (nib < 0) {
      nib = v;
    } else {
      out += static_cast<char>(nib << 4 | v);
      nib = -1;
    }
  }
  if (nib >= 0 || out.empty()) return fail(ErrorCode::kInvalidInput, where + ": odd or empty hex");
  return out;
}

Result<std::vector<std::string>> stringList(const YAML::Node& n, const std::string& where) {
  if (!n.IsSequence()) return fail(ErrorCode::kInvalidInput, where + ": expected a list");
  std::vector<std::string> out;
  for (const auto& x : n) {
    if (!x.IsScalar()) return fail(ErrorCode::kInvalidInput, where + ": expected strings");
    out.push_back(x.as<std::string>());
  }
  return out;
}

Status apply(const YAML::Node& doc, DiffConfig& c, bool defining) {
  if (doc.IsNull()) return {};
  if (!doc.IsMap()) return fail(ErrorCode::kInvalidInput, "top level: expected a mapping");
  for (const auto& kv : doc) {
    std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (key == "rules") {
      if (!v.IsMap()) return fail(ErrorCode::kInvalidInput, "rules: expected a mapping");
      for (const auto& r : v) {
        std::string id = r.first.as<std::string>();
        if (!defining && !c.rules.contains(id))
          return fail(ErrorCode::kInvalidInput, "rules." + id + ": unknown rule");
        if (!r.second.IsMap())
          return fail(ErrorCode::kInvalidInput, "rules." + id + ": expected a mapping");
        RuleInfo& info = c.rules[id];
        info.id = id;
        for (const auto& f : r.second) {
          std::string fk = f.first.as<std::string>();
          if (!f.second.IsScalar())
            return fail(ErrorCode::kInvalidInput, "rules." + id + "." + fk + ": expected a value");
          std::string fv = f.second.as<std::string>();
          if (fk == "severity") {
            auto s = report::parseSeverity(fv);
            if (!s)
              return fail(ErrorCode::kInvalidInput,
                          "rules." + id + ".severity: unknown severity '" + fv + "'");
            info.severity = *s;
          } else if (fk == "enabled") {
            if (fv != "true" && fv != "false")
              return fail(ErrorCode::kInvalidInput,
                          "rules." + id + ".enabled: expected true or false");
            info.enabled = fv == "true";
          } else if (fk == "title") {
            info.title = fv;
          } else if (fk == "reason") {
            info.reason = fv;
          } else {
            return fail(ErrorCode::kInvalidInput, "rules." + id + "." + fk + ": unknown key");
          }
        }
      }
    } else if (key == "vendor" || key == "allowlist") {
      if (!v.IsMap()) return fail(ErrorCode::kInvalidInput, key + ": expected a mapping");
      for (const auto& f : v) {
        std::string fk = f.first.as<std::string>();
        auto list = stringList(f.second, key + "." + fk);
        if (!list) return std::unexpected(list.error());
        if (key == "vendor" && fk == "names")
          c.vendorNames = std::move(*list);
        else if (key == "vendor" && fk == "domains")
          c.vendorDomains = std::move(*list);
        else if (key == "allowlist" && fk == "domains")
          c.allowDomains = std::move(*list);
        else
          return fail(ErrorCode::kInvalidInput, key + "." + fk + ": unknown key");
      }
    } else if (key == "sensitive_imports") {
      if (!v.IsMap()) return fail(ErrorCode::kInvalidInput, key + ": expected a mapping");
      for (const auto& g : v) {
        std::string group = g.first.as<std::string>();
        auto list = stringList(g.second, key + "." + group);
        if (!list) return std::unexpected(list.error());
        c.sensitiveImports[group] = std::move(*list);
      }
    } else if (key == "entropy") {
      if (!v.IsMap()) return fail(ErrorCode::kInvalidInput, key + ": expected a mapping");
      for (const auto& f : v) {
        std::string fk = f.first.as<std::string>();
        if (fk == "threshold") {
          double t = f.second.as<double>();
          if (!(t >= 0 && t <= 8))
            return fail(ErrorCode::kInvalidInput, "entropy.threshold: must be 0..8 bits per byte");
          c.entropyThreshold = t;
        } else if (fk == "min_bytes") {
          c.entropyMinBytes = f.second.as<std::uint64_t>();
        } else {
          return fail(ErrorCode::kInvalidInput, "entropy." + fk + ": unknown key");
        }
      }
    } else if (key == "markers") {
      if (!v.IsSequence()) return fail(ErrorCode::kInvalidInput, "markers: expected a list");
      c.markers.clear();
      std::size_t i = 0;
      for (const auto& m : v) {
        std::string where = "markers[" + std::to_string(i++) + "]";
        if (!m.IsMap() || !m["name"])
          return fail(ErrorCode::kInvalidInput, where + ": expected {name, hex|text}");
        Marker mk;
        mk.name = m["name"].as<std::string>();
        if (m["hex"]) {
          auto b = hexBytes(m["hex"].as<std::string>(), where + ".hex");
          if (!b) return std::unexpected(b.error());
          mk.bytes = std::move(*b);
        } else if (m["text"]) {
          mk.bytes = m["text"].as<std::string>();
        }
        if (mk.bytes.empty()) return fail(ErrorCode::kInvalidInput, where + ": empty pattern");
        c.markers.push_back(std::move(mk));
      }
    } else {
      return fail(ErrorCode::kInvalidInput, key + ": unknown key");
    }
  }
  return {};
}

}  // namespace

bool DiffConfig::enabled(std::string_view id) const {
  auto it = rules.find(std::string(id));
  return it != rules.end() && it->second.enabled;
}

const RuleInfo& DiffConfig::rule(std::string_view id) const {
  auto it = rules.find(std::string(id));
  TOLLGATE_CHECK(it != rules.end(), "rule ids used in code are defined in the defaults");
  return it->second;
}

std::string_view defaultConfigYaml() { return kDefaults; }

DiffConfig defaultConfig() {
  DiffConfig c;
  YAML::Node doc = YAML::Load(std::string(kDefaults));
  auto st = apply(doc, c, true);
  TOLLGATE_CHECK(st.has_value(), "the built-in rule set parses");
  return c;
}

Result<DiffConfig> parseConfig(std::string_view yaml, const DiffConfig& base,
                               const std::string& label) {
  DiffConfig c = base;
  try {
    YAML::Node doc = YAML::Load(std::string(yaml));
    auto st = apply(doc, c, false);
    if (!st) return std::unexpected(st.error().within(label));
  } catch (const YAML::Exception& e) {
    Error err{ErrorCode::kInvalidInput, e.what(), label};
    return std::unexpected(err);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidInput, std::string("invalid configuration: ") + e.what(), label);
  }
  return c;
}

}  // namespace tollgate::integrity
