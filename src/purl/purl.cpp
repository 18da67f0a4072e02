// (stub: being written)
#include "tollgate/purl/purl.h"

namespace tollgate::purl {

std::string PackageUrl::toString() const { return "pkg:" + type + "/" + name; }
Result<PackageUrl> parse(std::string_view) { return fail(ErrorCode::kUnsupported, "not yet"); }
Result<PackageUrl> build(PackageUrl c) { return c; }

}  // namespace tollgate::purl
