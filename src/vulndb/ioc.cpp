#include "tollgate/vulndb/ioc.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "tollgate/util/strings.h"

namespace tollgate::vulndb {

namespace {

constexpr std::array<std::string_view, 8> kTypeNames = {"sha256", "sha1",        "md5",  "domain",
                                                        "url",    "cert-serial", "ipv4", "ipv6"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool isHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// RFC 4180 fields of one record starting at `pos`; advances `pos` past the record's line end.
// Returns false on an unterminated quote.
bool csvRecord(std::string_view text, std::size_t& pos, std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool quoted = false, inQuotes = false;
  while (pos < text.size()) {
    char c = text[pos];
    if (inQuotes) {
      if (c == '"') {
        if (pos + 1 < text.size() && text[pos + 1] == '"') {
          field += '"';
          pos += 2;
          continue;
        }
        inQuotes = false;
        ++pos;
        continue;
      }
      field += c;
      ++pos;
      continue;
    }
    if (c == '"' && field.empty() && !quoted) {
      inQuotes = quoted = true;
      ++pos;
      continue;
    }
    if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      quoted = false;
      ++pos;
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ++pos;
      ++pos;
      fields.push_back(std::move(field));
      return true;
    }
    field += c;
    ++pos;
  }
  if (inQuotes) return false;
  fields.push_back(std::move(field));
  return true;
}

// One comparison of a STIX pattern: `path = 'value'`.
struct Comparison {
  std::string path;
  std::string value;
};

// Parses "[a = 'x' OR b = 'y'] OR [c = 'z']" into comparisons; false for anything else (AND,
// FOLLOWEDBY, operators other than '=', qualifiers).
bool parsePattern(std::string_view p, std::vector<Comparison>& out) {
  std::size_t i = 0;
  auto ws = [&] {
    while (i < p.size() && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')) ++i;
  };
  auto word = [&](std::string_view w) {
    ws();
    if (p.substr(i, w.size()) == w) {
      i += w.size();
      return true;
    }
    return false;
  };
  bool first = true;
  for (;;) {
    ws();
    if (i >= p.size()) return !first;
    if (!first && !word("OR")) return false;
    if (!word("[")) return false;
    bool firstInner = true;
    for (;;) {
      ws();
      if (word("]")) break;
      if (!firstInner && !word("OR")) return false;
      firstInner = false;
      ws();
      // Object path: up to whitespace or '=' outside quotes.
      std::string path;
      while (i < p.size() && p[i] != '=' && p[i] != ' ' && p[i] != '\t') {
        if (p[i] == '\'') {
          auto end = p.find('\'', i + 1);
          if (end == std::string_view::npos) return false;
          path.append(p.substr(i, end - i + 1));
          i = end + 1;
          continue;
        }
        path += p[i++];
      }
      if (!word("=")) return false;
      ws();
      if (i >= p.size() || p[i] != '\'') return false;
      ++i;
      std::string value;
      for (;;) {
        if (i >= p.size()) return false;
        if (p[i] == '\\' && i + 1 < p.size()) {
          value += p[i + 1];
          i += 2;
          continue;
        }
        if (p[i] == '\'') {
          ++i;
          break;
        }
        value += p[i++];
      }
      out.push_back({std::move(path), std::move(value)});
    }
    first = false;
  }
}

std::optional<IndicatorType> stixPathType(std::string_view path) {
  std::string p = lower(path);
  std::erase(p, '\'');
  std::erase(p, '"');
  if (p == "file:hashes.sha-256" || p == "file:hashes.sha256") return IndicatorType::kSha256;
  if (p == "file:hashes.sha-1" || p == "file:hashes.sha1") return IndicatorType::kSha1;
  if (p == "file:hashes.md5") return IndicatorType::kMd5;
  if (p == "domain-name:value") return IndicatorType::kDomain;
  if (p == "url:value") return IndicatorType::kUrl;
  if (p == "x509-certificate:serial_number") return IndicatorType::kCertSerial;
  if (p == "ipv4-addr:value") return IndicatorType::kIpv4;
  if (p == "ipv6-addr:value") return IndicatorType::kIpv6;
  return std::nullopt;
}

bool wildcardMatch(std::string_view pattern, std::string_view text) {
  // Iterative '*' matching (linear backtracking; no recursion on untrusted patterns).
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] != '*' && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string indexKey(IndicatorType t, std::string_view v) {
  std::string k(1, static_cast<char>('0' + static_cast<int>(t)));
  k += v;
  return k;
}

}  // namespace

std::string_view toString(IndicatorType t) { return kTypeNames[static_cast<std::size_t>(t)]; }

std::optional<IndicatorType> parseIndicatorType(std::string_view name) {
  std::string n = lower(trim(name));
  for (std::size_t i = 0; i < kTypeNames.size(); ++i)
    if (n == kTypeNames[i]) return static_cast<IndicatorType>(i);
  if (n == "sha-256" || n == "file-sha256") return IndicatorType::kSha256;
  if (n == "sha-1") return IndicatorType::kSha1;
  if (n == "hostname" || n == "domain-name" || n == "fqdn") return IndicatorType::kDomain;
  if (n == "uri") return IndicatorType::kUrl;
  if (n == "x509-serial" || n == "serial" || n == "cert_serial" || n == "certificate-serial")
    return IndicatorType::kCertSerial;
  if (n == "ip" || n == "ipv4-addr" || n == "ip-dst") return IndicatorType::kIpv4;
  if (n == "ipv6-addr") return IndicatorType::kIpv6;
  return std::nullopt;
}

Result<std::string> canonicalIndicator(IndicatorType type, std::string_view value) {
  std::string v(trim(value));
  auto bad = [&](const char* why) {
    return fail(ErrorCode::kInvalidInput, std::string(why),
                std::string(toString(type)) + " " + v.substr(0, 80));
  };
  if (v.empty()) return bad("empty value");
  switch (type) {
    case IndicatorType::kSha256:
    case IndicatorType::kSha1:
    case IndicatorType::kMd5: {
      std::size_t want = type == IndicatorType::kSha256 ? 64
                         : type == IndicatorType::kSha1 ? 40
                                                        : 32;
      v = lower(v);
      if (v.size() != want || !std::ranges::all_of(v, isHex))
        return bad("not a hex digest of the right length");
      return v;
    }
    case IndicatorType::kCertSerial: {
      std::string out;
      std::string l = lower(v);
      if (l.starts_with("0x")) l.erase(0, 2);
      for (char c : l) {
        if (c == ':' || c == ' ' || c == '-') continue;
        if (!isHex(c)) return bad("not a hex serial number");
        out += c;
      }
      while (out.size() > 1 && out.front() == '0') out.erase(0, 1);
      if (out.empty()) return bad("not a hex serial number");
      return out;
    }
    case IndicatorType::kDomain: {
      v = lower(v);
      if (v.ends_with('.')) v.pop_back();  // the root label of a fully qualified name
      // Another trailing dot is an empty label, not a name ("a..", "."): stripping it too would
      // make the canonical form canonicalise differently again.
      if (v.empty() || v.ends_with('.') || v.size() > 253) return bad("not a domain name");
      for (char c : v)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
              c == '*'))
          return bad("not a domain name");
      return v;
    }
    case IndicatorType::kUrl:
      for (char c : v)
        if (static_cast<unsigned char>(c) <= 0x20) return bad("URL contains spaces or controls");
      return v;
    case IndicatorType::kIpv4:
    case IndicatorType::kIpv6:
      for (char c : v)
        if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '/'))
          return bad("not an IP address");
      return lower(v);
  }
  return bad("unknown type");
}

