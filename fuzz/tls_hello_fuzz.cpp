// libFuzzer target for the TLS ClientHello parser (SNI, ALPN, JA3, JA4) on arbitrary bytes and
// on every prefix length the proxy may see while a hello arrives.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tollgate/egress/tls_hello.h"

using namespace tollgate::egress;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = parseClientHello(in);
  if (r && *r) {
    const ClientHello& h = **r;
    if (h.bytes > in.size()) __builtin_trap();
    (void)h.ja3();
    (void)h.ja4();
    (void)h.ja4Raw();
    // A complete hello is complete in any longer input, and incomplete in no prefix of it that
    // parses as an error.
    auto again = parseClientHello(in.substr(0, h.bytes));
    if (!again || !*again || (*again)->ja4() != h.ja4()) __builtin_trap();
  }
  return 0;
}
