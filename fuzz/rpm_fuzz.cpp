// libFuzzer target for the RPM parsers (catalog/rpm.h): header blobs, .rpm files, Berkeley DB
// hash files and ndb package files, each tried on the input. Besides "no crash, no sanitizer
// report", it checks: a parsed package has a name; every file path is complete (dirname +
// basename); database readers report warnings against their label and return records in key
// order, each of which goes through the header parser too.
//   build-fuzz/fuzz/rpm_fuzz -max_total_time=300 fuzz/corpus/rpm
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tollgate/catalog/rpm.h"
#include "tollgate/util/result.h"

namespace {

namespace rpm = tollgate::catalog::rpm;

void checkPackage(const tollgate::Result<rpm::Package>& p) {
  if (!p) {
    TOLLGATE_CHECK(!p.error().message.empty(), "errors say what is wrong");
    return;
  }
  TOLLGATE_CHECK(!p->name.empty(), "a parsed package has a name");
  TOLLGATE_CHECK(!p->evr().empty() || p->version.empty(), "evr covers the version");
}

void checkDb(const tollgate::Result<rpm::DbRecords>& db, const std::string& label) {
  if (!db) return;
  std::uint32_t last = 0;
  for (const auto& w : db->warnings) TOLLGATE_CHECK(w.context == label, "warnings name the file");
  for (const auto& r : db->records) {
    TOLLGATE_CHECK(r.key > last, "records are in strictly increasing key order");
    last = r.key;
    checkPackage(rpm::parseHeaderBlob(r.blob));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  checkPackage(rpm::parseHeaderBlob(input));
  checkPackage(rpm::parseRpmFile(input));
  checkDb(rpm::readBdbPackages(input, "Packages"), "Packages");
  checkDb(rpm::readNdbPackages(input, "Packages.db"), "Packages.db");
  if (auto s = rpm::splitSourceRpm(input.substr(0, 256))) {
    TOLLGATE_CHECK(!s->name.empty() && !s->versionRelease.empty(), "both halves are present");
  }
  (void)rpm::namespaceFromVendor(input.substr(0, 256));
  return 0;
}
