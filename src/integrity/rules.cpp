// The release-gate rules (ids and severities in config.cpp, the reasoning in docs/integrity.md).
#include "tollgate/integrity/rules.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <map>
#include <mutex>
#include <set>

#include "tollgate/binfmt/binary.h"
#include "tollgate/binfmt/plist.h"
#include "tollgate/integrity/indicators.h"
#include "tollgate/util/hash.h"
#include "tollgate/util/openssl.h"
#include "tollgate/util/parallel.h"
#include "tollgate/util/strings.h"
#include "yara_scan.h"

namespace tollgate::integrity {
namespace {

using report::Finding;
using report::Severity;
using json = nlohmann::json;

constexpr std::uint64_t kMaxIndicatorScan = 256ull << 20;  // bytes per file

double entropy(std::span<const std::byte> b) {
  if (b.empty()) return 0;
  std::array<std::uint64_t, 256> counts{};
  for (std::byte x : b) ++counts[static_cast<unsigned char>(x)];
  double h = 0;
  const double n = static_cast<double>(b.size());
  for (auto c : counts)
    if (c) {
      double p = static_cast<double>(c) / n;
      h -= p * std::log2(p);
    }
  return h;
}

double round2(double v) { return std::round(v * 100) / 100; }

std::string lowerStr(std::string_view s) { return toLower(s); }

std::string baseName(std::string_view path) {
  auto p = path.rfind('/');
  return std::string(p == std::string_view::npos ? path : path.substr(p + 1));
}

std::string subjectOf(std::string_view path) {
  return std::string(path.starts_with('/') ? path.substr(1) : path);
}

std::string kb(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  if (bytes < (10ull << 20)) return std::to_string((bytes + 512) / 1024) + " KB";
  return std::to_string((bytes + (1 << 19)) >> 20) + " MB";
}

struct Region {
  std::string where;  // "certificate-table-slack", "overlay"
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  double entropy = 0;
  std::vector<std::string> markers;
};

// What the rules need to know about one file of one release.
struct Facts {
  bool read = false;
  binfmt::Format format = binfmt::Format::kUnknown;
  std::optional<binfmt::PeInfo> pe;
  std::optional<binfmt::AuthenticodeInfo> sig;
  std::optional<binfmt::MachOInfo> macho;
  std::string pkcs7Sha256;  // the first WIN_CERTIFICATE's PKCS#7 blob
  std::string signingTime;  // RFC 3339, from the signer's signingTime attribute
  std::vector<Region> regions;
  double rsrcEntropy = -1;
  std::uint64_t rsrcSize = 0;
  // PE: "kernel32.dll!VirtualAlloc" (DLL lower-cased); ELF and Mach-O: the symbol ("mprotect").
  std::set<std::string> imports;
  std::set<std::string> libraries;  // DLLs, DT_NEEDED, LC_LOAD_DYLIB (base names)
  std::vector<Indicator> indicators;
  std::string version;  // declared: PE version resource, else the owning package's version
  std::string company;
  std::string teamId;         // Mach-O
  std::string versionSource;  // "versioninfo", "Info.plist", "__info_plist", "package"
  std::string bundleId;       // Mach-O: CFBundleIdentifier
  [[nodiscard]] bool binary() const { return format != binfmt::Format::kUnknown; }
};

std::vector<std::string> findMarkers(std::span<const std::byte> b, const DiffConfig& cfg) {
  std::vector<std::string> out;
  std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
  for (const auto& m : cfg.markers)
    if (s.find(m.bytes) != std::string_view::npos) out.push_back(m.name);
  return out;
}

std::string asn1TimeText(const ASN1_TYPE* t) {
  if (!t) return {};
  const ASN1_TIME* at = nullptr;
  if (t->type == V_ASN1_UTCTIME) at = t->value.utctime;
  if (t->type == V_ASN1_GENERALIZEDTIME) at = t->value.generalizedtime;
  std::tm tm{};
  if (!at || ASN1_TIME_to_tm(at, &tm) != 1) return {};
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The signingTime authenticated attribute of the first signer of a PKCS#7 blob.
std::string signingTimeOf(std::span<const std::byte> blob) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(blob.size())));
  if (!p7) {
    ERR_clear_error();
    return {};
  }
  std::string out;
  if (PKCS7_type_is_signed(p7.get())) {
    STACK_OF(PKCS7_SIGNER_INFO)* sis = PKCS7_get_signer_info(p7.get());
    if (sis && sk_PKCS7_SIGNER_INFO_num(sis) > 0)
      out = asn1TimeText(
          PKCS7_get_signed_attribute(sk_PKCS7_SIGNER_INFO_value(sis, 0), NID_pkcs9_signingTime));
  }
  p7.reset();
  ERR_clear_error();
  return out;
}

