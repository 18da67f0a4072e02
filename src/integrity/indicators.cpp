#include "tollgate/integrity/indicators.h"

#include <algorithm>
#include <array>
#include <cstdio>
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
  [[nodiscard]] bool full() const { return found_.size() >= opts_.maxIndicators; }

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

constexpr bool isHostChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// What may sit before or after an encoded host: a terminator, or a delimiter of the string it is
// part of ("host=c2.example.net;", "https://", "c2.example.net:443").
constexpr bool isBoundary(unsigned char raw, unsigned char key, std::string_view delimiters) {
  const unsigned char c = raw ^ key;
  return raw == 0 || c == 0 ||
         (c != 0 && delimiters.find(static_cast<char>(c)) != std::string_view::npos);
}

std::string xorEncoding(unsigned char key) {
  char enc[16];
  std::snprintf(enc, sizeof enc, "xor:0x%02x", key);
  return enc;
}

// Beyond a valid name, an XOR-decoded bare domain must look made by a person, because decoding
// every byte under every key turns some binary data (tables, code) into name-like text ("rop.tk",
// "9sm.su" in Mesa's libraries): at least 10 characters, a second-level label of at least 4
// characters with a vowel and a consonant, no label of one repeated character, no label longer
// than 40 characters, digits in the second-level label only at its end.
bool plausibleXorDomain(std::string_view d) {
  if (d.size() < 10) return false;
  std::vector<std::string_view> labels;
  for (std::size_t i = 0;;) {
    std::size_t j = d.find('.', i);
    labels.push_back(d.substr(i, j == std::string_view::npos ? d.npos : j - i));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  if (labels.size() < 2) return false;
  std::string_view sld = labels[labels.size() - 2];
  if (sld.size() < 4) return false;
  // Digits only at the end of the second-level label ("update365"): decoded tables mix them in
  // ("wsu5v", "hbteu63m").
  std::size_t lastLetter = sld.find_last_not_of("0123456789");
  if (lastLetter == std::string_view::npos ||
      sld.substr(0, lastLetter + 1).find_first_of("0123456789") != std::string_view::npos)
    return false;
  bool vowel = false, consonant = false;
  for (char c : sld) {
    bool v = std::string_view("aeiouy").find(c) != std::string_view::npos;
    vowel = vowel || v;
    consonant = consonant || (!v && c >= 'a' && c <= 'z');
  }
  if (!vowel || !consonant) return false;
  for (auto l : labels) {
    if (l.size() > 40) return false;
    if (l.size() > 1 && l.find_first_not_of(l.front()) == std::string_view::npos) return false;
  }
  return true;
}

// An XOR-decoded address: at most two one-digit octets and not the first three alike (tables of
// small numbers decode to "4.2.5.2" or "48.48.48.4").
bool plausibleXorIp(std::string_view s) {
  std::vector<std::string_view> octets;
  for (std::size_t i = 0;;) {
    std::size_t j = s.find('.', i);
    octets.push_back(s.substr(i, j == std::string_view::npos ? s.npos : j - i));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  if (octets.size() != 4) return false;
  int single = 0;
  for (auto o : octets) single += o.size() == 1 ? 1 : 0;
  if (single > 2) return false;
  return !(octets[0] == octets[1] && octets[1] == octets[2]) && octets[0] != octets[2];
}

// A key below 0x20 keeps letters letters: printable bytes decoded with it are plain text seen
// through a small key ("icudt72l/rbnf" under 0x01 reads "hbteu63m.scog"), not an encoded string.
bool readableUnderSmallKey(const unsigned char* raw, std::size_t n, unsigned char key) {
  if (key >= 0x20) return false;
  for (std::size_t k = 0; k < n; ++k)
    if (!isPrint(raw[k])) return false;
  return true;
}

// What ends an encoded string: zero padding or the encoded NUL terminator.
constexpr bool isTerminator(unsigned char raw, unsigned char key) { return raw == 0 || raw == key; }

// Single-byte-XOR encoded bare domains and IPv4 addresses (no scheme to anchor on). Domains are
// anchored on their top-level domain: the XOR of neighbouring bytes of ".com" does not depend on
// the key, so one pass over the input looks up the first two neighbour-XORs of every position in
// a table of the known TLDs' patterns. Addresses are anchored on a dot whose neighbours XOR to
// the values '.' gives with a digit. Each candidate is decoded with the key that anchor implies
// and kept only when it is a whole valid name or address between boundaries (the encoded NUL or
// a delimiter). Zero bytes end a candidate: they are padding far more often than an encoded
// character equal to the key.
class XorHosts {
 public:
  XorHosts() {
    for (std::string_view tld : kTlds) {
      std::string p = "." + std::string(tld);
      std::string d;
      for (std::size_t j = 0; j + 1 < p.size(); ++j) d += static_cast<char>(p[j] ^ p[j + 1]);
      patterns_.push_back({std::string(p), d});
      first_[static_cast<unsigned char>(d[0]) | static_cast<unsigned char>(d[1]) << 8] = true;
    }
    for (char c = '0'; c <= '9'; ++c) dotDigit_[static_cast<unsigned char>('.' ^ c)] = true;
  }

  void scan(const unsigned char* b, std::size_t n, Collector& col) const {
    for (std::size_t i = 0; i + 2 < n && !col.full(); ++i) {
      const unsigned d0 = b[i] ^ b[i + 1], d1 = b[i + 1] ^ b[i + 2];
      if (first_[d0 | d1 << 8]) domainAt(b, n, i, col);
      if (i > 0 && dotDigit_[b[i] ^ b[i - 1]] && dotDigit_[d0]) ipAt(b, n, i, col);
    }
  }

 private:
  struct Pattern {
    std::string text;   // ".com"
    std::string diffs;  // neighbour XORs of text
  };

  void domainAt(const unsigned char* b, std::size_t n, std::size_t i, Collector& col) const {
    const unsigned char key = b[i] ^ '.';
    if (key == 0 || key == 0x20) return;  // plain text (or its case) is seen by the ASCII scan
    for (const auto& p : patterns_) {
      if (i + p.text.size() > n) continue;
      bool match = true;
      for (std::size_t j = 0; j < p.diffs.size() && match; ++j)
        match = (b[i + j] ^ b[i + j + 1]) == static_cast<unsigned char>(p.diffs[j]);
      if (!match) continue;
      const std::size_t end = i + p.text.size();
      if (end < n && !isBoundary(b[end], key, ":/\"' ;,"))
        continue;  // ".co" inside ".com", ".community"
      std::size_t start = i;
      while (start > 0 && i - start < 253 && b[start - 1] != 0 && isHostChar(b[start - 1] ^ key))
        --start;
      if (start > 0 && !isBoundary(b[start - 1], key, "/@=\"' ")) continue;
      if (readableUnderSmallKey(b + start, end - start, key)) return;
      std::string d;
      for (std::size_t k = start; k < end; ++k) d += static_cast<char>(b[k] ^ key);
      while (!d.empty() && (d.front() == '.' || d.front() == '-')) d.erase(0, 1);
      if (Collector::isDomain(d) && plausibleXorDomain(d))
        col.add("domain", std::move(d), xorEncoding(key), start);
      return;
    }
  }

  void ipAt(const unsigned char* b, std::size_t n, std::size_t i, Collector& col) const {
    const unsigned char key = b[i] ^ '.';
    if (key == 0) return;
    auto isIpChar = [&](std::size_t k) {
      if (b[k] == 0) return false;  // zero padding, not an encoded character
      unsigned char c = b[k] ^ key;
      return (c >= '0' && c <= '9') || c == '.';
    };
    // Only from the first dot of the token, so each address is decoded once.
    std::size_t start = i;
    while (start > 0 && i - start < 16 && isIpChar(start - 1)) --start;
    for (std::size_t k = start; k < i; ++k)
      if ((b[k] ^ key) == '.') return;
    std::size_t end = i;
    while (end < n && end - start < 16 && isIpChar(end)) ++end;
    // The whole string, or an address with a port.
    if (start > 0 && !isTerminator(b[start - 1], key)) return;
    const bool port = end + 1 < n && (b[end] ^ key) == ':' && isDigit(b[end + 1] ^ key);
    if (end < n && !isTerminator(b[end], key) && !port) return;
    if (readableUnderSmallKey(b + start, end - start, key)) return;
    std::string s;
    for (std::size_t k = start; k < end; ++k) s += static_cast<char>(b[k] ^ key);
    if (Collector::isIpv4(s) && Collector::plausibleIp(s) && plausibleXorIp(s) &&
        !s.ends_with(".0"))
      col.add("ip", std::move(s), xorEncoding(key), start);
  }

  std::vector<Pattern> patterns_;
  std::array<bool, 65536> first_{};
  std::array<bool, 256> dotDigit_{};
};

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
      col.scanText(s, xorEncoding(key), i);
      i = e - 1;
    }
  }
  // Single-byte XOR bare domains and addresses.
  static const XorHosts kXorHosts;
  kXorHosts.scan(b, n, col);
  return col.take();
}

}  // namespace tollgate::integrity
