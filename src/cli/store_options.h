// --store URL handling shared by the commands that read or write the local store (private to cli/).
#pragma once

#include <cstdlib>
#include <memory>
#include <string>

#include "tollgate/store/store.h"
#include "tollgate/vulndb/vulndb.h"

namespace tollgate::cli {

// The store named by `url` (default: $XDG_DATA_HOME/tollgate/tollgate.db) with the vulndb tables
// migrated. `create`: false for commands that only read (a missing store is an error naming the
// fix).
[[nodiscard]] inline Result<std::unique_ptr<store::Store>> openVulnStore(const std::string& url,
                                                                         bool create) {
  std::string text =
      url.empty() ? store::defaultUrl(std::getenv("XDG_DATA_HOME"), std::getenv("HOME")) : url;
  auto u = store::parseUrl(text);
  if (!u) return std::unexpected(u.error());
  auto s = store::open(*u, {.create = create});
  if (!s) return std::unexpected(s.error());
  if (auto st = (*s)->migrate(vulndb::migrations()); !st) return std::unexpected(st.error());
  return s;
}

}  // namespace tollgate::cli