void describePe(std::span<const std::byte> bytes, Facts& f, const DiffConfig& cfg) {
  const auto& pe = *f.pe;
  if (pe.versionInfo) {
    const auto& vi = *pe.versionInfo;
    f.company = vi.get("CompanyName");
    std::string fv = vi.hasFixedInfo ? vi.fixedFileVersion() : vi.get("FileVersion");
    std::string pv = vi.hasFixedInfo ? vi.fixedProductVersion() : vi.get("ProductVersion");
    f.version = fv + "/" + pv;
  }
  if (!f.version.empty()) f.versionSource = "versioninfo";
  for (const auto& imp : pe.imports) {
    f.libraries.insert(lowerStr(imp.dll));
    for (const auto& fn : imp.functions) f.imports.insert(lowerStr(imp.dll) + "!" + fn);
  }
  for (const auto& s : pe.sections)
    if (s.name == ".rsrc") {
      f.rsrcEntropy = s.entropy;
      f.rsrcSize = s.rawSize;
    }
  if (f.sig && f.sig->status != binfmt::SignatureStatus::kUnsigned) {
    const auto& sig = *f.sig;
    const std::uint64_t tableEnd =
        std::min<std::uint64_t>(sig.tableOffset + sig.tableSize, bytes.size());
    // Hidden bytes: after each entry's PKCS#7 blob, and after the last entry.
    std::uint64_t covered = sig.tableOffset;
    std::vector<std::byte> hidden;
    std::uint64_t firstHidden = 0;
    for (const auto& e : sig.entries) {
      std::uint64_t start = e.offset + 8 + e.pkcs7Length;
      std::uint64_t end = std::min<std::uint64_t>(e.offset + e.length, tableEnd);
      if (e.pkcs7Length > 0 && start < end && end - start > 7) {
        if (hidden.empty()) firstHidden = start;
        hidden.insert(hidden.end(), bytes.begin() + static_cast<std::ptrdiff_t>(start),
                      bytes.begin() + static_cast<std::ptrdiff_t>(end));
      }
      covered = std::max<std::uint64_t>(
          covered, e.offset + ((static_cast<std::uint64_t>(e.length) + 7) & ~7ull));
    }
    if (covered < tableEnd) {
      if (hidden.empty()) firstHidden = covered;
      hidden.insert(hidden.end(), bytes.begin() + static_cast<std::ptrdiff_t>(covered),
                    bytes.begin() + static_cast<std::ptrdiff_t>(tableEnd));
    }
    if (!hidden.empty())
      f.regions.push_back(Region{"certificate-table-slack", firstHidden, hidden.size(),
                                 entropy(hidden), findMarkers(hidden, cfg)});
    if (!sig.entries.empty() && sig.entries[0].pkcs7Length > 0) {
      auto blob = bytes.subspan(sig.entries[0].offset + 8, sig.entries[0].pkcs7Length);
      Sha256 h;
      h.update(blob);
      f.pkcs7Sha256 = h.hexDigest();
      f.signingTime = signingTimeOf(blob);
    }
  }
  // Overlay bytes outside the certificate table (after the last section).
  if (pe.overlayOutsideCertificates > 0 && pe.overlayOffset < bytes.size()) {
    std::uint64_t start = pe.overlayOffset;
    std::uint64_t end = bytes.size();
    auto ct = pe.certificateTable();
    std::vector<std::byte> data;
    for (std::uint64_t o = start; o < end;) {
      if (ct.size && o >= ct.address && o < static_cast<std::uint64_t>(ct.address) + ct.size) {
        o = static_cast<std::uint64_t>(ct.address) + ct.size;
        continue;
      }
      std::uint64_t stop = end;
      if (ct.size && ct.address > o) stop = std::min<std::uint64_t>(stop, ct.address);
      data.insert(data.end(), bytes.begin() + static_cast<std::ptrdiff_t>(o),
                  bytes.begin() + static_cast<std::ptrdiff_t>(stop));
      o = stop;
    }
    if (!data.empty())
      f.regions.push_back(
          Region{"overlay", start, data.size(), entropy(data), findMarkers(data, cfg)});
  }
}

// Indicators in what a signature does not describe: the file minus the PKCS#7 blobs (their CRL
// and OCSP URLs are the CA's), plus whatever hides after them.
std::vector<Indicator> indicatorsOf(std::span<const std::byte> bytes, const Facts& f) {
  if (bytes.size() > kMaxIndicatorScan) bytes = bytes.first(kMaxIndicatorScan);
  if (!f.sig || f.sig->status == binfmt::SignatureStatus::kUnsigned || f.sig->tableOverrunsFile)
    return extractIndicators(bytes);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> skip;  // [begin, end) of each blob
  for (const auto& e : f.sig->entries)
    if (e.pkcs7Length > 0) skip.emplace_back(e.offset + 8, e.offset + 8 + e.pkcs7Length);
  std::sort(skip.begin(), skip.end());
  std::vector<Indicator> out;
  std::uint64_t pos = 0;
  auto scanPart = [&](std::uint64_t a, std::uint64_t b) {
    if (a >= b || a >= bytes.size()) return;
    b = std::min<std::uint64_t>(b, bytes.size());
    for (auto i : extractIndicators(bytes.subspan(a, b - a))) {
      i.offset += a;
      out.push_back(std::move(i));
    }
  };
  for (auto [a, b] : skip) {
    scanPart(pos, a);
    pos = std::max(pos, b);
  }
  scanPart(pos, bytes.size());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Indicator& x, const Indicator& y) {
                          return x.kind == y.kind && x.value == y.value && x.encoding == y.encoding;
                        }),
            out.end());
  return out;
}

