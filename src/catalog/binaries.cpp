// The binary cataloger. (stub: being written)
#include "tollgate/catalog/catalog.h"

namespace tollgate::catalog {

Catalogue catalogBinaries(const FileTree& /*tree*/, std::vector<sbom::Component>& /*components*/,
                          Diagnostics& /*diag*/) {
  return {};
}

}  // namespace tollgate::catalog
