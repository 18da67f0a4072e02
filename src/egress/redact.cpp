#include "tollgate/egress/redact.h"

#include <algorithm>

#include "tollgate/util/strings.h"

namespace tollgate::egress {

Result<std::string> redactSpans(std::string_view data, const std::vector<classify::Match>& matches,
                                const std::set<std::string>& which, std::string_view replacement,
                                std::size_t* replaced) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
  for (const auto& m : matches) {
    if (!which.empty() && !which.contains(m.detector)) continue;
    if (m.start > m.end || m.end > data.size())
      return fail(ErrorCode::kInvalidInput, "match span outside the buffer");
    if (m.start == m.end) continue;
    spans.emplace_back(m.start, m.end);
  }
  std::sort(spans.begin(), spans.end());
  std::string out;
  out.reserve(data.size());
  std::uint64_t pos = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < spans.size();) {
    auto [s, e] = spans[i];
    std::size_t j = i + 1;
    while (j < spans.size() && spans[j].first <= e) e = std::max(e, spans[j++].second);
    out.append(data.substr(pos, s - pos));
    out.append(replacement);
    pos = e;
    ++n;
    i = j;
  }
  out.append(data.substr(pos));
  if (replaced) *replaced = n;
  return out;
}

Result<std::string> redactBody(std::string_view data, const std::vector<classify::Match>& matches,
                               const std::set<std::string>& which, std::string_view contentEncoding,
                               std::string_view replacement, std::size_t* replaced) {
  if (replaced) *replaced = 0;
  bool wanted = std::any_of(matches.begin(), matches.end(), [&](const classify::Match& m) {
    return which.empty() || which.contains(m.detector);
  });
  if (!wanted) return std::string(data);
  std::string enc = toLower(trim(contentEncoding));
  if (!enc.empty() && enc != "identity")
    return fail(ErrorCode::kUnsupported,
                "cannot redact inside a " + printable(enc, 20) + "-encoded body");
  // A compressed body sniffed by its magic (no Content-Encoding): the same.
  for (const auto& m : matches)
    if ((which.empty() || which.contains(m.detector)) &&
        (m.decoding.starts_with("gzip") || m.decoding.starts_with("zstd") ||
         m.decoding.starts_with("deflate") || m.decoding.starts_with("br")) &&
        m.start == 0 && m.end == data.size())
      return fail(ErrorCode::kUnsupported, "cannot redact inside a compressed body");
  return redactSpans(data, matches, which, replacement, replaced);
}

Result<Redacted> classifyAndRedact(std::shared_ptr<const classify::Database> db,
                                   std::string_view data, const classify::ScanOptions& options,
                                   const std::set<std::string>& which,
                                   std::string_view replacement) {
  Redacted r;
  auto found = classify::scan(std::move(db), data, options);
  if (!found) return std::unexpected(found.error());
  r.matches = std::move(*found);
  auto out = redactBody(data, r.matches, which, options.contentEncoding, replacement, &r.replaced);
  if (!out) return std::unexpected(out.error());
  r.bytes = std::move(*out);
  return r;
}

}  // namespace tollgate::egress