// The Info.plist of the bundle a Mach-O file is the executable of: X.app/Contents/MacOS/X ->
// X.app/Contents/Info.plist; X.framework/Versions/A/X ->
// X.framework/Versions/A/Resources/Info.plist.
std::string bundlePlistPath(std::string_view path) {
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  std::string_view dir = path.substr(0, slash);
  if (dir.ends_with("/Contents/MacOS"))
    return std::string(dir.substr(0, dir.size() - 6)) + "/Info.plist";
  auto v = dir.rfind("/Versions/");
  if (v != std::string_view::npos && dir.substr(0, v).ends_with(".framework"))
    return std::string(dir) + "/Resources/Info.plist";
  return {};
}

void describeMachO(const Release& rel, const ReleaseFile& file, std::span<const std::byte> bytes,
                   Facts& f, Diagnostics& diag) {
  std::optional<binfmt::BundleInfo> bundle;
  for (const auto& s : f.macho->slices) {
    if (!s.teamId.empty()) f.teamId = s.teamId;
    for (const auto& d : s.dylibs) f.libraries.insert(baseName(d));
    for (const auto& sym : s.importedSymbols) f.imports.insert(sym);
    if (!bundle) {
      auto plist =
          binfmt::machOSectionData(binfmt::machOSliceBytes(bytes, s), s, "__TEXT", "__info_plist");
      if (!plist.empty()) {
        if (auto b = binfmt::parseInfoPlist(plist)) {
          bundle = std::move(*b);
          f.versionSource = "__info_plist";
        } else {
          diag.warn(b.error().within(file.path + " (__TEXT,__info_plist)"));
        }
      }
    }
  }
  if (!bundle) {
    std::string plistPath = bundlePlistPath(file.path);
    if (!plistPath.empty() && rel.find(plistPath))
      if (auto m = rel.map(plistPath)) {
        if (auto b = binfmt::parseInfoPlist(m->bytes())) {
          bundle = std::move(*b);
          f.versionSource = "Info.plist";
        } else {
          diag.warn(b.error().within(plistPath));
        }
      }
  }
  if (bundle) {
    f.version = bundle->versionText();
    f.bundleId = bundle->identifier;
    if (f.version.empty()) f.versionSource.clear();
  }
}

Facts analyze(const Release& rel, const ReleaseFile& file, const DiffConfig& cfg,
              bool withIndicators, Diagnostics& diag) {
  Facts f;
  if (file.type != EntryType::kRegular) return f;
  f.version = rel.packageVersionOf(file.path);
  auto m = rel.map(file.path);
  if (!m) {
    diag.warn(m.error());
    return f;
  }
  f.read = true;
  auto bytes = m->bytes();
  f.format = binfmt::identify(bytes);
  if (!f.binary()) return f;
  auto info = binfmt::inspect(bytes);
  if (!info) {
    diag.warn(info.error().within(file.path));
    f.format = binfmt::Format::kUnknown;
    return f;
  }
  f.pe = std::move(info->pe);
  f.sig = std::move(info->authenticode);
  f.macho = std::move(info->macho);
  std::string pkgVersion = f.version;
  f.version.clear();
  if (f.pe) describePe(bytes, f, cfg);
  if (f.macho) describeMachO(rel, file, bytes, f, diag);
  if (info->elf) {
    for (const auto& n : info->elf->needed) f.libraries.insert(n);
    for (const auto& sym : info->elf->importedSymbols) f.imports.insert(sym);
  }
  if (f.version.empty() && !pkgVersion.empty()) {
    f.version = pkgVersion;
    f.versionSource = "package";
  }
  if (withIndicators) {
    f.indicators = indicatorsOf(bytes, f);
    // Version numbers look like addresses ("1.2.3.4"): drop those the version resource declares.
    if (f.pe && f.pe->versionInfo) {
      const auto& vi = *f.pe->versionInfo;
      std::set<std::string> versions{vi.fixedFileVersion(), vi.fixedProductVersion()};
      for (const auto& [k, v] : vi.strings) versions.insert(v);
      std::erase_if(f.indicators, [&](const Indicator& i) {
        return i.kind == "ip" && versions.contains(i.value);
      });
    }
  }
  return f;
}

class Rules {
 public:
  Rules(const Release& o, const Release& n, const ReleaseDiff& d, const DiffConfig& c,
        const RuleOptions& opts, Diagnostics& diag)
      : old_(o), new_(n), diff_(d), cfg_(c), opts_(opts), diag_(diag) {}