Result<std::vector<Indicator>> parseIocCsv(std::string_view text, const std::string& label,
                                           Diagnostics* diag) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // BOM from spreadsheet exports
  std::size_t pos = 0;
  std::vector<std::string> f;
  // Header: the first non-empty, non-comment line.
  int cValue = -1, cType = -1, cDesc = -1, cSource = -1;
  std::size_t line = 0;
  while (pos < text.size()) {
    ++line;
    if (!csvRecord(text, pos, f))
      return fail(ErrorCode::kInvalidInput, "unterminated quote", label);
    if (f.size() == 1 && trim(f[0]).empty()) continue;
    if (!f.empty() && trim(f[0]).starts_with('#')) continue;
    for (std::size_t i = 0; i < f.size(); ++i) {
      std::string h = lower(trim(f[i]));
      int idx = static_cast<int>(i);
      if (h == "value" || h == "indicator" || h == "ioc")
        cValue = idx;
      else if (h == "type")
        cType = idx;
      else if (h == "description" || h == "comment")
        cDesc = idx;
      else if (h == "source" || h == "reference")
        cSource = idx;
    }
    break;
  }
  if (cValue < 0 || cType < 0)
    return fail(ErrorCode::kInvalidInput,
                "no header line with 'value' and 'type' columns (expected "
                "value,type,description,source)",
                label);
  std::vector<Indicator> out;
  while (pos < text.size()) {
    ++line;
    if (!csvRecord(text, pos, f))
      return fail(ErrorCode::kInvalidInput, "line " + std::to_string(line) + ": unterminated quote",
                  label);
    if (f.size() == 1 && trim(f[0]).empty()) continue;
    if (!f.empty() && trim(f[0]).starts_with('#')) continue;
    auto at = [&](int c) -> std::string {
      return c >= 0 && static_cast<std::size_t>(c) < f.size()
                 ? std::string(trim(f[static_cast<std::size_t>(c)]))
                 : "";
    };
    auto where = label + ":" + std::to_string(line);
    auto type = parseIndicatorType(at(cType));
    if (!type) {
      if (diag) diag->warn(where, "unknown indicator type '" + at(cType).substr(0, 40) + "'");
      continue;
    }
    auto value = canonicalIndicator(*type, at(cValue));
    if (!value) {
      if (diag) diag->warn(where, value.error().describe());
      continue;
    }
    out.push_back({*type, std::move(*value), at(cDesc), at(cSource)});
  }
  return out;
}

