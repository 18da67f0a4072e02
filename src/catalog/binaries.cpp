// The binary cataloger: what each unowned executable or library is (binfmt::inspect) becomes
// properties of its file component, a purl where one is derivable (a PE's version resource), and
// components for what it bundles (Go modules, Rust crates) with edges binary -> bundled.
// docs/binaries.md lists every property.
#include <ctime>
#include <set>

#include "tollgate/binfmt/binary.h"
#include "tollgate/catalog/catalog.h"
#include "tollgate/purl/purl.h"
#include "tollgate/util/mapped_file.h"
#include "tollgate/util/parallel.h"
#include "tollgate/util/strings.h"

namespace tollgate::catalog {
namespace {

using sbom::Component;

constexpr const char* kFoundBy = "binary";

std::string join(const std::vector<std::string>& items, std::string_view sep = ",") {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string boolText(bool b) { return b ? "true" : "false"; }

std::string rfc3339(std::uint32_t epoch) {
  std::time_t t = epoch;
  std::tm tm{};
  if (!::gmtime_r(&t, &tm)) return {};
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string fixed2(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// Values from untrusted files go into the SBOM as one printable line.
void set(Component& c, const std::string& key, std::string_view value) {
  if (!value.empty()) c.properties[key] = printable(value, 1024);
}

// "1, 2, 0, 0" -> "1.2.0.0"; "10.0.19041.1 (WinBuild.160101.0800)" -> "10.0.19041.1".
std::string normalizeWindowsVersion(std::string_view v) {
  v = trim(v);
  bool commaForm = v.find(',') != std::string_view::npos &&
                   v.find_first_not_of("0123456789, ") == std::string_view::npos;
  if (commaForm) {
    std::string out;
    for (char ch : v)
      if (ch != ' ') out += ch == ',' ? '.' : ch;
    return out;
  }
  return std::string(v.substr(0, v.find_first_of(" \t")));
}

std::string purlOf(purl::PackageUrl p) {
  auto built = purl::build(std::move(p));
  return built ? built->toString() : std::string();
}

std::string subsystemName(std::uint16_t s) {
  switch (s) {
    case 1:
      return "native";
    case 2:
      return "gui";
    case 3:
      return "console";
    case 9:
      return "windows-ce-gui";
    case 10:
      return "efi-application";
    case 11:
      return "efi-boot-service-driver";
    case 12:
      return "efi-runtime-driver";
    case 13:
      return "efi-rom";
    case 16:
      return "boot-application";
    default:
      return std::to_string(s);
  }
}

void describeElf(const binfmt::ElfInfo& elf, Component& c) {
  set(c, "tollgate:elf:class", elf.is64 ? "64" : "32");
  set(c, "tollgate:elf:type", elf.typeName());
  set(c, "tollgate:elf:machine", elf.machineName());
  set(c, "tollgate:elf:build-id", elf.buildId);
  set(c, "tollgate:elf:interpreter", elf.interpreter);
  set(c, "tollgate:elf:soname", elf.soname);
  set(c, "tollgate:elf:needed", join(elf.needed));
  set(c, "tollgate:elf:rpath", elf.rpath);
  set(c, "tollgate:elf:runpath", elf.runpath);
  if (elf.type == 2 || elf.type == 3)
    set(c, "tollgate:elf:linking", elf.hasDynamic ? "dynamic" : "static");
  set(c, "tollgate:elf:stripped", boolText(!elf.hasSymtab));
}

void describePe(const binfmt::PeInfo& pe, Component& c) {
  set(c, "tollgate:pe:machine", pe.machineName());
  set(c, "tollgate:pe:kind", pe.isDll() ? "dll" : "exe");
  set(c, "tollgate:pe:subsystem", subsystemName(pe.subsystem));
  if (pe.timestamp != 0) set(c, "tollgate:pe:timestamp", rfc3339(pe.timestamp));
  if (pe.isDotNet) set(c, "tollgate:pe:dotnet", "true");
  set(c, "tollgate:pe:pdb", pe.pdbPath);
  std::vector<std::string> dlls, delayed;
  std::size_t functions = 0;
  for (const auto& imp : pe.imports) {
    (imp.delayLoaded ? delayed : dlls).push_back(imp.dll);
    functions += imp.functions.size();
  }
  set(c, "tollgate:pe:imports", join(dlls));
  set(c, "tollgate:pe:delay-imports", join(delayed));
  set(c, "tollgate:pe:import-functions", std::to_string(functions));
  set(c, "tollgate:pe:exports", std::to_string(pe.exportCount));
  std::vector<std::string> sections;
  double maxEntropy = 0;
  for (const auto& s : pe.sections) {
    sections.push_back(s.name + ":" + fixed2(s.entropy));
    maxEntropy = std::max(maxEntropy, s.entropy);
  }
  set(c, "tollgate:pe:sections", join(sections));
  set(c, "tollgate:pe:max-entropy", fixed2(maxEntropy));
  set(c, "tollgate:pe:overlay-bytes", std::to_string(pe.overlayOutsideCertificates));

  if (!pe.versionInfo) return;
  const auto& v = *pe.versionInfo;
  static const std::pair<const char*, const char*> kStrings[] = {
      {"CompanyName", "company-name"},         {"ProductName", "product-name"},
      {"FileDescription", "file-description"}, {"FileVersion", "file-version"},
      {"ProductVersion", "product-version"},   {"OriginalFilename", "original-filename"},
      {"InternalName", "internal-name"},       {"LegalCopyright", "legal-copyright"}};
  for (const auto& [key, prop] : kStrings) set(c, std::string("tollgate:pe:") + prop, v.get(key));

  // Identity: the product and its version, from the company. See docs/binaries.md.
  std::string company(trim(v.get("CompanyName")));
  std::string name(trim(v.get("ProductName")));
  if (name.empty()) name = std::string(trim(v.get("OriginalFilename")));
  std::string version = normalizeWindowsVersion(v.get("ProductVersion"));
  if (version.empty()) version = normalizeWindowsVersion(v.get("FileVersion"));
  if (version.empty()) version = v.fixedProductVersion();
  if (name.empty()) return;
  c.name = printable(name, 200);
  c.version = printable(version, 200);
  if (!company.empty()) c.supplier = printable(company, 200);
  c.purl = purlOf({.type = "generic", .ns = company, .name = name, .version = version});
}

void describeAuthenticode(const binfmt::AuthenticodeInfo& a, Component& c) {
  set(c, "tollgate:authenticode:status", toString(a.status));
  set(c, "tollgate:pe:checksum",
      a.storedChecksum == 0                    ? "unset"
      : a.storedChecksum == a.computedChecksum ? "valid"
                                               : "invalid");
  if (a.status == binfmt::SignatureStatus::kUnsigned) return;
  set(c, "tollgate:authenticode:reason", a.reason);
  if (a.signer) {
    set(c, "tollgate:authenticode:signer", a.signer->subject);
    set(c, "tollgate:authenticode:signer-issuer", a.signer->issuer);
    set(c, "tollgate:authenticode:signer-serial", a.signer->serial);
    set(c, "tollgate:authenticode:signer-not-before", a.signer->notBefore);
    set(c, "tollgate:authenticode:signer-not-after", a.signer->notAfter);
    set(c, "tollgate:authenticode:signer-sha256", a.signer->sha256);
  }
  std::vector<std::string> chain;
  for (const auto& cert : a.chain) chain.push_back(cert.subject);
  set(c, "tollgate:authenticode:chain", join(chain, " | "));
  set(c, "tollgate:authenticode:digest-algorithm", a.digestAlgorithm);
  set(c, "tollgate:authenticode:signed-digest", a.signedDigest);
  set(c, "tollgate:authenticode:computed-digest", a.computedDigest);
  std::uint64_t slack = a.tableSlackBytes, padding = 0;
  bool nonZero = false;
  for (const auto& e : a.entries) {
    slack += e.slackBytes;
    padding += e.paddingBytes;
    nonZero = nonZero || e.paddingNonZero;
  }
  set(c, "tollgate:authenticode:slack-bytes", std::to_string(slack));
  set(c, "tollgate:authenticode:padding-bytes", std::to_string(padding));
  set(c, "tollgate:authenticode:padding-nonzero", boolText(nonZero));
  set(c, "tollgate:authenticode:table-at-end", boolText(a.tableAtEndOfFile));
  set(c, "tollgate:authenticode:timestamped", boolText(a.hasTimestamp));
  if (a.nestedSignatures != 0)
    set(c, "tollgate:authenticode:nested-signatures", std::to_string(a.nestedSignatures));
}

void describeMachO(const binfmt::MachOInfo& m, Component& c) {
  std::vector<std::string> archs, uuids, minOs, sdks, types, teams, ids, signatures;
  std::vector<std::string> dylibs, rpaths;
  std::set<std::string> seenDylib, seenRpath;
  std::string installName;
  for (const auto& s : m.slices) {
    archs.push_back(s.cpuName());
    types.push_back(s.fileTypeName());
    if (!s.uuid.empty()) uuids.push_back(s.uuid);
    if (!s.minOs.empty()) minOs.push_back(s.platform + " " + s.minOs);
    if (!s.sdk.empty()) sdks.push_back(s.sdk);
    for (const auto& d : s.dylibs)
      if (seenDylib.insert(d).second) dylibs.push_back(d);
    for (const auto& r : s.rpaths)
      if (seenRpath.insert(r).second) rpaths.push_back(r);
    if (installName.empty()) installName = s.installName;
    signatures.push_back(!s.hasCodeSignature ? "none"
                         : s.hasCmsSignature ? "signed"
                         : s.adhocSigned     ? "adhoc"
                                             : "unsigned-directory");
    if (!s.teamId.empty()) teams.push_back(s.teamId);
    if (!s.signingId.empty()) ids.push_back(s.signingId);
  }
  auto dedup = [](std::vector<std::string> v) {
    std::vector<std::string> out;
    for (auto& s : v)
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
    return out;
  };
  set(c, "tollgate:macho:arch", join(archs));
  set(c, "tollgate:macho:filetype", join(dedup(types)));
  set(c, "tollgate:macho:uuid", join(uuids));
  set(c, "tollgate:macho:min-os", join(dedup(minOs)));
  set(c, "tollgate:macho:sdk", join(dedup(sdks)));
  set(c, "tollgate:macho:dylibs", join(dylibs));
  set(c, "tollgate:macho:rpaths", join(rpaths));
  set(c, "tollgate:macho:install-name", installName);
  set(c, "tollgate:macho:code-signature", join(dedup(signatures)));
  set(c, "tollgate:macho:team-id", join(dedup(teams)));
  set(c, "tollgate:macho:signing-id", join(dedup(ids)));
}

struct Bundled {
  std::vector<Component> components;
  std::vector<sbom::Dependency> dependencies;
};

Component bundledComponent(const std::string& name, const std::string& version, std::string purl,
                           const std::string& path) {
  Component m;
  m.type = sbom::ComponentType::kLibrary;
  m.name = printable(name, 512);
  m.version = printable(version, 200);
  m.purl = std::move(purl);
  m.bomRef = !m.purl.empty() ? m.purl : "bundled:" + m.name + "@" + m.version;
  m.evidencePaths.push_back(path);
  m.foundBy = kFoundBy;
  return m;
}

// Go modules: pkg:golang/<module path>@<version>; a module replaced by another module (with a
// version) is the replacement, which is the code that was compiled.
void describeGo(const binfmt::GoBuildInfo& go, Component& c, Bundled& out) {
  set(c, "tollgate:go:version", go.goVersion);
  set(c, "tollgate:go:path", go.path);
  if (go.main) set(c, "tollgate:go:main-module", go.main->path);
  for (const auto& [k, v] : go.settings) set(c, "tollgate:go:setting:" + printable(k, 100), v);
  const std::string& path = c.evidencePaths.front();
  sbom::Dependency edges{c.bomRef, {}};
  auto add = [&](const binfmt::GoModule& mod, bool isMain) {
    std::string modPath = mod.path, version = mod.version, sum = mod.sum;
    bool replacedByModule = mod.replacement && !mod.replacement->second.empty();
    if (replacedByModule) {
      modPath = mod.replacement->first;
      version = mod.replacement->second;
      sum = mod.replacementSum;
    }
    if (version == "(devel)") version.clear();
    auto slash = modPath.rfind('/');
    std::string purl;
    if (slash != std::string::npos)
      purl = purlOf({.type = "golang",
                     .ns = modPath.substr(0, slash),
                     .name = modPath.substr(slash + 1),
                     .version = version});
    Component m = bundledComponent(modPath, version, purl, path);
    if (!sum.empty()) set(m, "tollgate:go:sum", sum);
    if (mod.replacement) {
      set(m, "tollgate:go:replaces", mod.path + (mod.version.empty() ? "" : " " + mod.version));
      if (!replacedByModule) set(m, "tollgate:go:replaced-by", mod.replacement->first);
    }
    if (isMain) set(m, "tollgate:go:main-module", "true");
    edges.dependsOn.push_back(m.bomRef);
    out.components.push_back(std::move(m));
  };
  if (go.main) add(*go.main, true);
  for (const auto& d : go.deps) add(d, false);
  if (!edges.dependsOn.empty()) out.dependencies.push_back(std::move(edges));
}

// Rust crates: pkg:cargo/<name>@<version>, with the dependency graph cargo-auditable recorded.
void describeCargo(const binfmt::CargoAuditInfo& cargo, Component& c, Bundled& out) {
  const std::string& path = c.evidencePaths.front();
  std::vector<std::string> refs;
  for (const auto& p : cargo.packages) {
    Component m = bundledComponent(
        p.name, p.version, purlOf({.type = "cargo", .name = p.name, .version = p.version}), path);
    set(m, "tollgate:cargo:source", p.source);
    set(m, "tollgate:cargo:kind", p.kind);
    if (p.root) set(m, "tollgate:cargo:root", "true");
    refs.push_back(m.bomRef);
    out.components.push_back(std::move(m));
  }
  sbom::Dependency edges{c.bomRef, {}};
  bool anyRoot = false;
  for (std::size_t i = 0; i < cargo.packages.size(); ++i) {
    const auto& p = cargo.packages[i];
    anyRoot = anyRoot || p.root;
    if (p.root) edges.dependsOn.push_back(refs[i]);
    sbom::Dependency d{refs[i], {}};
    for (std::size_t k : p.dependencies) d.dependsOn.push_back(refs[k]);
    if (!d.dependsOn.empty()) out.dependencies.push_back(std::move(d));
  }
  if (!anyRoot) edges.dependsOn = refs;
  if (!edges.dependsOn.empty()) out.dependencies.push_back(std::move(edges));
  set(c, "tollgate:cargo:packages", std::to_string(cargo.packages.size()));
}

void catalogOne(const FileTree& tree, Component& c, Bundled& out, Diagnostics& diag) {
  const std::string& path = c.evidencePaths.front();
  auto fd = tree.root().openFile(path);
  if (!fd) {
    if (fd.error().code != ErrorCode::kNotFound) diag.warn(path, fd.error().message);
    return;
  }
  auto map = MappedFile::open(fd->get(), path);
  if (!map) {
    diag.warn(path, map.error().message);
    return;
  }
  if (binfmt::identify(map->bytes()) == binfmt::Format::kUnknown) return;
  auto info = binfmt::inspect(map->bytes());
  if (!info) {
    diag.warn(path, "cannot read binary: " + info.error().describe());
    return;
  }
  for (const Error& e : info->problems) diag.warn(path, e.describe());
  set(c, "tollgate:binary:format", toString(info->format));
  if (info->elf) describeElf(*info->elf, c);
  if (info->pe) describePe(*info->pe, c);
  if (info->authenticode) describeAuthenticode(*info->authenticode, c);
  if (info->macho) describeMachO(*info->macho, c);
  if (info->go) describeGo(*info->go, c, out);
  if (info->cargo) describeCargo(*info->cargo, c, out);
}

}  // namespace

Catalogue catalogBinaries(const FileTree& tree, std::vector<sbom::Component>& components,
                          Diagnostics& diag) {
  std::vector<std::size_t> targets;
  for (std::size_t i = 0; i < components.size(); ++i) {
    const Component& c = components[i];
    if (c.type != sbom::ComponentType::kFile || c.evidencePaths.empty()) continue;
    // The file cataloger already sniffed the first bytes: skip scripts and data.
    auto kind = c.properties.find("tollgate:file:kind");
    if (kind != c.properties.end() && kind->second != "elf" && kind->second != "pe" &&
        kind->second != "macho")
      continue;
    targets.push_back(i);
  }
  std::vector<Bundled> bundled(targets.size());
  // Each worker enriches a distinct component; Diagnostics is thread-safe.
  parallelFor(targets.size(), defaultThreads(), [&](unsigned, std::size_t k) {
    catalogOne(tree, components[targets[k]], bundled[k], diag);
  });
  Catalogue out;
  for (auto& b : bundled) {
    std::move(b.components.begin(), b.components.end(), std::back_inserter(out.components));
    std::move(b.dependencies.begin(), b.dependencies.end(), std::back_inserter(out.dependencies));
  }
  return out;
}

}  // namespace tollgate::catalog
