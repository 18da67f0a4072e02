// Info.plist through libplist: plist_from_bin for "bplist00", plist_from_xml otherwise.
#include "tollgate/binfmt/plist.h"

#include <plist/plist.h>

#include <cstdlib>
#include <memory>
#include <string_view>

namespace tollgate::binfmt {
namespace {

constexpr std::size_t kMaxPlist = 16u << 20;

struct PlistDeleter {
  void operator()(void* p) const noexcept {
    if (p) plist_free(static_cast<plist_t>(p));
  }
};
using Plist = std::unique_ptr<void, PlistDeleter>;

std::string stringValue(plist_t dict, const char* key) {
  plist_t node = plist_dict_get_item(dict, key);
  if (!node || plist_get_node_type(node) != PLIST_STRING) return {};
  char* v = nullptr;
  plist_get_string_val(node, &v);
  if (!v) return {};
  std::string out(v);
  std::free(v);  // NOLINT(cppcoreguidelines-no-malloc): libplist allocates with malloc
  return out;
}

}  // namespace

std::string BundleInfo::versionText() const {
  if (shortVersion.empty()) return bundleVersion;
  if (bundleVersion.empty() || bundleVersion == shortVersion) return shortVersion;
  return shortVersion + " (" + bundleVersion + ")";
}

Result<BundleInfo> parseInfoPlist(std::span<const std::byte> bytes) {
  if (bytes.empty() || bytes.size() > kMaxPlist)
    return fail(ErrorCode::kInvalidInput, "not a property list (empty or larger than 16 MiB)");
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  plist_t raw = nullptr;
  const auto size = static_cast<std::uint32_t>(bytes.size());
  if (text.starts_with("bplist00"))
    plist_from_bin(text.data(), size, &raw);
  else
    plist_from_xml(text.data(), size, &raw);
  Plist root(raw);
  if (!root) return fail(ErrorCode::kInvalidInput, "not a property list (libplist rejected it)");
  if (plist_get_node_type(root.get()) != PLIST_DICT)
    return fail(ErrorCode::kInvalidInput, "property list root is not a dictionary");
  BundleInfo b;
  b.identifier = stringValue(root.get(), "CFBundleIdentifier");
  b.name = stringValue(root.get(), "CFBundleName");
  b.executable = stringValue(root.get(), "CFBundleExecutable");
  b.shortVersion = stringValue(root.get(), "CFBundleShortVersionString");
  b.bundleVersion = stringValue(root.get(), "CFBundleVersion");
  return b;
}

}  // namespace tollgate::binfmt
