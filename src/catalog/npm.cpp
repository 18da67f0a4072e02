// The npm cataloger. (stub: being written)
#include "tollgate/catalog/catalog.h"

namespace tollgate::catalog {

Catalogue catalogNpm(const FileTree& /*tree*/, Diagnostics& /*diag*/) { return {}; }

}  // namespace tollgate::catalog
