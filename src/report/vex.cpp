#include "tollgate/report/vex.h"

#include <map>
#include <optional>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "tollgate/purl/purl.h"
#include "tollgate/util/json.h"
#include "tollgate/util/strings.h"

namespace tollgate::report {

namespace {

using json = nlohmann::json;

std::string item(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

// Reads an optional string member; a present non-string is an error.
Status optString(const json& obj, const char* key, const std::string& path, std::string& out,
                 const std::string& label) {
  const json* v = member(obj, key);
  if (!v) return {};
  if (!v->is_string())
    return fail(ErrorCode::kInvalidInput, path + "." + key + ": expected a string", label);
  out = v->get<std::string>();
  return {};
}

class Parser {
 public:
  explicit Parser(std::string label) : label_(std::move(label)) {}

  Status err(const std::string& path, const std::string& what) {
    return fail(ErrorCode::kInvalidInput, path + ": " + what, label_);
  }

  Status add(VexStatement st) {
    if (out_.size() >= kMaxVexStatements)
      return fail(ErrorCode::kLimit,
                  "more than " + std::to_string(kMaxVexStatements) + " VEX statements", label_);
    st.source = label_;
    out_.push_back(std::move(st));
    return {};
  }

  // ---- OpenVEX ---------------------------------------------------------------------------------
  Status openVex(const json& doc) {
    const json* stmts = member(doc, "statements");
    if (!stmts) return {};
    if (!stmts->is_array()) return err("$.statements", "expected an array");
    for (std::size_t i = 0; i < stmts->size(); ++i) {
      const json& s = (*stmts)[i];
      std::string path = item("$.statements", i);
      if (!s.is_object()) return err(path, "expected an object");
      VexStatement st;
      if (auto r = openVexVulnerability(s, path, st); !r) return r;
      if (auto r = openVexProducts(s, path, st); !r) return r;
      std::string status;
      if (auto r = optString(s, "status", path, status, label_); !r) return r;
      auto parsed = openVexStatus(status);
      if (!parsed)
        return err(path + ".status", status.empty() ? "missing"
                                                    : "unknown status '" + printable(status, 40) +
                                                          "' (not_affected, affected, fixed, "
                                                          "under_investigation)");
      st.status = *parsed;
      if (auto r = optString(s, "justification", path, st.justification, label_); !r) return r;
      std::string impact, action;
      if (auto r = optString(s, "impact_statement", path, impact, label_); !r) return r;
      if (auto r = optString(s, "action_statement", path, action, label_); !r) return r;
      st.statement = !impact.empty() ? impact : action;
      if (auto r = add(std::move(st)); !r) return r;
    }
    return {};
  }

  static std::optional<VexStatus> openVexStatus(std::string_view s) {
    if (s == "not_affected") return VexStatus::kNotAffected;
    if (s == "affected") return VexStatus::kAffected;
    if (s == "fixed") return VexStatus::kFixed;
    if (s == "under_investigation") return VexStatus::kUnderInvestigation;
    return std::nullopt;
  }

  Status openVexVulnerability(const json& s, const std::string& path, VexStatement& st) {
    const json* v = member(s, "vulnerability");
    std::string vpath = path + ".vulnerability";
    if (!v) return err(vpath, "missing");
    if (v->is_string()) {
      st.vulnerability = v->get<std::string>();
    } else if (v->is_object()) {
      std::string name, id;
      if (auto r = optString(*v, "name", vpath, name, label_); !r) return r;
      if (auto r = optString(*v, "@id", vpath, id, label_); !r) return r;
      st.vulnerability = !name.empty() ? name : id;
      if (!name.empty() && !id.empty() && id != name) st.aliases.push_back(id);
      if (const json* al = member(*v, "aliases")) {
        if (!al->is_array()) return err(vpath + ".aliases", "expected an array");
        for (std::size_t i = 0; i < al->size(); ++i) {
          if (!(*al)[i].is_string()) return err(item(vpath + ".aliases", i), "expected a string");
          st.aliases.push_back((*al)[i].get<std::string>());
        }
      }
    } else {
      return err(vpath, "expected an object or a string");
    }
    if (st.vulnerability.empty()) return err(vpath, "names no vulnerability");
    return {};
  }

  // One product entry: a string, or an object with @id and/or identifiers.purl.
  Status openVexProduct(const json& p, const std::string& path, std::vector<std::string>& out) {
    if (p.is_string()) {
      out.push_back(p.get<std::string>());
      return {};
    }
    if (!p.is_object()) return err(path, "expected an object or a string");
    std::string id;
    if (auto r = optString(p, "@id", path, id, label_); !r) return r;
    std::string purlId;
    if (const json* ids = member(p, "identifiers")) {
      if (!ids->is_object()) return err(path + ".identifiers", "expected an object");
      if (auto r = optString(*ids, "purl", path + ".identifiers", purlId, label_); !r) return r;
    }
    if (!purlId.empty()) out.push_back(purlId);
    if (!id.empty() && id != purlId) out.push_back(id);
    return {};
  }

  Status openVexProducts(const json& s, const std::string& path, VexStatement& st) {
    const json* ps = member(s, "products");
    if (!ps) return {};
    std::string ppath = path + ".products";
    if (!ps->is_array()) return err(ppath, "expected an array");
    for (std::size_t i = 0; i < ps->size(); ++i) {
      const json& p = (*ps)[i];
      std::string one = item(ppath, i);
      if (auto r = openVexProduct(p, one, st.products); !r) return r;
      // A statement about a product's subcomponents covers those subcomponents (a finding's
      // subject is the component, not the image that ships it).
      if (const json* subs = member(p, "subcomponents")) {
        if (!subs->is_array()) return err(one + ".subcomponents", "expected an array");
        for (std::size_t k = 0; k < subs->size(); ++k)
          if (auto r = openVexProduct((*subs)[k], item(one + ".subcomponents", k), st.products); !r)
            return r;
      }
    }
    // OpenVEX 0.0.x kept subcomponents beside products.
    if (const json* subs = member(s, "subcomponents")) {
      if (!subs->is_array()) return err(path + ".subcomponents", "expected an array");
      for (std::size_t k = 0; k < subs->size(); ++k)
        if (auto r = openVexProduct((*subs)[k], item(path + ".subcomponents", k), st.products); !r)
          return r;
    }
    return {};
  }

  // ---- CycloneDX -------------------------------------------------------------------------------
  // bom-ref -> purl for every component (nested ones too), iteratively.
  Status collectRefs(const json& doc) {
    std::vector<std::pair<const json*, std::string>> stack;
    if (const json* c = member(doc, "components")) stack.emplace_back(c, "$.components");
    if (const json* meta = member(doc, "metadata"))
      if (const json* c = member(*meta, "component")) {
        std::string ref, purl;
        if (c->is_object()) {
          if (auto r = optString(*c, "bom-ref", "$.metadata.component", ref, label_); !r) return r;
          if (auto r = optString(*c, "purl", "$.metadata.component", purl, label_); !r) return r;
          if (!ref.empty() && !purl.empty()) refs_[ref] = purl;
          if (const json* sub = member(*c, "components"))
            stack.emplace_back(sub, "$.metadata.component.components");
        }
      }
    std::size_t budget = 4'000'000;
    while (!stack.empty()) {
      auto [arr, path] = stack.back();
      stack.pop_back();
      if (!arr->is_array()) return err(path, "expected an array");
      for (std::size_t i = 0; i < arr->size(); ++i) {
        if (--budget == 0) return fail(ErrorCode::kLimit, "too many components", label_);
        const json& c = (*arr)[i];
        std::string cpath = item(path, i);
        if (!c.is_object()) return err(cpath, "expected an object");
        std::string ref, purl;
        if (auto r = optString(c, "bom-ref", cpath, ref, label_); !r) return r;
        if (auto r = optString(c, "purl", cpath, purl, label_); !r) return r;
        if (!ref.empty() && !purl.empty()) refs_[ref] = purl;
        if (const json* sub = member(c, "components"))
          stack.emplace_back(sub, cpath + ".components");
      }
    }
    return {};
  }

  std::string resolveRef(std::string ref) const {
    // A BOM-Link "urn:cdx:<serial>/<version>#<bom-ref>" names a bom-ref in another document.
    if (startsWith(ref, "urn:cdx:"))
      if (auto hash = ref.find('#'); hash != std::string::npos) ref = ref.substr(hash + 1);
    if (auto it = refs_.find(ref); it != refs_.end()) return it->second;
    return ref;
  }

  static std::optional<VexStatus> cdxState(std::string_view s) {
    if (s == "not_affected" || s == "false_positive") return VexStatus::kNotAffected;
    if (s == "resolved" || s == "resolved_with_pedigree") return VexStatus::kFixed;
    if (s == "exploitable") return VexStatus::kAffected;
    if (s == "in_triage") return VexStatus::kUnderInvestigation;
    return std::nullopt;
  }

  Status cycloneDx(const json& doc) {
    if (auto r = collectRefs(doc); !r) return r;
    const json* vulns = member(doc, "vulnerabilities");
    if (!vulns) return {};
    if (!vulns->is_array()) return err("$.vulnerabilities", "expected an array");
    for (std::size_t i = 0; i < vulns->size(); ++i) {
      const json& v = (*vulns)[i];
      std::string path = item("$.vulnerabilities", i);
      if (!v.is_object()) return err(path, "expected an object");
      const json* analysis = member(v, "analysis");
      if (!analysis) continue;  // no decision recorded: nothing to apply
      std::string apath = path + ".analysis";
      if (!analysis->is_object()) return err(apath, "expected an object");
      std::string state;
      if (auto r = optString(*analysis, "state", apath, state, label_); !r) return r;
      if (state.empty()) continue;
      auto status = cdxState(state);
      if (!status)
        return err(apath + ".state", "unknown analysis state '" + printable(state, 40) + "'");
      VexStatement st;
      st.status = *status;
      if (auto r = optString(v, "id", path, st.vulnerability, label_); !r) return r;
      if (st.vulnerability.empty()) return err(path + ".id", "missing");
      if (const json* refs = member(v, "references")) {
        if (!refs->is_array()) return err(path + ".references", "expected an array");
        for (std::size_t k = 0; k < refs->size(); ++k) {
          std::string id;
          std::string rpath = item(path + ".references", k);
          if (!(*refs)[k].is_object()) return err(rpath, "expected an object");
          if (auto r = optString((*refs)[k], "id", rpath, id, label_); !r) return r;
          if (!id.empty()) st.aliases.push_back(id);
        }
      }
      if (auto r = optString(*analysis, "justification", apath, st.justification, label_); !r)
        return r;
      if (state == "false_positive" && st.justification.empty()) st.justification = state;
      if (auto r = optString(*analysis, "detail", apath, st.statement, label_); !r) return r;
      if (const json* affects = member(v, "affects")) {
        if (!affects->is_array()) return err(path + ".affects", "expected an array");
        for (std::size_t k = 0; k < affects->size(); ++k) {
          std::string apath2 = item(path + ".affects", k);
          if (!(*affects)[k].is_object()) return err(apath2, "expected an object");
          std::string ref;
          if (auto r = optString((*affects)[k], "ref", apath2, ref, label_); !r) return r;
          if (ref.empty()) return err(apath2 + ".ref", "missing");
          st.products.push_back(resolveRef(ref));
        }
      }
      if (auto r = add(std::move(st)); !r) return r;
    }
    return {};
  }

  std::vector<VexStatement> take() { return std::move(out_); }

 private:
  std::string label_;
  std::vector<VexStatement> out_;
  std::unordered_map<std::string, std::string> refs_;
};

bool isOpenVex(const json& doc) {
  const json* ctx = member(doc, "@context");
  if (!ctx) return false;
  auto check = [](const json& v) {
    return v.is_string() && v.get<std::string>().find("openvex") != std::string::npos;
  };
  if (check(*ctx)) return true;
  if (ctx->is_array())
    for (const auto& c : *ctx)
      if (check(c)) return true;
  return false;
}

bool isCycloneDx(const json& doc) {
  const json* f = member(doc, "bomFormat");
  return f && f->is_string() && f->get<std::string>() == "CycloneDX";
}

std::vector<std::string> findingIds(const Finding& f) {
  std::vector<std::string> ids{f.id};
  if (f.evidence.is_object())
    if (auto it = f.evidence.find("aliases"); it != f.evidence.end() && it->is_array())
      for (const auto& a : *it)
        if (a.is_string()) ids.push_back(a.get<std::string>());
  return ids;
}

}  // namespace

std::string_view toString(VexStatus s) {
  switch (s) {
    case VexStatus::kNotAffected:
      return "not_affected";
    case VexStatus::kAffected:
      return "affected";
    case VexStatus::kFixed:
      return "fixed";
    case VexStatus::kUnderInvestigation:
      return "under_investigation";
  }
  return "under_investigation";
}

Result<std::vector<VexStatement>> parseVex(std::string_view text, const std::string& source) {
  auto doc = parseJson(text, source);
  if (!doc) return std::unexpected(doc.error());
  if (!doc->is_object())
    return fail(ErrorCode::kInvalidInput,
                "$: expected a JSON object (an OpenVEX or CycloneDX VEX "
                "document)",
                source);
  Parser p(source);
  if (isOpenVex(*doc)) {
    if (auto r = p.openVex(*doc); !r) return std::unexpected(r.error());
  } else if (isCycloneDx(*doc)) {
    if (auto r = p.cycloneDx(*doc); !r) return std::unexpected(r.error());
  } else {
    return fail(ErrorCode::kUnsupported,
                "neither OpenVEX (no openvex @context) nor CycloneDX (no bomFormat)", source);
  }
  return p.take();
}

bool vexProductMatches(std::string_view product, std::string_view subject) {
  if (product == subject) return true;
  if (!startsWith(product, "pkg:") || !startsWith(subject, "pkg:")) return false;
  auto p = purl::parse(product);
  auto s = purl::parse(subject);
  if (!p || !s) return false;
  if (p->type != s->type || p->ns != s->ns || p->name != s->name) return false;
  if (!p->version.empty() && p->version != s->version) return false;
  for (const auto& [k, v] : p->qualifiers) {
    auto it = s->qualifiers.find(k);
    if (it == s->qualifiers.end() || it->second != v) return false;
  }
  return true;
}

VexSummary applyVex(Report& r, std::span<const VexStatement> statements) {
  VexSummary summary;
  // Statements indexed by every id they name, so a large VEX file costs a lookup per finding.
  std::unordered_map<std::string_view, std::vector<std::size_t>> byId;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    byId[statements[i].vulnerability].push_back(i);
    for (const auto& a : statements[i].aliases) byId[a].push_back(i);
  }
  for (auto& f : r.findings) {
    const VexStatement* last = nullptr;
    std::size_t lastIndex = 0;
    for (const auto& id : findingIds(f)) {
      auto it = byId.find(id);
      if (id.empty() || it == byId.end()) continue;
      for (std::size_t i : it->second) {
        if (last && i <= lastIndex) continue;
        const auto& st = statements[i];
        bool productOk = st.products.empty();
        for (const auto& p : st.products)
          if (vexProductMatches(p, f.subject)) {
            productOk = true;
            break;
          }
        if (productOk) {
          last = &st;
          lastIndex = i;
        }
      }
    }
    if (!last) continue;
    ++summary.matched;
    if (!f.evidence.is_object()) f.evidence = nlohmann::json::object();
    nlohmann::json vex = {{"status", std::string(toString(last->status))}};
    if (!last->justification.empty()) vex["justification"] = last->justification;
    if (!last->statement.empty()) vex["statement"] = last->statement;
    if (!last->source.empty()) vex["source"] = last->source;
    f.evidence["vex"] = std::move(vex);
    if (f.suppressedBy) continue;
    if (last->status == VexStatus::kNotAffected || last->status == VexStatus::kFixed) {
      std::string why = "vex " + std::string(toString(last->status));
      if (!last->justification.empty()) why += ": " + last->justification;
      if (!last->statement.empty()) why += ": " + last->statement;
      if (!last->source.empty()) why += " (" + last->source + ")";
      f.suppressedBy = printable(why, 500);
      ++summary.suppressed;
    }
  }
  return summary;
}

}  // namespace tollgate::report
