// A streaming, pretty-printing JSON writer for the SBOM serialisations (private to sbom).
//
//   std::string out;
//   JsonWriter w(out);
//   w.beginObject();
//   w.field("bomFormat", "CycloneDX");
//   w.key("components");
//   w.beginArray();
//   ...
//   w.endArray();
//   w.endObject();
//   w.finish();   // trailing newline
//
// Why not nlohmann::json: a live root gives 200k package files and ~100 MB of output; building a
// DOM of that first costs several times the memory and time of appending to one string. The
// layout is byte-for-byte what nlohmann's dump(2) prints (2-space indent, "key": value, "{}" and
// "[]" for empty containers), so golden files can be produced by either.
//
// Strings are escaped like nlohmann does (\" \\ \b \f \n \r \t, other control characters as
// \u00xx, everything else verbatim); bytes that are not well-formed UTF-8 (a file name on a
// Linux root can be any bytes) become U+FFFD so that the output is always valid JSON.
//
// Not thread-safe; the caller keeps the begin/end calls balanced (TOLLGATE_CHECK in finish()).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::sbom::detail {

// Appends `s` as a JSON string literal, quotes included.
void appendJsonString(std::string& out, std::string_view s);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}
  // Streaming: whenever `out` holds `threshold` bytes or more, it is handed to `sink` and cleared,
  // so a 100 MB document never sits in memory whole. finish() does not flush: the caller passes
  // what is left in `out` to the sink.
  using Sink = std::function<void(std::string_view)>;
  JsonWriter(std::string& out, Sink sink, std::size_t threshold = std::size_t{1} << 20)
      : out_(out), sink_(std::move(sink)), threshold_(threshold) {}

  void beginObject() { open('{'); }
  void endObject() { close('}'); }
  void beginArray() { open('['); }
  void endArray() { close(']'); }

  // An object member's name; the next value (or container) is its value.
  void key(std::string_view k);
  void string(std::string_view v);
  void number(std::int64_t v);
  void boolean(bool v);

  void field(std::string_view k, std::string_view v) {
    key(k);
    string(v);
  }
  // Omits the member when `v` is empty.
  void optionalField(std::string_view k, std::string_view v) {
    if (!v.empty()) field(k, v);
  }

  // Ends the document with a newline. Precondition: every container was closed.
  void finish();

 private:
  void element();
  void open(char c);
  void close(char c);

  void maybeFlush() {
    if (sink_ && out_.size() >= threshold_) {
      sink_(out_);
      out_.clear();
    }
  }

  std::string& out_;
  Sink sink_;
  std::size_t threshold_ = 0;
  std::vector<std::size_t> counts_;  // elements written so far, per open container
  bool afterKey_ = false;
};

}  // namespace tollgate::sbom::detail
