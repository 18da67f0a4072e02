#include "tollgate/vulndb/osv.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <nlohmann/json.hpp>

#include "json_text.h"
#include "tollgate/purl/purl.h"
#include "tollgate/util/strings.h"

namespace tollgate::vulndb {

namespace dom = simdjson::dom;

namespace {

constexpr std::array<std::string_view, 16> kDistros = {
    "Debian",      "Ubuntu",
    "Alpine",      "Red Hat",
    "Rocky Linux", "AlmaLinux",
    "SUSE",        "openSUSE",
    "Mageia",      "openEuler",
    "Photon OS",   "Azure Linux",
    "Alpaquita",   "BellSoft Hardened Containers",
    "Echo",        "MinimOS"};

bool isDigit(char c) { return c >= '0' && c <= '9'; }

int digits(std::string_view s, std::size_t pos, std::size_t n, bool& ok) {
  int v = 0;
  if (pos + n > s.size()) {
    ok = false;
    return 0;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!isDigit(s[pos + i])) ok = false;
    v = v * 10 + (s[pos + i] - '0');
  }
  return v;
}

// Howard Hinnant's days_from_civil.
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::string firstLine(std::string_view s, std::size_t max) {
  s = trim(s);
  auto nl = s.find('\n');
  if (nl != std::string_view::npos) s = s.substr(0, nl);
  s = trim(s);
  if (s.size() > max) {
    std::size_t cut = max;
    // Do not cut a UTF-8 sequence in half.
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    return std::string(s.substr(0, cut)) + "...";
  }
  return std::string(s);
}

}  // namespace

std::string_view ecosystemBase(std::string_view ecosystem) {
  return ecosystem.substr(0, ecosystem.find(':'));
}

std::string ecosystemKey(std::string_view osvEcosystem) {
  std::string_view base = ecosystemBase(osvEcosystem);
  if (std::ranges::find(kDistros, base) != kDistros.end()) return std::string(osvEcosystem);
  return std::string(base);
}

std::string packageKey(std::string_view base, std::string_view name) {
  return base == "PyPI" ? purl::pep503Name(name) : std::string(name);
}

Result<std::int64_t> parseRfc3339(std::string_view s) {
  bool ok = s.size() >= 19 && s[4] == '-' && s[7] == '-' &&
            (s[10] == 'T' || s[10] == 't' || s[10] == ' ') && s[13] == ':' && s[16] == ':';
  int y = digits(s, 0, 4, ok), mo = digits(s, 5, 2, ok), d = digits(s, 8, 2, ok);
  int h = digits(s, 11, 2, ok), mi = digits(s, 14, 2, ok), se = digits(s, 17, 2, ok);
  if (!ok || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
    return fail(ErrorCode::kInvalidInput, "not an RFC 3339 time", std::string(s));
  std::size_t i = 19;
  std::int64_t us = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int n = 0;
    while (i < s.size() && isDigit(s[i])) {
      if (n < 6) us = us * 10 + (s[i] - '0');
      ++n;
      ++i;
    }
    if (n == 0) return fail(ErrorCode::kInvalidInput, "not an RFC 3339 time", std::string(s));
    for (; n < 6; ++n) us *= 10;
  }
  std::int64_t offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    bool ok2 = true;
    int oh = digits(s, i + 1, 2, ok2), om = digits(s, i + 4, 2, ok2);
    if (!ok2) return fail(ErrorCode::kInvalidInput, "not an RFC 3339 time", std::string(s));
    offset = (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
    i += 6;
  } else if (i != s.size()) {
    return fail(ErrorCode::kInvalidInput, "not an RFC 3339 time", std::string(s));
  }
  // A missing zone is read as UTC (seen in converted advisories).
  if (i != s.size()) return fail(ErrorCode::kInvalidInput, "not an RFC 3339 time", std::string(s));
  std::int64_t secs =
      daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
      mi * 60 + se - offset;
  return secs * 1'000'000 + us;
}

std::string encodeRanges(const std::vector<versions::Range>& ranges) {
  // [["E", "i", "0", "f", "1.2"], ["S", ...]]: type letter, then kind/version pairs.
  std::string out = "[";
  for (std::size_t r = 0; r < ranges.size(); ++r) {
    if (r) out += ',';
    out += ranges[r].type == versions::Range::kSemver ? "[\"S\"" : "[\"E\"";
    for (const auto& e : ranges[r].events) {
      static constexpr std::array<const char*, 4> kKinds = {",\"i\",", ",\"f\",", ",\"l\",",
                                                            ",\"x\","};
      out += kKinds[e.kind];
      detail::appendJsonString(out, e.version);
    }
    out += ']';
  }
  out += ']';
  return out;
}