  Result<std::vector<Finding>> run() {
    unsigned threads = opts_.threads ? opts_.threads : defaultThreads();
    // The files to judge: changed and added ones, plus unchanged PE files (rule 1 judges every
    // signature of the new release, not only the changed ones).
    std::vector<const ReleaseFile*> newFiles;
    std::vector<const ReleaseFile*> oldFiles;
    std::set<std::string> changedPaths;
    for (const auto& c : diff_.files) {
      changedPaths.insert(c.path);
      if (c.newFile && c.newFile->type == EntryType::kRegular) {
        newFiles.push_back(c.newFile);
        oldFiles.push_back(c.oldFile && c.oldFile->type == EntryType::kRegular ? c.oldFile
                                                                               : nullptr);
      }
    }
    for (const auto& c : new_.bom().components) {
      if (c.type != sbom::ComponentType::kFile) continue;
      auto it = c.properties.find("tollgate:binary:format");
      if (it == c.properties.end() || it->second != "pe") continue;
      for (const auto& p : c.evidencePaths) {
        if (changedPaths.contains(p)) continue;
        if (const auto* f = new_.find(p); f && f->type == EntryType::kRegular) {
          newFiles.push_back(f);
          oldFiles.push_back(nullptr);
          changedPaths.insert(p);
        }
      }
    }
    std::vector<Facts> nf(newFiles.size()), of(newFiles.size());
    parallelFor(newFiles.size(), threads, [&](unsigned, std::size_t i) {
      nf[i] = analyze(new_, *newFiles[i], cfg_, true, diag_);
      if (oldFiles[i]) of[i] = analyze(old_, *oldFiles[i], cfg_, true, diag_);
    });
    vendorNames_ = cfg_.vendorNames;
    if (vendorNames_.empty()) autoVendor();

    for (std::size_t i = 0; i < newFiles.size(); ++i) {
      const std::string& path = newFiles[i]->path;
      const Facts& n = nf[i];
      const Facts* o = oldFiles[i] ? &of[i] : nullptr;
      bool unchanged = !new_.find(path) || !old_.find(path)
                           ? false
                           : new_.find(path)->sha256 == old_.find(path)->sha256;
      ruleSlack(path, n);
      if (unchanged) continue;
      bool onlyUnsigned = o && ruleUnsignedRegions(path, *o, n);
      if (o && !onlyUnsigned) {
        ruleVersion(path, *o, n);
        ruleImports(path, *o, n);
      }
      ruleEntropy(path, o, n);
      ruleSigner(path, o, n);
    }
    ruleIndicators(newFiles, oldFiles, nf, of, threads);
    if (opts_.ioc && cfg_.enabled("ioc-match")) ruleIoc(newFiles, nf);
    if (!opts_.yaraRulesFile.empty() && cfg_.enabled("yara-match")) {
      auto st = ruleYara(newFiles);
      if (!st) return std::unexpected(st.error());
    }

    std::sort(findings_.begin(), findings_.end(), [](const Finding& a, const Finding& b) {
      if (a.severity != b.severity) return a.severity > b.severity;
      if (a.subject != b.subject) return a.subject < b.subject;
      return a.id < b.id;
    });
    return std::move(findings_);
  }

 private:
  void emit(const std::string& id, const std::string& path, std::string message, json evidence) {
    if (!cfg_.enabled(id)) return;
    const RuleInfo& r = cfg_.rule(id);
    Finding f;
    f.id = id;
    f.severity = r.severity;
    f.subject = subjectOf(path);
    f.message = std::move(message);
    evidence["reason"] = r.reason;
    f.evidence = std::move(evidence);
    f.locations.push_back(subjectOf(path));
    findings_.push_back(std::move(f));
  }

  bool isVendor(const std::string& company) const {
    for (const auto& v : vendorNames_)
      if (lowerStr(v) == lowerStr(company)) return true;
    return false;
  }
  bool thirdParty(const Facts& f) const { return !f.company.empty() && !isVendor(f.company); }

  // Without configured vendor names, the vendor is whoever the release's executables name.
  void autoVendor() {
    for (const auto& c : new_.bom().components) {
      auto kind = c.properties.find("tollgate:pe:kind");
      auto company = c.properties.find("tollgate:pe:company-name");
      if (kind != c.properties.end() && kind->second == "exe" && company != c.properties.end() &&
          std::find(vendorNames_.begin(), vendorNames_.end(), company->second) ==
              vendorNames_.end())
        vendorNames_.push_back(company->second);
    }
  }

