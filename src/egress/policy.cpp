#include "tollgate/egress/policy.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "tollgate/util/file.h"
#include "tollgate/util/strings.h"

namespace tollgate::egress {

std::string_view toString(TlsMode m) noexcept {
  return m == TlsMode::kInspect ? "inspect" : "passthrough";
}

std::string_view toString(Action a) noexcept {
  switch (a) {
    case Action::kAllow:
      return "allow";
    case Action::kAlert:
      return "alert";
    case Action::kRedact:
      return "redact";
    case Action::kBlock:
      return "block";
  }
  return "?";
}

bool Vendor::allows(std::string_view detector, std::string_view cls) const {
  return allowed.contains(std::string(detector)) || allowed.contains(std::string(cls));
}

std::string Decision::reason() const {
  if (rule && !rule->reason.empty()) return rule->reason;
  if (!rule) return "no rule matched";
  std::string r = std::string(toString(rule->action)) + " rule";
  if (!rule->vendor.empty()) r += " for " + rule->vendor;
  return r;
}

bool domainMatches(std::string_view pattern, std::string_view host) noexcept {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (pattern.starts_with("*.")) {
    auto base = pattern.substr(1);  // ".x.example"
    return host.size() > base.size() && host.ends_with(base);
  }
  return pattern == host;
}

Result<std::uint64_t> parseByteSize(std::string_view text) {
  std::string t = toLower(trim(text));
  std::size_t i = 0;
  while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.')) ++i;
  if (i == 0)
    return fail(ErrorCode::kInvalidInput, "expected a size such as 10MB: " + printable(text, 40));
  double n = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + i, n);
  if (ec != std::errc() || p != t.data() + i || !std::isfinite(n) || n < 0)
    return fail(ErrorCode::kInvalidInput, "expected a size such as 10MB: " + printable(text, 40));
  std::string unit(trim(std::string_view(t).substr(i)));
  static const std::map<std::string, double> kUnits = {{"", 1},
                                                       {"b", 1},
                                                       {"k", 1e3},
                                                       {"kb", 1e3},
                                                       {"kib", 1024.0},
                                                       {"m", 1e6},
                                                       {"mb", 1e6},
                                                       {"mib", 1048576.0},
                                                       {"g", 1e9},
                                                       {"gb", 1e9},
                                                       {"gib", 1073741824.0},
                                                       {"t", 1e12},
                                                       {"tb", 1e12},
                                                       {"tib", 1099511627776.0}};
  auto u = kUnits.find(unit);
  if (u == kUnits.end())
    return fail(ErrorCode::kInvalidInput, "unknown size unit '" + printable(unit, 10) + "'");
  double v = n * u->second;
  if (v >= 1.8e19) return fail(ErrorCode::kInvalidInput, "size too large: " + printable(text, 40));
  return static_cast<std::uint64_t>(v);
}

namespace {

Result<std::chrono::seconds> parseDuration(std::string_view text) {
  std::string t(trim(text));
  if (t.empty()) return fail(ErrorCode::kInvalidInput, "empty duration");
  char unit = t.back();
  std::int64_t mult = unit == 's'   ? 1
                      : unit == 'm' ? 60
                      : unit == 'h' ? 3600
                      : unit == 'd' ? 86400
                                    : 0;
  std::string_view num = mult ? std::string_view(t).substr(0, t.size() - 1) : std::string_view(t);
  if (!mult) mult = 1;
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
  if (ec != std::errc() || p != num.data() + num.size() || n <= 0 || n > 366 * 86400)
    return fail(ErrorCode::kInvalidInput,
                "expected a duration such as 1h or 7d: " + printable(text, 40));
  return std::chrono::seconds(n * mult);
}

bool validDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  int mo = (s[5] - '0') * 10 + (s[6] - '0');
  int d = (s[8] - '0') * 10 + (s[9] - '0');
  return mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
}

