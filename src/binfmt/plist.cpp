// Info.plist through libplist: plist_from_bin for "bplist00", plist_from_xml otherwise.
#include "tollgate/binfmt/plist.h"

#include <plist/plist.h>

#include <algorithm>
#include <cstdint>
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

// Through plist_get_string_ptr: libplist 2.2's plist_get_string_val asserts (aborts) on a string
// with an embedded NUL, which a crafted binary plist can hold (found by fuzz/plist_fuzz.cpp).
std::string stringValue(plist_t dict, const char* key) {
  plist_t node = plist_dict_get_item(dict, key);
  if (!node || plist_get_node_type(node) != PLIST_STRING) return {};
  std::uint64_t length = 0;
  const char* v = plist_get_string_ptr(node, &length);
  if (!v) return {};
  return std::string(v, static_cast<std::size_t>(std::min<std::uint64_t>(length, 4096)));
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