  // Rule 1.
  void ruleSlack(const std::string& path, const Facts& n) {
    if (!n.sig || n.sig->status == binfmt::SignatureStatus::kUnsigned) return;
    const auto& s = *n.sig;
    std::uint64_t slack = s.tableSlackBytes;
    bool nonzero = false;
    json entries = json::array();
    for (const auto& e : s.entries) {
      slack += e.slackBytes;
      nonzero = nonzero || e.paddingNonZero;
      entries.push_back({{"offset", e.offset},
                         {"dw_length", e.length},
                         {"pkcs7_length", e.pkcs7Length},
                         {"expected_length", (8 + e.pkcs7Length + 7) & ~7ull},
                         {"slack_bytes", e.slackBytes},
                         {"padding_nonzero", e.paddingNonZero}});
    }
    if (slack == 0 && !nonzero && s.tableAtEndOfFile && !s.tableOverrunsFile) return;
    std::string name = baseName(path);
    std::string msg;
    if (slack > 0)
      msg = name + " carries " + kb(slack) + " after its signature";
    else if (s.tableOverrunsFile)
      msg = name + ": the certificate table runs past the end of the file";
    else if (nonzero)
      msg = name + ": non-zero bytes pad its signature";
    else
      msg = name + ": data follows the certificate table";
    json ev = {{"slack_bytes", slack},
               {"table_offset", s.tableOffset},
               {"table_size", s.tableSize},
               {"table_slack_bytes", s.tableSlackBytes},
               {"table_at_end_of_file", s.tableAtEndOfFile},
               {"table_overruns_file", s.tableOverrunsFile},
               {"padding_nonzero", nonzero},
               {"signature_status", binfmt::toString(s.status)},
               {"entries", entries}};
    for (const auto& r : n.regions)
      if (r.where == "certificate-table-slack") {
        ev["hidden_entropy"] = round2(r.entropy);
        if (!r.markers.empty()) ev["markers"] = r.markers;
      }
    if (s.signer) ev["signer"] = s.signer->subject;
    emit("authenticode-slack", path, std::move(msg), std::move(ev));
  }

  static std::uint64_t slackOf(const Facts& f) {
    if (!f.sig) return 0;
    std::uint64_t s = f.sig->tableSlackBytes;
    for (const auto& e : f.sig->entries) s += e.slackBytes;
    return s;
  }

  // Rule 2. True when only unsigned regions changed (the code is the old release's).
  bool ruleUnsignedRegions(const std::string& path, const Facts& o, const Facts& n) {
    if (!o.sig || !n.sig || o.sig->status != binfmt::SignatureStatus::kValid ||
        n.sig->status != binfmt::SignatureStatus::kValid)
      return false;
    if (o.sig->signedDigest.empty() || o.sig->signedDigest != n.sig->signedDigest) return false;
    const auto* of = old_.find(path);
    const auto* nf = new_.find(path);
    json ev = {{"signed_digest", n.sig->signedDigest},
               {"digest_algorithm", n.sig->digestAlgorithm},
               {"old_sha256", of ? of->sha256 : ""},
               {"new_sha256", nf ? nf->sha256 : ""},
               {"old_slack_bytes", slackOf(o)},
               {"new_slack_bytes", slackOf(n)},
               {"old_overlay_bytes", o.pe ? o.pe->overlayOutsideCertificates : 0},
               {"new_overlay_bytes", n.pe ? n.pe->overlayOutsideCertificates : 0},
               {"old_checksum", o.sig->storedChecksum},
               {"new_checksum", n.sig->storedChecksum}};
    if (o.pkcs7Sha256 == n.pkcs7Sha256) {
      ev["pkcs7_sha256"] = n.pkcs7Sha256;
      std::string what;
      if (slackOf(n) != slackOf(o))
        what = "its certificate table";
      else if (ev["old_overlay_bytes"] != ev["new_overlay_bytes"])
        what = "its overlay";
      else if (o.sig->storedChecksum != n.sig->storedChecksum)
        what = "its checksum";
      else
        what = "bytes outside the signed image";
      emit("signed-unsigned-region-changed", path,
           baseName(path) + " changed only in " + what +
               ": same signature and signed digest as the old release",
           std::move(ev));
      return true;
    }
    bool sameSigner =
        o.sig->signer && n.sig->signer && o.sig->signer->sha256 == n.sig->signer->sha256;
    if (sameSigner && slackOf(n) == 0) {
      ev["signer"] = n.sig->signer->subject;
      emit("resigned-same-signer", path,
           baseName(path) + " was re-signed by the same signer; its code is unchanged",
           std::move(ev));
    }
    return true;
  }

  // Rule 3.
  void ruleVersion(const std::string& path, const Facts& o, const Facts& n) {
    if (!n.binary() && !o.binary() && n.version.empty()) return;
    const auto* of = old_.find(path);
    const auto* nf = new_.find(path);
    json base = {{"old_sha256", of ? of->sha256 : ""}, {"new_sha256", nf ? nf->sha256 : ""}};
    if (!n.version.empty() && n.version == o.version) {
      json ev = base;
      ev["version"] = n.version;
      ev["version_source"] = n.versionSource;
      if (!n.bundleId.empty()) ev["bundle_identifier"] = n.bundleId;
      if (!n.company.empty()) ev["company"] = n.company;
      emit("changed-without-version-bump", path,
           baseName(path) + " changed but still declares version " + displayVersion(n.version),
           std::move(ev));
    }
    if (n.pe && thirdParty(n)) {
      json ev = base;
      ev["company"] = n.company;
      ev["old_version"] = o.version;
      ev["new_version"] = n.version;
      ev["vendor"] = vendorNames_;
      emit("bundled-third-party-changed", path,
           baseName(path) + " (" + n.company + ") differs from the copy in the old release",
           std::move(ev));
    }
  }

