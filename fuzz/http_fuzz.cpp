// libFuzzer target for the proxy's HTTP/1.1 parser: requests and responses fed in pieces whose
// sizes come from the input, plus the URL and authority parsers.
//
// Input layout: byte 0 selects request/response, HEAD and the piece size; the rest is the stream.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tollgate/egress/http.h"

using namespace tollgate::egress;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::uint8_t sel = data[0];
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  HttpLimits limits{.maxHeaderBytes = 4096};
  HttpParser p =
      (sel & 1) ? HttpParser::response(limits, (sel & 2) != 0) : HttpParser::request(limits);
  std::size_t step = 1 + (sel >> 2) * 17;
  std::string pending, body;
  std::size_t pos = 0;
  bool ok = true;
  // Several messages on one connection, as keep-alive delivers them.
  for (int messages = 0; messages < 8 && ok; ++messages) {
    while (ok && !p.done()) {
      if (pos < in.size()) {
        auto take = std::min(step, in.size() - pos);
        pending.append(in.substr(pos, take));
        pos += take;
      } else if (pending.empty()) {
        break;
      }
      auto used = p.feed(pending, body);
      if (!used) {
        ok = false;
        break;
      }
      if (*used > pending.size()) __builtin_trap();
      pending.erase(0, *used);
      if (*used == 0 && pos >= in.size()) break;
      if (pending.size() > limits.maxHeaderBytes + 64 * 1024) __builtin_trap();
    }
    if (!ok || !p.done()) break;
    const HttpHead& h = p.head();
    if (h.isRequest) {
      (void)parseAbsoluteUrl(h.target);
      (void)parseAuthority(h.target);
      (void)serializeHead(h, "/", "");
    } else {
      (void)serializeHead(h, "", "");
    }
    p = (sel & 1) ? HttpParser::response(limits, false) : HttpParser::request(limits);
    body.clear();
  }
  if (ok && !p.done()) (void)p.feedEof();
  return 0;
}
