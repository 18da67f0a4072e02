#include "json_writer.h"

#include <array>
#include <charconv>

#include "tollgate/util/result.h"

namespace tollgate::sbom::detail {
namespace {

// Length of the well-formed UTF-8 sequence at s[i] (2-4), or 0 when it is not one.
std::size_t utf8SequenceLength(std::string_view s, std::size_t i) {
  auto u = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
  const std::uint8_t c = u(i);
  std::size_t len = 0;
  std::uint32_t cp = 0;
  if ((c & 0xe0) == 0xc0) {
    len = 2;
    cp = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3;
    cp = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((u(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (u(i + k) & 0x3f);
  }
  static constexpr std::array<std::uint32_t, 5> kMin = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

}  // namespace

void appendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the pending run of bytes copied verbatim
  std::size_t i = 0;
  auto flush = [&] { out.append(s.data() + run, i - run); };
  while (i < s.size()) {
    const auto c = static_cast<std::uint8_t>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      std::size_t n = utf8SequenceLength(s, i);
      if (n != 0) {
        i += n;
        continue;
      }
      flush();
      out += "\xef\xbf\xbd";  // U+FFFD REPLACEMENT CHARACTER
      run = ++i;
      continue;
    }
    flush();
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
    run = ++i;
  }
  flush();
  out += '"';
}

void JsonWriter::element() {
  if (afterKey_) {
    afterKey_ = false;
    return;
  }
  if (counts_.empty()) return;
  out_ += counts_.back()++ == 0 ? "\n" : ",\n";
  out_.append(counts_.size() * 2, ' ');
}

void JsonWriter::key(std::string_view k) {
  element();
  appendJsonString(out_, k);
  out_ += ": ";
  afterKey_ = true;
}

void JsonWriter::string(std::string_view v) {
  element();
  appendJsonString(out_, v);
}

void JsonWriter::number(std::int64_t v) {
  element();
  std::array<char, 24> buf{};
  auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out_.append(buf.data(), r.ptr);
}

void JsonWriter::boolean(bool v) {
  element();
  out_ += v ? "true" : "false";
}

void JsonWriter::open(char c) {
  element();
  out_ += c;
  counts_.push_back(0);
}

void JsonWriter::close(char c) {
  TOLLGATE_CHECK(!counts_.empty() && !afterKey_, "JsonWriter: close without a matching open");
  const std::size_t n = counts_.back();
  counts_.pop_back();
  if (n != 0) {
    out_ += '\n';
    out_.append(counts_.size() * 2, ' ');
  }
  out_ += c;
}

void JsonWriter::finish() {
  TOLLGATE_CHECK(counts_.empty() && !afterKey_, "JsonWriter: unbalanced document");
  out_ += '\n';
}

}  // namespace tollgate::sbom::detail