  static std::string displayVersion(const std::string& v) {
    auto slash = v.find('/');
    if (slash == std::string::npos) return v;
    return v.substr(0, slash);
  }

  // The sensitive group of an imported function or library: exact names, "Prefix*" patterns,
  // and "lib:pattern" entries for libraries (DT_NEEDED, LC_LOAD_DYLIB, DLL names).
  static bool globMatch(std::string_view pattern, std::string_view name) {
    if (pattern.ends_with('*')) return name.starts_with(pattern.substr(0, pattern.size() - 1));
    return pattern == name;
  }
  std::string groupOf(std::string_view name, bool library) const {
    for (const auto& [group, entries] : cfg_.sensitiveImports)
      for (std::string_view e : entries) {
        bool isLib = e.starts_with("lib:");
        if (isLib != library) continue;
        if (isLib) e.remove_prefix(4);
        if (globMatch(e, library ? std::string_view(lowerStr(name)) : name)) return group;
      }
    return {};
  }

  // Rule 4.
  void ruleImports(const std::string& path, const Facts& o, const Facts& n) {
    if (n.format != o.format || (!n.pe && !n.macho && n.format != binfmt::Format::kElf)) return;
    std::map<std::string, std::vector<std::string>> added;  // group -> "dll!fn", "mprotect"
    std::vector<std::string> names;
    std::vector<std::string> addedLibraries;
    for (const auto& imp : n.imports) {
      if (o.imports.contains(imp)) continue;
      auto bang = imp.find('!');
      std::string fn = bang == std::string::npos ? imp : imp.substr(bang + 1);
      std::string group = groupOf(fn, false);
      if (group.empty()) continue;
      added[group].push_back(imp);
      names.push_back(fn);
    }
    for (const auto& lib : n.libraries) {
      if (o.libraries.contains(lib)) continue;
      std::string group = groupOf(lib, true);
      if (group.empty()) continue;
      added[group].push_back(lib);
      addedLibraries.push_back(lib);
      names.push_back(lib);
    }
    if (added.empty()) return;
    std::string groups;
    for (const auto& [g, v] : added) groups += (groups.empty() ? "" : ", ") + g;
    std::string list;
    for (std::size_t i = 0; i < names.size() && i < 6; ++i) list += (i ? ", " : "") + names[i];
    if (names.size() > 6) list += ", ...";
    json ev = {{"added", added},
               {"added_libraries", addedLibraries},
               {"format", binfmt::toString(n.format)},
               {"third_party", thirdParty(n)},
               {"old_import_count", o.imports.size()},
               {"new_import_count", n.imports.size()}};
    if (!n.company.empty()) ev["company"] = n.company;
    emit("new-sensitive-imports", path,
         baseName(path) + " newly imports " + list + " (" + groups + ")", std::move(ev));
  }

  // Rule 6.
  void ruleEntropy(const std::string& path, const Facts* o, const Facts& n) {
    for (const auto& r : n.regions) {
      const Region* before = nullptr;
      if (o)
        for (const auto& x : o->regions)
          if (x.where == r.where) before = &x;
      if (before && before->size >= r.size) continue;  // not added in this release
      bool dense = r.size >= cfg_.entropyMinBytes && r.entropy >= cfg_.entropyThreshold;
      if (!dense && r.markers.empty()) continue;
      json ev = {{"region", r.where},
                 {"offset", r.offset},
                 {"size", r.size},
                 {"entropy", round2(r.entropy)},
                 {"threshold", cfg_.entropyThreshold},
                 {"old_size", before ? before->size : 0}};
      if (!r.markers.empty()) ev["markers"] = r.markers;
      std::string where = r.where == "overlay" ? "its overlay" : "its certificate table";
      std::string msg = baseName(path) + " has " + kb(r.size) + " of " +
                        (dense ? "high-entropy data" : "data") + " in " + where;
      if (!r.markers.empty()) msg += " (marker " + r.markers.front() + ")";
      emit("high-entropy-blob", path, std::move(msg), std::move(ev));
    }
    if (n.pe && n.rsrcSize >= cfg_.entropyMinBytes && n.rsrcEntropy >= cfg_.entropyThreshold &&
        (!o || !o->pe || o->rsrcEntropy < cfg_.entropyThreshold)) {
      json ev = {{"region", ".rsrc"},
                 {"size", n.rsrcSize},
                 {"entropy", round2(n.rsrcEntropy)},
                 {"old_entropy", o && o->pe ? round2(o->rsrcEntropy) : -1.0},
                 {"threshold", cfg_.entropyThreshold}};
      emit("high-entropy-blob", path,
           baseName(path) + " has " + kb(n.rsrcSize) + " of high-entropy resources", std::move(ev));
    }
  }

