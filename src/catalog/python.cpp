// The python cataloger. (stub: being written)
#include "tollgate/catalog/catalog.h"

namespace tollgate::catalog {

Catalogue catalogPython(const FileTree& /*tree*/, Diagnostics& /*diag*/) { return {}; }

}  // namespace tollgate::catalog