// A host name pattern: labels of letters, digits, '-', '_' and an optional leading "*.".
bool validDomainPattern(std::string_view p) {
  if (p.starts_with("*.")) p.remove_prefix(2);
  if (p.empty() || p.size() > 253 || p.front() == '.' || p.back() == '.') return false;
  bool prevDot = false;
  for (char c : p) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
              c == ':';  // IPv6 literals
    if (!ok || (c == '.' && prevDot)) return false;
    prevDot = c == '.';
  }
  return true;
}

class Parser {
 public:
  Parser(const std::string& source, const std::set<std::string>& known)
      : source_(source), known_(known) {}

  Error error(const YAML::Node& n, const std::string& what) const {
    Error e;
    e.code = ErrorCode::kInvalidInput;
    e.message = printable(what, 300);  // names from the file may hold control characters
    e.context = source_ + ":" + std::to_string(n.Mark().line + 1);
    return e;
  }

  Result<std::string> scalar(const YAML::Node& n, const std::string& field) const {
    if (!n.IsScalar()) return std::unexpected(error(n, "'" + field + "' must be a single value"));
    return n.Scalar();
  }

  Result<std::vector<std::string>> list(const YAML::Node& n, const std::string& field) const {
    std::vector<std::string> out;
    if (n.IsScalar()) {
      out.push_back(n.Scalar());
      return out;
    }
    if (!n.IsSequence()) return std::unexpected(error(n, "'" + field + "' must be a list"));
    for (const auto& e : n) {
      if (!e.IsScalar())
        return std::unexpected(error(e, "'" + field + "' entries must be single values"));
      out.push_back(e.Scalar());
    }
    return out;
  }

