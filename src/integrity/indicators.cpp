#include "tollgate/integrity/indicators.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace tollgate::integrity {
namespace {

constexpr bool isPrint(unsigned char c) { return c >= 0x20 && c < 0x7f; }
constexpr bool isAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool isDigit(unsigned char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Top-level domains a bare name must end in to count (URLs need none): the generic ones and the
// country codes most seen in malware reports. Kept short on purpose: file extensions must not
// match (".dll", ".so", ".exe", ".js").
constexpr std::array<std::string_view, 46> kTlds = {
    "com",   "net",   "org",     "info", "biz",  "io",  "co",  "ru",    "cn",   "su",
    "top",   "xyz",   "online",  "site", "club", "app", "dev", "cloud", "tk",   "pw",
    "cc",    "ws",    "me",      "us",   "uk",   "de",  "fr",  "nl",    "kr",   "jp",
    "in",    "br",    "ir",      "kp",   "ua",   "tw",  "hk",  "vn",    "live", "shop",
    "store", "space", "website", "tech", "link", "icu"};

bool knownTld(std::string_view tld) {
  return std::find(kTlds.begin(), kTlds.end(), tld) != kTlds.end();
}

class Collector {
 public:
  explicit Collector(const IndicatorOptions& o) : opts_(o) {}

  void add(std::string kind, std::string value, const std::string& encoding, std::uint64_t off) {
    if (found_.size() >= opts_.maxIndicators) return;
    Indicator i{std::move(kind), std::move(value), encoding, off};
    found_.insert(std::move(i));
  }

  // Indicators in one printable string.
  void scanText(std::string_view s, const std::string& encoding, std::uint64_t off) {
    std::vector<std::pair<std::size_t, std::size_t>> urlSpans;
    // URLs.
    for (std::size_t p = 0; p + 7 < s.size();) {
      std::size_t h = findScheme(s, p);
      if (h == std::string_view::npos) break;
      std::size_t e = h;
      while (e < s.size() && isUrlChar(static_cast<unsigned char>(s[e]))) ++e;
      std::string url(s.substr(h, e - h));
      while (!url.empty() && (url.back() == '.' || url.back() == ',' || url.back() == ')'))
        url.pop_back();
      std::string host = urlHost(url);
      if (!host.empty() && host.find('.') != std::string::npos) {
        add("url", url, encoding, off + h);
        if (isIpv4(host))
          add("ip", host, encoding, off + h);
        else
          add("domain", host, encoding, off + h);
      }
      urlSpans.emplace_back(h, e);
      p = e > h ? e : h + 1;
    }
    auto inUrl = [&](std::size_t pos) {
      for (auto [a, b] : urlSpans)
        if (pos >= a && pos < b) return true;
      return false;
    };
    // Bare domains and addresses: tokens of [A-Za-z0-9.-].
    for (std::size_t p = 0; p < s.size();) {
      unsigned char c = static_cast<unsigned char>(s[p]);
      if (!(isAlnum(c) || c == '.' || c == '-')) {
        ++p;
        continue;
      }
      std::size_t e = p;
      while (e < s.size() &&
             (isAlnum(static_cast<unsigned char>(s[e])) || s[e] == '.' || s[e] == '-'))
        ++e;
      std::string_view tok = s.substr(p, e - p);
      bool precededBySep = p > 0 && (s[p - 1] == '@' || s[p - 1] == '\\' || s[p - 1] == '_');
      if (!inUrl(p) && !precededBySep) {
        while (!tok.empty() && (tok.back() == '.' || tok.back() == '-')) tok.remove_suffix(1);
        while (!tok.empty() && (tok.front() == '.' || tok.front() == '-')) tok.remove_prefix(1);
        if (isIpv4(tok)) {
          bool whole = tok.size() == trimmedSize(s);
          bool port = e < s.size() && s[e] == ':' && e + 1 < s.size() &&
                      isDigit(static_cast<unsigned char>(s[e + 1]));
          // A bare address ending in .0 names a network, and is far more often a version.
          if ((port || (whole && !tok.ends_with(".0"))) && plausibleIp(tok))
            add("ip", std::string(tok), encoding, off + p);
        } else if (isDomain(tok)) {
          std::string d;
          for (char ch : tok) d += lower(ch);
          add("domain", std::move(d), encoding, off + p);
        }
      }
      p = e;
    }
    // Base64 runs inside the string.
    if (encoding != "base64") scanBase64(s, off);
  }

  std::vector<Indicator> take() { return {found_.begin(), found_.end()}; }

 private:
  static std::size_t trimmedSize(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s.size();
  }

  static std::size_t findScheme(std::string_view s, std::size_t from) {
    for (std::size_t i = from; i + 7 <= s.size(); ++i) {
      if (lower(s[i]) != 'h') continue;
      std::string_view t = s.substr(i, 8);
      std::string l;
      for (char c : t) l += lower(c);
      if (l.starts_with("http://") || l.starts_with("https://")) return i;
    }
    return std::string_view::npos;
  }

  static bool isUrlChar(unsigned char c) {
    if (!isPrint(c)) return false;
    switch (c) {
      case ' ':
      case '"':
      case '\'':
      case '<':
      case '>':
      case '`':
      case '{':
      case '}':
      case '|':
      case '\\':
      case '^':
        return false;
      default:
        return true;
    }
  }

  static bool isIpv4(std::string_view s) {
    int parts = 0;
    std::size_t i = 0;
    while (i <= s.size()) {
      std::size_t j = i;
      while (j < s.size() && isDigit(static_cast<unsigned char>(s[j]))) ++j;
      if (j == i || j - i > 3) return false;
      int v = 0;
      for (std::size_t k = i; k < j; ++k) v = v * 10 + (s[k] - '0');
      if (v > 255 || (j - i > 1 && s[i] == '0')) return false;
      ++parts;
      if (j == s.size()) break;
      if (s[j] != '.') return false;
      i = j + 1;
    }
    return parts == 4;
  }

  static bool plausibleIp(std::string_view s) {
    // Unspecified, loopback and broadcast addresses carry no destination.
    return !(s.starts_with("0.") || s.starts_with("127.") || s == "255.255.255.255");
  }

  static bool isDomain(std::string_view s) {
    if (s.size() < 4 || s.size() > 253) return false;
    std::size_t labels = 0;
    std::size_t i = 0;
    std::string_view last;
    while (true) {
      std::size_t j = s.find('.', i);
      std::string_view label = s.substr(i, j == std::string_view::npos ? s.npos : j - i);
      if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
        return false;
      ++labels;
      last = label;
      if (j == std::string_view::npos) break;
      i = j + 1;
    }
    if (labels < 2) return false;
    // The TLD in lower case only: "System.Net" and "Foo.COM" in identifiers are not hosts.
    for (char c : last)
      if (!(c >= 'a' && c <= 'z')) return false;
    return knownTld(last);
  }

  static int b64Value(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  }

  void scanBase64(std::string_view s, std::uint64_t off) {
    for (std::size_t p = 0; p < s.size();) {
      if (b64Value(static_cast<unsigned char>(s[p])) < 0) {
        ++p;
        continue;
      }
      std::size_t e = p;
      while (e < s.size() && b64Value(static_cast<unsigned char>(s[e])) >= 0) ++e;
      if (e - p >= 16) {
        std::string out;
        std::uint32_t acc = 0;
        int bits = 0;
        for (std::size_t k = p; k < e; ++k) {
          acc = (acc << 6) | static_cast<std::uint32_t>(b64Value(static_cast<unsigned char>(s[k])));
          bits += 6;
          if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
          }
        }
        std::size_t printable = 0;
        for (unsigned char c : out) printable += isPrint(c) ? 1 : 0;
        if (printable * 10 >= out.size() * 9) scanText(out, "base64", off + p);
      }
      p = e;
    }
  }

  const IndicatorOptions& opts_;
  std::set<Indicator> found_;
};

// The XOR of neighbouring bytes of "http" does not depend on the key.
constexpr unsigned char kX0 = 'h' ^ 't', kX1 = 't' ^ 't', kX2 = 't' ^ 'p';

}  // namespace

