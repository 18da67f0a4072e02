// libFuzzer target for the proxy's vendor register (egress/policy.h): an operator's YAML file,
// read again on every SIGHUP. yaml-cpp throws; Policy::parse must turn every throw into a
// one-line error naming the file and line. A policy that parses answers every query.
// The same bytes are also redacted as a body with made-up spans (egress/redact.h).
//   build-fuzz/fuzz/policy_fuzz -max_total_time=180 fuzz/corpus/policy
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tollgate/egress/policy.h"
#include "tollgate/egress/redact.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tollgate::egress;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const std::set<std::string> known{"email", "credit_card", "personal", "secret", "host"};
  auto p = Policy::parse(text, "fuzz.yaml", known);
  if (!p) {
    TOLLGATE_CHECK(p.error().context.starts_with("fuzz.yaml"), "errors name the file");
    TOLLGATE_CHECK(p.error().describe().find('\n') == std::string::npos, "one line");
  } else {
    const Policy& pol = **p;
    for (std::string_view host : {"a.example", "x.a.example", "", "A.EXAMPLE.", "[::1]"}) {
      (void)pol.tlsMode(host);
      std::vector<std::string_view> app{"/usr/bin/curl", "curl"};
      (void)pol.needsBody(host, app);
      auto d = pol.decide({.host = host,
                           .classes = {{"email", "personal"}, {"credit_card", "personal"}},
                           .app = app});
      TOLLGATE_CHECK(!d.vendor || d.vendor == pol.vendorFor(host), "one vendor per host");
      (void)d.reason();
    }
  }
  // Redaction over spans derived from the input (some out of range on purpose).
  std::vector<tollgate::classify::Match> ms;
  for (std::size_t i = 0; i + 1 < size && i < 16; i += 2) {
    tollgate::classify::Match m;
    m.detector = "email";
    m.start = data[i] % (size + 2);
    m.end = m.start + data[i + 1] % 8;
    ms.push_back(m);
  }
  auto r = redactSpans(text, ms, {}, "[REDACTED]", nullptr);
  if (r) TOLLGATE_CHECK(r->size() <= size + 10 * ms.size(), "bounded growth");
  return 0;
}