  // Rule 7.
  void ruleSigner(const std::string& path, const Facts* o, const Facts& n) {
    using binfmt::SignatureStatus;
    if (n.sig && n.sig->status == SignatureStatus::kInvalid &&
        (!o || !o->sig || o->sig->status != SignatureStatus::kInvalid)) {
      emit("signature-invalid", path,
           baseName(path) + ": Authenticode signature is invalid (" + n.sig->reason + ")",
           {{"reason_detail", n.sig->reason},
            {"signed_digest", n.sig->signedDigest},
            {"computed_digest", n.sig->computedDigest}});
    }
    if (n.sig && n.sig->signer && !n.signingTime.empty() &&
        n.signingTime > n.sig->signer->notAfter && !n.sig->signer->notAfter.empty()) {
      emit("signature-after-expiry", path,
           baseName(path) + " was signed at " + n.signingTime +
               ", after its certificate expired (" + n.sig->signer->notAfter + ")",
           {{"signing_time", n.signingTime},
            {"not_after", n.sig->signer->notAfter},
            {"signer", n.sig->signer->subject}});
    }
    if (!o) return;
    if (o->sig && o->sig->signer) {
      const auto& os = *o->sig->signer;
      if (!n.sig || n.sig->status == SignatureStatus::kUnsigned || !n.sig->signer) {
        emit("signer-changed", path,
             baseName(path) + " is no longer signed (was: " + os.subject + ")",
             {{"old_signer", os.subject}, {"old_issuer", os.issuer}, {"new_signer", nullptr}});
        return;
      }
      const auto& ns = *n.sig->signer;
      if (ns.sha256 != os.sha256) {
        bool sameName = ns.subject == os.subject && ns.issuer == os.issuer;
        std::string msg =
            sameName
                ? baseName(path) + " is signed with a different certificate of " + ns.subject
                : baseName(path) + " is now signed by " + ns.subject + " (was: " + os.subject + ")";
        emit("signer-changed", path, std::move(msg),
             {{"old_signer", os.subject},
              {"new_signer", ns.subject},
              {"old_issuer", os.issuer},
              {"new_issuer", ns.issuer},
              {"old_certificate_sha256", os.sha256},
              {"new_certificate_sha256", ns.sha256},
              {"same_subject_and_issuer", sameName}});
      }
    }
    if (!o->teamId.empty() && o->teamId != n.teamId) {
      emit("signer-changed", path,
           baseName(path) + ": team id changed from " + o->teamId + " to " +
               (n.teamId.empty() ? std::string("none") : n.teamId),
           {{"old_team_id", o->teamId}, {"new_team_id", n.teamId}});
    }
  }

  bool allowed(const Indicator& i) const {
    std::string host = i.kind == "url" ? urlHost(i.value) : i.value;
    if (i.kind == "ip") return false;
    for (const auto& d : cfg_.allowDomains)
      if (domainMatches(host, d)) return true;
    for (const auto& d : cfg_.vendorDomains)
      if (domainMatches(host, d)) return true;
    return false;
  }

  // Rule 5: per file, the network destinations no binary of the old release contained.
  void ruleIndicators(const std::vector<const ReleaseFile*>& newFiles,
                      const std::vector<const ReleaseFile*>& oldFiles, const std::vector<Facts>& nf,
                      const std::vector<Facts>& of, unsigned threads) {
    if (!cfg_.enabled("new-network-indicator")) return;
    auto hostKey = [](const Indicator& i) { return i.kind == "url" ? urlHost(i.value) : i.value; };
    // Candidates: hosts not in the old copy of the same file.
    std::vector<std::vector<const Indicator*>> cand(newFiles.size());
    bool any = false;
    for (std::size_t i = 0; i < newFiles.size(); ++i) {
      const auto* of0 = old_.find(newFiles[i]->path);
      if (of0 && of0->sha256 == newFiles[i]->sha256) continue;  // unchanged
      std::set<std::string> oldHosts;
      if (oldFiles[i])
        for (const auto& x : of[i].indicators) oldHosts.insert(hostKey(x));
      for (const auto& x : nf[i].indicators) {
        if (oldHosts.contains(hostKey(x)) || allowed(x)) continue;
        cand[i].push_back(&x);
        any = true;
      }
    }
    if (!any) return;
    // The rest of the old release's binaries, read only now that there is something to check.
    std::set<std::string> judged;
    for (const auto* f : oldFiles)
      if (f) judged.insert(f->path);
    std::vector<const ReleaseFile*> rest;
    for (const auto& f : old_.files())
      if (f.type == EntryType::kRegular && !judged.contains(f.path) && f.size >= 64)
        rest.push_back(&f);
    std::vector<std::vector<Indicator>> found(rest.size());
    parallelFor(rest.size(), threads, [&](unsigned, std::size_t i) {
      auto m = old_.map(rest[i]->path);
      if (!m) return;
      if (binfmt::identify(m->bytes()) == binfmt::Format::kUnknown) return;
      Facts f = analyze(old_, *rest[i], cfg_, true, diag_);
      found[i] = std::move(f.indicators);
    });
    std::set<std::string> baseline;
    for (const auto& v : found)
      for (const auto& x : v) baseline.insert(hostKey(x));
    for (std::size_t i = 0; i < oldFiles.size(); ++i)
      if (oldFiles[i])
        for (const auto& x : of[i].indicators) baseline.insert(hostKey(x));

    for (std::size_t i = 0; i < newFiles.size(); ++i) {
      std::vector<const Indicator*> fresh;
      for (const auto* x : cand[i])
        if (!baseline.contains(hostKey(*x))) fresh.push_back(x);
      if (fresh.empty()) continue;
      // Lead with a URL (most telling), encoded ones first.
      std::stable_sort(fresh.begin(), fresh.end(), [](const Indicator* a, const Indicator* b) {
        auto rank = [](const Indicator* x) {
          return (x->kind == "url" ? 0 : 2) + (x->encoding == "ascii" ? 1 : 0);
        };
        return rank(a) < rank(b);
      });
      json list = json::array();
      for (const auto* x : fresh)
        list.push_back({{"kind", x->kind},
                        {"value", printable(x->value, 512)},
                        {"encoding", x->encoding},
                        {"offset", x->offset}});
      const auto* lead = fresh.front();
      std::string msg = baseName(newFiles[i]->path) + " contains new network indicator " +
                        printable(lead->value, 200);
      if (lead->encoding.starts_with("xor:"))
        msg += " (XOR-encoded, key " + lead->encoding.substr(4) + ")";
      else if (lead->encoding == "base64")
        msg += " (base64-encoded)";
      else if (lead->encoding == "utf16le")
        msg += " (UTF-16)";
      std::size_t hosts = 0;
      for (const auto* x : fresh) hosts += x->kind != "url" ? 1 : 0;
      if (fresh.size() > 1) msg += " and " + std::to_string(fresh.size() - 1) + " more";
      emit("new-network-indicator", newFiles[i]->path, std::move(msg),
           {{"indicators", list}, {"new_hosts", hosts}});
    }
  }