std::string urlHost(std::string_view url) {
  auto s = url.find("://");
  if (s == std::string_view::npos) return {};
  std::string_view rest = url.substr(s + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest.front() == '[') return {};  // IPv6 literal: not handled
  rest = rest.substr(0, rest.find(':'));
  std::string h;
  for (char c : rest) h += lower(c);
  while (!h.empty() && h.back() == '.') h.pop_back();
  return h;
}

bool domainMatches(std::string_view host, std::string_view domain) {
  if (domain.empty() || host.size() < domain.size()) return false;
  for (std::size_t i = 0; i < domain.size(); ++i)
    if (lower(host[host.size() - domain.size() + i]) != lower(domain[i])) return false;
  return host.size() == domain.size() || host[host.size() - domain.size() - 1] == '.';
}

std::vector<Indicator> extractIndicators(std::span<const std::byte> bytes,
                                         const IndicatorOptions& opts) {
  Collector col(opts);
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  const std::size_t minLen = std::max<std::size_t>(opts.minString, 4);

  // Printable ASCII runs.
  for (std::size_t i = 0; i < n;) {
    if (!isPrint(b[i])) {
      ++i;
      continue;
    }
    std::size_t e = i;
    while (e < n && isPrint(b[e])) ++e;
    if (e - i >= minLen)
      col.scanText(std::string_view(reinterpret_cast<const char*>(b + i), e - i), "ascii", i);
    i = e;
  }
  // UTF-16LE runs (printable, 0x00 pairs), at both alignments.
  for (std::size_t start = 0; start < 2; ++start) {
    for (std::size_t i = start; i + 1 < n;) {
      if (!(isPrint(b[i]) && b[i + 1] == 0)) {
        i += 2;
        continue;
      }
      std::size_t e = i;
      std::string s;
      while (e + 1 < n && isPrint(b[e]) && b[e + 1] == 0) {
        s += static_cast<char>(b[e]);
        e += 2;
      }
      if (s.size() >= minLen) col.scanText(s, "utf16le", i);
      i = e;
    }
  }
  // Single-byte XOR "http": b[i]^b[i+1] == 'h'^'t', b[i+1] == b[i+2], b[i+2]^b[i+3] == 't'^'p'.
  for (std::size_t i = 0; i + 8 < n; ++i) {
    if ((b[i] ^ b[i + 1]) != kX0 || (b[i + 1] ^ b[i + 2]) != kX1 || (b[i + 2] ^ b[i + 3]) != kX2)
      continue;
    unsigned char key = b[i] ^ 'h';
    if (key == 0 || key == ('h' ^ 'H')) continue;  // plain text (or its case) is seen above
    std::string s;
    std::size_t e = i;
    while (e < n && s.size() < 2048) {
      unsigned char c = b[e] ^ key;
      if (!isPrint(c)) break;
      s += static_cast<char>(c);
      ++e;
    }
    if (s.starts_with("http://") || s.starts_with("https://")) {
      char enc[16];
      std::snprintf(enc, sizeof enc, "xor:0x%02x", key);
      col.scanText(s, enc, i);
      i = e - 1;
    }
  }
  return col.take();
}

}  // namespace tollgate::integrity