Result<std::vector<versions::Range>> decodeRanges(std::string_view json) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_array())
    return fail(ErrorCode::kInvalidInput, "stored ranges are not a JSON array");
  std::vector<versions::Range> out;
  for (const auto& r : j) {
    if (!r.is_array() || r.empty() || !r[0].is_string() || r.size() % 2 != 1)
      return fail(ErrorCode::kInvalidInput, "stored range is malformed");
    versions::Range range;
    range.type = r[0] == "S" ? versions::Range::kSemver : versions::Range::kEcosystem;
    for (std::size_t i = 1; i + 1 < r.size(); i += 2) {
      if (!r[i].is_string() || !r[i + 1].is_string())
        return fail(ErrorCode::kInvalidInput, "stored range event is malformed");
      const auto& k = r[i].get_ref<const std::string&>();
      versions::Event ev;
      ev.kind = k == "i"   ? versions::Event::kIntroduced
                : k == "f" ? versions::Event::kFixed
                : k == "l" ? versions::Event::kLastAffected
                           : versions::Event::kLimit;
      ev.version = r[i + 1].get<std::string>();
      range.events.push_back(std::move(ev));
    }
    out.push_back(std::move(range));
  }
  return out;
}

struct OsvParser::Impl {
  dom::parser parser;
  std::string buffer;  // padded copy of the input
};

OsvParser::OsvParser() : impl_(std::make_unique<Impl>()) {}
OsvParser::~OsvParser() = default;

namespace {

class Reader {
 public:
  explicit Reader(const std::string& label) : label_(label) {}

  Result<Advisory> advisory(dom::element el, const std::string& where) {
    dom::object o;
    if (el.get_object().get(o)) return bad(where, "an advisory must be a JSON object");
    Advisory a;
    std::string_view sv;
    if (o["id"].get_string().get(sv) || sv.empty())
      return bad(where, "\"id\" is missing or not a non-empty string");
    a.id = std::string(sv);
    std::string at = a.id;
    if (o["modified"].get_string().get(sv))
      return bad(at, "\"modified\" is missing or not a string");
    a.modified = std::string(sv);
    auto m = parseRfc3339(sv);
    if (!m) return bad(at, "\"modified\" is not an RFC 3339 time");
    a.modifiedUs = *m;
    if (!o["withdrawn"].get_string().get(sv)) a.withdrawn = std::string(sv.empty() ? "yes" : sv);
    if (!o["published"].get_string().get(sv)) a.published = std::string(sv);
    if (!o["summary"].get_string().get(sv) && !trim(sv).empty()) {
      a.summary = firstLine(sv, 200);
    } else if (!o["details"].get_string().get(sv)) {
      a.summary = firstLine(sv, 200);
    }
    for (const char* key : {"aliases", "upstream"}) {
      dom::array arr;
      if (o[key].get_array().get(arr)) continue;
      for (auto v : arr) {
        if (v.get_string().get(sv) || sv.empty()) continue;
        std::string s(sv);
        if (s != a.id && std::ranges::find(a.aliases, s) == a.aliases.end())
          a.aliases.push_back(std::move(s));
      }
    }
    dom::array sev;
    if (!o["severity"].get_array().get(sev)) {
      for (auto v : sev) {
        std::string_view t, sc;
        if (v["type"].get_string().get(t) || v["score"].get_string().get(sc)) continue;
        a.severity.push_back({std::string(t), std::string(sc)});
      }
    }
    dom::object dbs;
    if (!o["database_specific"].get_object().get(dbs) && !dbs["severity"].get_string().get(sv))
      a.dbSeverity = std::string(sv);

    dom::array aff;
    auto affErr = o["affected"].get_array().get(aff);
    if (affErr && affErr != simdjson::NO_SUCH_FIELD) return bad(at, "\"affected\" is not an array");
    if (!affErr) {
      std::size_t i = 0;
      for (auto item : aff) {
        std::string here = at + ": affected[" + std::to_string(i++) + "]";
        auto r = affected(item, here);
        if (!r) return std::unexpected(r.error());
        if (*r) a.affected.push_back(std::move(**r));
      }
    }
    return a;
  }

