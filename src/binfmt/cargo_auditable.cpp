#include "tollgate/binfmt/cargo_auditable.h"

#include <zlib.h>

#include <nlohmann/json.hpp>

#include "bytes.h"

namespace tollgate::binfmt {

Result<CargoAuditInfo> parseCargoAuditable(std::span<const std::byte> compressed) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return fail(ErrorCode::kInternal, "cannot initialise zlib");
  struct End {
    z_stream* z;
    ~End() { inflateEnd(z); }
  } end{&zs};
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(std::min<std::size_t>(compressed.size(), 0xffffffffu));
  std::string out;
  char buf[16384];
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    int rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > kMaxCargoAuditableJson)
      return fail(ErrorCode::kLimit, "cargo auditable data inflates beyond 16 MiB");
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK)
      return fail(ErrorCode::kInvalidInput,
                  std::string("bad zlib stream in cargo auditable data: ") +
                      (zs.msg ? zs.msg : "truncated"));
    if (zs.avail_in == 0 && zs.avail_out != 0)
      return fail(ErrorCode::kInvalidInput, "truncated zlib stream in cargo auditable data");
  }
  return parseCargoAuditableJson(out);
}

Result<CargoAuditInfo> parseCargoAuditableJson(std::string_view json) {
  auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return fail(ErrorCode::kInvalidInput, "cargo auditable data is not a JSON object");
  auto pkgs = doc.find("packages");
  if (pkgs == doc.end() || !pkgs->is_array())
    return fail(ErrorCode::kInvalidInput, "cargo auditable data has no \"packages\" array");
  auto str = [](const nlohmann::json& o, const char* key, const char* dflt) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string(dflt);
  };
  CargoAuditInfo info;
  // Indices refer to the array as written; keep a map to the packages kept.
  std::vector<std::ptrdiff_t> kept(pkgs->size(), -1);
  std::vector<std::vector<std::uint64_t>> rawDeps;
  for (std::size_t i = 0; i < pkgs->size(); ++i) {
    const auto& p = (*pkgs)[i];
    if (!p.is_object()) continue;
    CargoPackage pkg;
    pkg.name = str(p, "name", "");
    pkg.version = str(p, "version", "");
    if (pkg.name.empty() || pkg.version.empty()) continue;
    pkg.source = str(p, "source", "");
    pkg.kind = str(p, "kind", "runtime");
    if (auto r = p.find("root"); r != p.end() && r->is_boolean()) pkg.root = r->get<bool>();
    std::vector<std::uint64_t> deps;
    if (auto d = p.find("dependencies"); d != p.end() && d->is_array())
      for (const auto& x : *d)
        if (x.is_number_unsigned()) deps.push_back(x.get<std::uint64_t>());
    kept[i] = static_cast<std::ptrdiff_t>(info.packages.size());
    info.packages.push_back(std::move(pkg));
    rawDeps.push_back(std::move(deps));
  }
  for (std::size_t k = 0; k < info.packages.size(); ++k)
    for (std::uint64_t d : rawDeps[k])
      if (d < kept.size() && kept[d] >= 0 && static_cast<std::size_t>(kept[d]) != k)
        info.packages[k].dependencies.push_back(static_cast<std::size_t>(kept[d]));
  return info;
}

}  // namespace tollgate::binfmt
