// The dpkg cataloger. (stub: being written)
#include "tollgate/catalog/catalog.h"

namespace tollgate::catalog {

Catalogue catalogDpkg(const FileTree& /*tree*/, Diagnostics& /*diag*/) { return {}; }

}  // namespace tollgate::catalog