  Status checkKeys(const YAML::Node& n, std::initializer_list<std::string_view> keys) const {
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) return std::unexpected(error(kv.first, "keys must be names"));
      const std::string& k = kv.first.Scalar();
      if (std::find(keys.begin(), keys.end(), k) == keys.end())
        return std::unexpected(error(kv.first, "unknown field '" + printable(k, 40) + "'"));
    }
    return {};
  }

  Status checkClass(const YAML::Node& at, const std::string& c, bool allowUnapproved) const {
    if (allowUnapproved && c == "unapproved") return {};
    if (c.empty()) return std::unexpected(error(at, "empty data class"));
    if (!known_.empty() && !known_.contains(c))
      return std::unexpected(error(at, "unknown data class '" + printable(c, 40) + "'"));
    return {};
  }

  Status domains(const YAML::Node& n, std::vector<std::string>& out) const {
    auto l = list(n, "domains");
    if (!l) return std::unexpected(l.error());
    for (auto& d : *l) {
      std::string p = toLower(trim(d));
      if (!validDomainPattern(p))
        return std::unexpected(
            error(n, "not a domain or *.domain pattern: '" + printable(d, 60) + "'"));
      out.push_back(std::move(p));
    }
    if (out.empty()) return std::unexpected(error(n, "'domains' is empty"));
    return {};
  }

  Result<Vendor> vendor(const YAML::Node& n) const {
    Vendor v;
    v.line = n.Mark().line + 1;
    if (!n.IsMap()) return std::unexpected(error(n, "a vendor must be a mapping"));
    if (auto st = checkKeys(n, {"name", "domains", "allowed", "owner", "reviewed",
                                "volume_threshold", "volume_window", "tls"});
        !st)
      return std::unexpected(st.error());
    if (!n["name"]) return std::unexpected(error(n, "vendor without a 'name'"));
    auto name = scalar(n["name"], "name");
    if (!name) return std::unexpected(name.error());
    v.name = std::string(trim(*name));
    if (v.name.empty() || v.name == "*" || v.name == "unlisted")
      return std::unexpected(error(n["name"], "vendor name must not be empty, '*' or 'unlisted'"));
    if (!n["domains"]) return std::unexpected(error(n, "vendor '" + v.name + "' has no 'domains'"));
    if (auto st = domains(n["domains"], v.domains); !st) return std::unexpected(st.error());
    if (n["allowed"]) {
      auto l = list(n["allowed"], "allowed");
      if (!l) return std::unexpected(l.error());
      for (auto& c : *l) {
        if (auto st = checkClass(n["allowed"], c, false); !st) return std::unexpected(st.error());
        v.allowed.insert(c);
      }
    }
    if (n["owner"]) {
      auto o = scalar(n["owner"], "owner");
      if (!o) return std::unexpected(o.error());
      v.owner = *o;
    }
    if (n["reviewed"]) {
      auto r = scalar(n["reviewed"], "reviewed");
      if (!r) return std::unexpected(r.error());
      if (!validDate(*r))
        return std::unexpected(error(n["reviewed"], "'reviewed' must be a date YYYY-MM-DD"));
      v.reviewed = *r;
    }
    if (n["volume_threshold"]) {
      auto t = scalar(n["volume_threshold"], "volume_threshold");
      if (!t) return std::unexpected(t.error());
      auto b = parseByteSize(*t);
      if (!b || *b == 0)
        return std::unexpected(error(n["volume_threshold"],
                                     b ? "volume_threshold must be positive" : b.error().message));
      v.volumeThreshold = *b;
    }
    if (n["volume_window"]) {
      auto t = scalar(n["volume_window"], "volume_window");
      if (!t) return std::unexpected(t.error());
      auto d = parseDuration(*t);
      if (!d) return std::unexpected(error(n["volume_window"], d.error().message));
      v.volumeWindow = *d;
    }
    if (n["tls"]) {
      auto t = scalar(n["tls"], "tls");
      if (!t) return std::unexpected(t.error());
      if (*t == "inspect")
        v.tls = TlsMode::kInspect;
      else if (*t == "passthrough")
        v.tls = TlsMode::kPassthrough;
      else
        return std::unexpected(error(n["tls"], "tls must be inspect or passthrough"));
    }
    return v;
  }

  Result<Rule> rule(const YAML::Node& n, const std::vector<Vendor>& vendors) const {
    Rule r;
    r.line = n.Mark().line + 1;
    if (!n.IsMap()) return std::unexpected(error(n, "a rule must be a mapping"));
    if (auto st = checkKeys(n, {"action", "vendor", "domains", "classes", "apps", "reason"}); !st)
      return std::unexpected(st.error());
    if (!n["action"]) return std::unexpected(error(n, "rule without an 'action'"));
    auto a = scalar(n["action"], "action");
    if (!a) return std::unexpected(a.error());
    if (*a == "allow")
      r.action = Action::kAllow;
    else if (*a == "alert")
      r.action = Action::kAlert;
    else if (*a == "redact")
      r.action = Action::kRedact;
    else if (*a == "block")
      r.action = Action::kBlock;
    else
      return std::unexpected(error(
          n["action"], "unknown action '" + printable(*a, 40) + "' (allow, alert, redact, block)"));
    if (n["vendor"]) {
      auto v = scalar(n["vendor"], "vendor");
      if (!v) return std::unexpected(v.error());
      r.vendor = *v;
      if (r.vendor != "*" && r.vendor != "unlisted" &&
          std::none_of(vendors.begin(), vendors.end(),
                       [&](const Vendor& x) { return x.name == r.vendor; }))
        return std::unexpected(error(n["vendor"], "rule names vendor '" + printable(r.vendor, 60) +
                                                      "', which is not in 'vendors'"));
    }
    if (n["domains"])
      if (auto st = domains(n["domains"], r.domains); !st) return std::unexpected(st.error());
    if (n["classes"]) {
      auto l = list(n["classes"], "classes");
      if (!l) return std::unexpected(l.error());
      for (auto& c : *l)
        if (auto st = checkClass(n["classes"], c, true); !st) return std::unexpected(st.error());
      r.classes = std::move(*l);
      if (r.classes.empty()) return std::unexpected(error(n["classes"], "'classes' is empty"));
    }
    if (n["apps"]) {
      auto l = list(n["apps"], "apps");
      if (!l) return std::unexpected(l.error());
      r.apps = std::move(*l);
    }
    if (n["reason"]) {
      auto s = scalar(n["reason"], "reason");
      if (!s) return std::unexpected(s.error());
      r.reason = printable(*s, 200);
    }
    return r;
  }

 private:
  const std::string& source_;
  const std::set<std::string>& known_;
};

}  // namespace