Result<std::vector<Indicator>> parseStix(std::string_view json, const std::string& label,
                                         Diagnostics* diag) {
  auto doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded()) return fail(ErrorCode::kInvalidInput, "malformed JSON", label);
  if (!doc.is_object()) return fail(ErrorCode::kInvalidInput, "not a STIX object", label);
  std::vector<const nlohmann::json*> objects;
  auto type = doc.value("type", nlohmann::json()).is_string() ? doc["type"].get<std::string>() : "";
  if (type == "bundle") {
    if (!doc.contains("objects")) return std::vector<Indicator>{};
    if (!doc["objects"].is_array())
      return fail(ErrorCode::kInvalidInput, "bundle \"objects\" is not an array", label);
    for (const auto& o : doc["objects"]) objects.push_back(&o);
  } else if (type == "indicator") {
    objects.push_back(&doc);
  } else {
    return fail(ErrorCode::kInvalidInput, "not a STIX 2.1 bundle or indicator", label);
  }
  auto str = [](const nlohmann::json& o, const char* k) -> std::string {
    auto it = o.find(k);
    return it != o.end() && it->is_string() ? it->get<std::string>() : "";
  };
  std::vector<Indicator> out;
  for (const auto* o : objects) {
    if (!o->is_object() || str(*o, "type") != "indicator") continue;
    std::string id = str(*o, "id");
    std::string where = label + ": " + (id.empty() ? "indicator" : id);
    std::string ptype = str(*o, "pattern_type");
    if (!ptype.empty() && ptype != "stix") {
      if (diag) diag->warn(where, "pattern_type '" + ptype.substr(0, 40) + "' is not supported");
      continue;
    }
    std::vector<Comparison> cmps;
    if (!parsePattern(str(*o, "pattern"), cmps)) {
      if (diag) diag->warn(where, "pattern is not a list of equality comparisons joined by OR");
      continue;
    }
    std::string desc = str(*o, "name");
    std::string more = str(*o, "description");
    if (desc.empty()) desc = more;
    std::string source = str(*o, "created_by_ref");
    for (auto& c : cmps) {
      auto t = stixPathType(c.path);
      if (!t) {
        if (diag) diag->warn(where, "unsupported object path " + c.path.substr(0, 60));
        continue;
      }
      auto v = canonicalIndicator(*t, c.value);
      if (!v) {
        if (diag) diag->warn(where, v.error().describe());
        continue;
      }
      out.push_back({*t, std::move(*v), desc, source});
    }
  }
  return out;
}