 private:
  // nullopt: an entry without a package (GIT-only) or without anything matchable.
  Result<std::optional<Affected>> affected(dom::element el, const std::string& where) {
    dom::object o;
    if (el.get_object().get(o)) return bad(where, "not an object");
    dom::object pkg;
    auto pe = o["package"].get_object().get(pkg);
    if (pe == simdjson::NO_SUCH_FIELD) return std::optional<Affected>{};
    if (pe) return bad(where, "\"package\" is not an object");
    std::string_view eco, name;
    if (pkg["ecosystem"].get_string().get(eco) || pkg["name"].get_string().get(name))
      return bad(where, "\"package\" needs string \"ecosystem\" and \"name\"");
    if (eco.empty() || name.empty()) return std::optional<Affected>{};
    Affected out;
    out.ecosystem = ecosystemKey(eco);
    out.name = packageKey(ecosystemBase(out.ecosystem), name);
    dom::array ranges;
    auto re = o["ranges"].get_array().get(ranges);
    if (re && re != simdjson::NO_SUCH_FIELD) return bad(where, "\"ranges\" is not an array");
    if (!re) {
      for (auto r : ranges) {
        std::string_view type;
        if (r["type"].get_string().get(type)) return bad(where, "a range has no string \"type\"");
        if (type != "ECOSYSTEM" && type != "SEMVER") continue;  // GIT: commits, not versions
        versions::Range range;
        range.type = type == "SEMVER" ? versions::Range::kSemver : versions::Range::kEcosystem;
        dom::array events;
        if (r["events"].get_array().get(events)) return bad(where, "a range has no \"events\"");
        for (auto e : events) {
          dom::object eo;
          if (e.get_object().get(eo)) return bad(where, "an event is not an object");
          for (auto field : eo) {
            std::string_view v;
            if (field.value.get_string().get(v))
              return bad(where, "an event value is not a string");
            versions::Event ev;
            if (field.key == "introduced")
              ev.kind = versions::Event::kIntroduced;
            else if (field.key == "fixed")
              ev.kind = versions::Event::kFixed;
            else if (field.key == "last_affected")
              ev.kind = versions::Event::kLastAffected;
            else if (field.key == "limit")
              ev.kind = versions::Event::kLimit;
            else
              continue;
            ev.version = std::string(v);
            range.events.push_back(std::move(ev));
          }
        }
        if (!range.events.empty()) out.ranges.push_back(std::move(range));
      }
    }
    dom::array vs;
    if (!o["versions"].get_array().get(vs)) {
      for (auto v : vs) {
        std::string_view s;
        if (!v.get_string().get(s) && !s.empty()) out.versions.emplace_back(s);
      }
    }
    for (const char* key : {"ecosystem_specific", "database_specific"}) {
      dom::object spec;
      std::string_view s;
      if (!o[key].get_object().get(spec) && !spec["severity"].get_string().get(s)) {
        out.severity = std::string(s);
        break;
      }
    }
    if (out.ranges.empty() && out.versions.empty()) return std::optional<Affected>{};
    return std::optional<Affected>(std::move(out));
  }

  std::unexpected<Error> bad(const std::string& where, std::string what) const {
    return fail(ErrorCode::kInvalidInput, where + ": " + what, label_);
  }
  const std::string& label_;
};

}  // namespace

Result<std::vector<Advisory>> OsvParser::parse(std::string_view json, const std::string& label) {
  auto& buf = impl_->buffer;
  if (buf.size() < json.size() + simdjson::SIMDJSON_PADDING)
    buf.resize(json.size() + simdjson::SIMDJSON_PADDING);
  if (!json.empty()) std::memcpy(buf.data(), json.data(), json.size());
  std::memset(buf.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);
  dom::element doc;
  auto err = impl_->parser.parse(buf.data(), json.size(), false).get(doc);
  if (err)
    return fail(ErrorCode::kInvalidInput,
                std::string("malformed JSON: ") + simdjson::error_message(err), label);
  Reader reader(label);
  std::vector<Advisory> out;
  dom::array arr;
  if (!doc.get_array().get(arr)) {
    std::size_t i = 0;
    for (auto el : arr) {
      auto a = reader.advisory(el, "[" + std::to_string(i++) + "]");
      if (!a) return std::unexpected(a.error());
      out.push_back(std::move(*a));
    }
    return out;
  }
  auto a = reader.advisory(doc, "$");
  if (!a) return std::unexpected(a.error());
  out.push_back(std::move(*a));
  return out;
}

}  // namespace tollgate::vulndb