Result<std::shared_ptr<const Policy>> Policy::parse(std::string_view yaml,
                                                    const std::string& source,
                                                    const std::set<std::string>& knownClasses) {
  std::shared_ptr<Policy> p(new Policy());
  p->source_ = source;
  Parser parser(source, knownClasses);
  // yaml-cpp reports errors by throwing; they stop here.
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap())
      return fail(ErrorCode::kInvalidInput, "expected a mapping with 'vendors' and 'rules'",
                  source + ":1");
    if (auto st = parser.checkKeys(root, {"vendors", "rules", "tls_default", "max_hold_bytes"});
        !st)
      return std::unexpected(st.error());
    if (auto n = root["tls_default"]) {
      auto t = parser.scalar(n, "tls_default");
      if (!t) return std::unexpected(t.error());
      if (*t == "inspect")
        p->tlsDefault_ = TlsMode::kInspect;
      else if (*t != "passthrough")
        return std::unexpected(parser.error(n, "tls_default must be inspect or passthrough"));
    }
    if (auto n = root["max_hold_bytes"]) {
      auto t = parser.scalar(n, "max_hold_bytes");
      if (!t) return std::unexpected(t.error());
      auto b = parseByteSize(*t);
      if (!b) return std::unexpected(parser.error(n, b.error().message));
      if (*b == 0 || *b > (1ull << 30))
        return std::unexpected(parser.error(n, "max_hold_bytes must be between 1 and 1GiB"));
      p->maxHoldBytes_ = *b;
    }
    std::map<std::string, int> domainOwner;  // pattern -> vendor index
    if (auto n = root["vendors"]) {
      if (!n.IsSequence()) return std::unexpected(parser.error(n, "'vendors' must be a list"));
      for (const auto& vn : n) {
        auto v = parser.vendor(vn);
        if (!v) return std::unexpected(v.error());
        for (const auto& other : p->vendors_)
          if (other.name == v->name)
            return std::unexpected(parser.error(vn, "vendor '" + v->name +
                                                        "' is defined twice (first at line " +
                                                        std::to_string(other.line) + ")"));
        for (const auto& d : v->domains) {
          auto [it, fresh] = domainOwner.emplace(d, static_cast<int>(p->vendors_.size()));
          if (!fresh)
            return std::unexpected(
                parser.error(vn["domains"], "domain '" + d + "' already belongs to vendor '" +
                                                p->vendors_[it->second].name + "'"));
        }
        p->vendors_.push_back(std::move(*v));
      }
    }
    if (auto n = root["rules"]) {
      if (!n.IsSequence()) return std::unexpected(parser.error(n, "'rules' must be a list"));
      for (const auto& rn : n) {
        auto r = parser.rule(rn, p->vendors_);
        if (!r) return std::unexpected(r.error());
        p->rules_.push_back(std::move(*r));
      }
    }
    for (const auto& [d, idx] : domainOwner) p->domainIndex_.emplace(d, idx);
  } catch (const YAML::Exception& e) {
    std::string ctx = source;
    if (e.mark.line >= 0) ctx += ":" + std::to_string(e.mark.line + 1);
    return fail(ErrorCode::kInvalidInput, e.msg.empty() ? "invalid YAML" : printable(e.msg, 300),
                ctx);
  }
  return std::shared_ptr<const Policy>(std::move(p));
}

