// A TempDir walked into a catalog::FileTree, for the cataloger tests:
//
//   TempDir d;
//   d.write("var/lib/dpkg/status", "...");
//   auto s = walkTempDir(d);
//   Catalogue c = catalogDpkg(*s.tree, diag);
#pragma once

#include <memory>
#include <utility>

#include "temp_dir.h"
#include "tollgate/catalog/tree.h"
#include "tollgate/util/diagnostics.h"
#include "tollgate/util/file.h"
#include "tollgate/util/walk.h"

namespace tollgate::testing {

// The tree points into the root, so both live on the heap and move together.
struct Scanned {
  std::unique_ptr<RootDir> root;
  std::unique_ptr<catalog::FileTree> tree;
};

inline Scanned walkTempDir(const TempDir& d) {
  Scanned s;
  s.root = std::make_unique<RootDir>(std::move(*RootDir::open(d.path())));
  Diagnostics diag;
  auto entries = walkTree(*s.root, WalkOptions{}, diag);
  s.tree = std::make_unique<catalog::FileTree>(*s.root, std::move(*entries));
  return s;
}

}  // namespace tollgate::testing