  // Rule 8: imported indicators.
  void ruleIoc(const std::vector<const ReleaseFile*>& newFiles, const std::vector<Facts>& nf) {
    for (std::size_t i = 0; i < newFiles.size(); ++i) {
      const auto& f = *newFiles[i];
      if (!f.sha256.empty())
        if (std::string what = opts_.ioc("sha256", f.sha256); !what.empty())
          emit("ioc-match", f.path, baseName(f.path) + " matches an imported indicator: " + what,
               {{"kind", "sha256"}, {"value", f.sha256}, {"list", what}});
      std::set<std::string> seen;
      for (const auto& x : nf[i].indicators) {
        if (!seen.insert(x.kind + ":" + x.value).second) continue;
        if (std::string what = opts_.ioc(x.kind, x.value); !what.empty())
          emit("ioc-match", f.path,
               baseName(f.path) + " contains " + x.value + ", an imported indicator: " + what,
               {{"kind", x.kind}, {"value", x.value}, {"encoding", x.encoding}, {"list", what}});
      }
    }
  }

  Status ruleYara(const std::vector<const ReleaseFile*>& newFiles) {
    auto scanner = YaraScanner::compile(opts_.yaraRulesFile);
    if (!scanner) return std::unexpected(scanner.error());
    for (const auto* f : newFiles) {
      auto m = new_.map(f->path);
      if (!m) continue;
      auto hits = scanner->scan(m->bytes());
      if (!hits) {
        diag_.warn(hits.error().within(f->path));
        continue;
      }
      if (hits->empty()) continue;
      std::string names;
      for (const auto& h : *hits) names += (names.empty() ? "" : ", ") + h;
      emit("yara-match", f->path, baseName(f->path) + " matches YARA rule " + names,
           {{"rules", *hits}, {"rules_file", opts_.yaraRulesFile}});
    }
    return {};
  }

  const Release& old_;
  const Release& new_;
  const ReleaseDiff& diff_;
  const DiffConfig& cfg_;
  const RuleOptions& opts_;
  Diagnostics& diag_;
  std::vector<std::string> vendorNames_;
  std::vector<Finding> findings_;
};

}  // namespace

Result<std::vector<Finding>> applyRules(const Release& oldRelease, const Release& newRelease,
                                        const ReleaseDiff& diff, const DiffConfig& config,
                                        const RuleOptions& opts, Diagnostics& diag) {
  Rules r(oldRelease, newRelease, diff, config, opts, diag);
  return r.run();
}

std::string summarize(const std::vector<Finding>& findings) {
  std::vector<const Finding*> shown;
  for (const auto& f : findings)
    if (!f.suppressedBy) shown.push_back(&f);
  if (shown.empty()) return "no findings";
  const Finding* top = shown.front();
  for (const auto* f : shown)
    if (f->severity > top->severity) top = f;
  std::size_t n = 0;
  for (const auto* f : shown) n += f->severity == top->severity ? 1 : 0;
  return std::to_string(shown.size()) + (shown.size() == 1 ? " finding, " : " findings, ") +
         std::to_string(n) + " " + std::string(report::toString(top->severity)) + ": " +
         top->message;
}

bool yaraAvailable() { return YaraScanner::available(); }

}  // namespace tollgate::integrity