Result<std::shared_ptr<const Policy>> Policy::load(const std::string& path,
                                                   const std::set<std::string>& knownClasses) {
  auto text = readFile(path, 16 << 20);
  if (!text) return std::unexpected(text.error());
  return parse(*text, path, knownClasses);
}

const Vendor* Policy::vendorFor(std::string_view hostIn) const {
  if (domainIndex_.empty() || hostIn.empty()) return nullptr;
  std::string host = toLower(hostIn);
  if (host.back() == '.') host.pop_back();
  // An exact domain first, then "*.suffix" from the longest suffix to the shortest: one hash
  // lookup per label, whatever the size of the register.
  if (auto it = domainIndex_.find(host); it != domainIndex_.end()) return &vendors_[it->second];
  std::string key;
  for (std::size_t i = host.find('.'); i != std::string::npos && i > 0; i = host.find('.', i + 1)) {
    key.assign("*").append(host, i, std::string::npos);
    if (auto it = domainIndex_.find(key); it != domainIndex_.end()) return &vendors_[it->second];
  }
  return nullptr;
}

TlsMode Policy::tlsMode(std::string_view host) const {
  const Vendor* v = vendorFor(host);
  return v ? v->tls : tlsDefault_;
}

bool Policy::ruleMatchesDestination(const Rule& r, std::string_view host, const Vendor* v,
                                    const std::vector<std::string_view>& app) const {
  if (r.vendor == "unlisted") {
    if (v) return false;
  } else if (r.vendor == "*") {
    if (!v) return false;
  } else if (!r.vendor.empty()) {
    if (!v || v->name != r.vendor) return false;
  }
  if (!r.domains.empty()) {
    std::string h = toLower(host);
    if (std::none_of(r.domains.begin(), r.domains.end(),
                     [&](const std::string& d) { return domainMatches(d, h); }))
      return false;
  }
  if (!r.apps.empty()) {
    bool any = false;
    for (const auto& a : r.apps)
      for (auto id : app)
        if (!id.empty() && id == a) any = true;
    if (!any) return false;
  }
  return true;
}

std::vector<FoundClass> Policy::unapproved(const Vendor* vendor,
                                           const std::vector<FoundClass>& found) const {
  std::vector<FoundClass> out;
  for (const auto& f : found)
    if (!vendor || !vendor->allows(f.detector, f.cls)) out.push_back(f);
  return out;
}

Decision Policy::decide(const FlowFacts& facts) const {
  Decision d;
  d.vendor = vendorFor(facts.host);
  for (const auto& r : rules_) {
    if (!ruleMatchesDestination(r, facts.host, d.vendor, facts.app)) continue;
    std::set<std::string> hit;
    if (!r.classes.empty()) {
      for (const auto& c : r.classes) {
        if (c == "unapproved") {
          for (const auto& u : unapproved(d.vendor, facts.classes)) hit.insert(u.detector);
        } else {
          for (const auto& f : facts.classes)
            if (f.detector == c || f.cls == c) hit.insert(f.detector);
        }
      }
      if (hit.empty()) continue;
    } else {
      for (const auto& f : facts.classes) hit.insert(f.detector);
    }
    d.action = r.action;
    d.rule = &r;
    if (r.action == Action::kRedact) d.redact = std::move(hit);
    return d;
  }
  return d;
}

bool Policy::needsBody(std::string_view host, const std::vector<std::string_view>& app) const {
  const Vendor* v = vendorFor(host);
  for (const auto& r : rules_) {
    if (!ruleMatchesDestination(r, host, v, app)) continue;
    // A class-free rule decides on the destination alone: later rules never apply.
    if (r.classes.empty()) return r.action == Action::kRedact;
    if (r.action == Action::kBlock || r.action == Action::kRedact) return true;
  }
  return false;
}

}  // namespace tollgate::egress
