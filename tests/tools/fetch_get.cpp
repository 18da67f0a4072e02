// fetch_get URL DEST [CA_FILE]: one fetch::download, printing the result as one JSON line
// ({"status":200,"resumed":false,...}, with "advisories" or "verifyError" for a .zip) or "error:
// <message>" with exit code 2; for tests/integration/fetch_test.sh.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string_view>

#include "tollgate/fetch/fetch.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: fetch_get URL DEST [CA_FILE]\n");
    return 2;
  }
  tollgate::fetch::GlobalInit curl;
  tollgate::fetch::DownloadOptions opt;
  if (argc > 3) opt.caFile = argv[3];
  auto r = tollgate::fetch::download(argv[1], argv[2], opt);
  if (!r) {
    std::printf("error: %s\n", r.error().describe().c_str());
    return 2;
  }
  nlohmann::json j = {
      {"status", r->httpStatus}, {"resumed", r->resumed}, {"notModified", r->notModified},
      {"bytes", r->bytes},       {"size", r->size},       {"etag", r->etag}};
  // Zips are checked as `db update` checks them.
  if (std::string_view(argv[2]).ends_with(".zip")) {
    auto v = tollgate::fetch::verifyOsvZip(argv[2]);
    if (v) {
      j["advisories"] = v->members;
    } else {
      j["verifyError"] = v.error().describe();
    }
  }
  std::printf("%s\n", j.dump().c_str());
  return 0;
}
