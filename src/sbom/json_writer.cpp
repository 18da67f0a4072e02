#include "json_writer.h"

#include <array>
#include <charconv>

#include "tollgate/util/result.h"
#include "tollgate/util/strings.h"

namespace tollgate::sbom::detail {

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
  maybeFlush();
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