Result<std::vector<Indicator>> parseIndicators(std::string_view bytes, const std::string& label,
                                               Diagnostics* diag) {
  std::string_view t = trim(bytes);
  if (t.starts_with('{')) return parseStix(bytes, label, diag);
  return parseIocCsv(bytes, label, diag);
}

Result<IndicatorImportStats> importIndicators(store::Store& store,
                                              const std::vector<Indicator>& list,
                                              const std::string& origin) {
  IndicatorImportStats st;
  auto exists = store.prepare("SELECT 1 FROM vulndb_indicators WHERE type = ? AND value = ?");
  auto put = store.prepare(
      "INSERT OR REPLACE INTO vulndb_indicators(type, value, description, source, origin) "
      "VALUES (?,?,?,?,?)");
  if (!exists) return std::unexpected(exists.error());
  if (!put) return std::unexpected(put.error());
  for (const auto& i : list) {
    auto& e = **exists;
    e.reset();
    (void)e.bind(1, toString(i.type));
    (void)e.bind(2, i.value);
    auto r = e.step();
    if (!r) return std::unexpected(r.error());
    ++(*r ? st.updated : st.added);
    auto& p = **put;
    p.reset();
    (void)p.bind(1, toString(i.type));
    (void)p.bind(2, i.value);
    (void)p.bind(3, i.description);
    (void)p.bind(4, i.source);
    (void)p.bind(5, origin);
    if (auto x = p.step(); !x) return std::unexpected(x.error());
  }
  return st;
}

std::shared_ptr<const IndicatorSet> IndicatorSet::fromList(std::vector<Indicator> list) {
  auto set = std::make_shared<IndicatorSet>();
  set->all_ = std::move(list);
  for (std::size_t i = 0; i < set->all_.size(); ++i) {
    const auto& ind = set->all_[i];
    set->index_.emplace(indexKey(ind.type, ind.value), i);
    if (ind.type == IndicatorType::kUrl && ind.value.find('*') != std::string::npos)
      set->urlPatterns_.push_back(i);
  }
  return set;
}

Result<std::shared_ptr<const IndicatorSet>> IndicatorSet::load(store::Store& store) {
  auto q = store.prepare("SELECT type, value, description, source FROM vulndb_indicators");
  if (!q) return std::unexpected(q.error());
  std::vector<Indicator> list;
  for (;;) {
    auto r = (*q)->step();
    if (!r) return std::unexpected(r.error());
    if (!*r) break;
    auto t = parseIndicatorType((*q)->columnText(0));
    if (!t) continue;
    list.push_back({*t, std::string((*q)->columnText(1)), std::string((*q)->columnText(2)),
                    std::string((*q)->columnText(3))});
  }
  return fromList(std::move(list));
}

const Indicator* IndicatorSet::find(IndicatorType type, std::string_view value) const {
  std::string v = type == IndicatorType::kUrl ? std::string(value) : lower(value);
  if (auto it = index_.find(indexKey(type, v)); it != index_.end()) return &all_[it->second];
  if (type == IndicatorType::kDomain) {
    if (v.ends_with('.')) v.pop_back();
    for (auto dot = v.find('.'); dot != std::string::npos; dot = v.find('.', dot + 1))
      if (auto it = index_.find(indexKey(type, std::string_view(v).substr(dot + 1)));
          it != index_.end())
        return &all_[it->second];
  }
  if (type == IndicatorType::kUrl)
    for (auto i : urlPatterns_)
      if (wildcardMatch(all_[i].value, v)) return &all_[i];
  return nullptr;
}

}  // namespace tollgate::vulndb
