// libFuzzer target for the `tollgate diff` rule configuration (integrity/config.h): a user's YAML
// file laid over the defaults. yaml-cpp throws; parseConfig must turn every throw into an error.
// A configuration that parses keeps every built-in rule id.
//   build-fuzz/fuzz/diff_config_fuzz -max_total_time=180 fuzz/corpus/diff_config
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "tollgate/integrity/config.h"
#include "tollgate/integrity/indicators.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tollgate::integrity;
  static const DiffConfig defaults = defaultConfig();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto c = parseConfig(text, defaults, "fuzz.yaml");
  if (c) {
    for (const auto& [id, rule] : defaults.rules)
      TOLLGATE_CHECK(c->rules.contains(id), "built-in rules survive an overlay");
    TOLLGATE_CHECK(c->entropyThreshold >= 0 && c->entropyThreshold <= 8, "threshold in range");
  }
  // The same bytes as a binary's contents: the string decoders (XOR, base64, UTF-16).
  auto found = extractIndicators(std::as_bytes(std::span(data, size)));
  for (const auto& i : found)
    TOLLGATE_CHECK(i.kind == "url" || i.kind == "domain" || i.kind == "ip", "known kinds");
  return 0;
}
