#include "tollgate/classify/detectors.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>

#include "tollgate/util/strings.h"

namespace tollgate::classify {

// Generated at build time from data/detectors.yaml (see CMakeLists.txt).
extern const unsigned char kEmbeddedDetectorsYaml[];
extern const std::size_t kEmbeddedDetectorsYamlSize;

namespace {

const std::map<std::string_view, Validator>& validatorNames() {
  static const std::map<std::string_view, Validator> kNames = {
      {"none", Validator::kNone},
      {"email", Validator::kEmail},
      {"phone", Validator::kPhone},
      {"credit_card", Validator::kCreditCard},
      {"iban", Validator::kIban},
      {"us_ssn", Validator::kUsSsn},
      {"uk_nino", Validator::kUkNino},
      {"date", Validator::kDate},
      {"ipv4", Validator::kIpv4},
      {"ipv6", Validator::kIpv6},
      {"postal_code", Validator::kPostalCode},
      {"private_key", Validator::kPrivateKey},
      {"jwt", Validator::kJwt},
      {"aws_access_key", Validator::kAwsAccessKey},
      {"entropy", Validator::kEntropy},
      {"url_password", Validator::kUrlPassword},
      {"basic_auth", Validator::kBasicAuth},
      {"token", Validator::kToken},
      {"value", Validator::kValue},
      {"word_list", Validator::kWordList},
  };
  return kNames;
}

// Escapes a literal word for a Hyperscan expression.
std::string escapeLiteral(std::string_view w) {
  std::string out;
  for (char c : w) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '_' && c != ' ' && static_cast<unsigned char>(c) < 0x80) out += '\\';
    out += c;
  }
  return out;
}

bool validId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

}  // namespace

std::string_view defaultDetectorsYaml() noexcept {
  return {reinterpret_cast<const char*>(kEmbeddedDetectorsYaml), kEmbeddedDetectorsYamlSize};
}

// yaml-cpp takes about 3 ms for the shipped file: parsed once, not by every user of it.
const Result<std::vector<DetectorDef>>& shippedDetectors() {
  static const Result<std::vector<DetectorDef>> kShipped =
      []() -> Result<std::vector<DetectorDef>> {
    auto defs = parseDetectors(defaultDetectorsYaml(), "<built-in detectors>");
    if (!defs) return std::unexpected(Error{ErrorCode::kInternal, defs.error().describe(), {}});
    return defs;
  }();
  return kShipped;
}

std::string_view toString(DetectorClass c) noexcept {
  switch (c) {
    case DetectorClass::kPersonal:
      return "personal";
    case DetectorClass::kSecret:
      return "secret";
    case DetectorClass::kHost:
      return "host";
  }
  return "?";
}

std::string_view toString(Severity s) noexcept {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kLow:
      return "low";
    case Severity::kMedium:
      return "medium";
    case Severity::kHigh:
      return "high";
    case Severity::kCritical:
      return "critical";
  }
  return "?";
}

std::string_view toString(Trigger t) noexcept {
  switch (t) {
    case Trigger::kEverywhere:
      return "everywhere";
    case Trigger::kDigits:
      return "digits";
    case Trigger::kContext:
      return "context";
    case Trigger::kAtSign:
      return "at_sign";
    case Trigger::kColonPairs:
      return "colon_pairs";
  }
  return "?";
}

std::string_view toString(Validator v) noexcept {
  for (const auto& [name, val] : validatorNames())
    if (val == v) return name;
  return "?";
}

Result<std::vector<DetectorDef>> parseDetectors(std::string_view yaml, const std::string& source) {
  // yaml-cpp reports errors by throwing; they stop here.
  std::vector<DetectorDef> defs;
  int line = -1;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap() || !root["detectors"] || !root["detectors"].IsSequence())
      return fail(ErrorCode::kInvalidInput, "expected a mapping with a 'detectors' list", source);
    for (const auto& n : root["detectors"]) {
      line = n.Mark().line + 1;
      auto where = [&](const std::string& what) {
        return fail(ErrorCode::kInvalidInput, what, source + ":" + std::to_string(line));
      };
      if (!n.IsMap()) return where("detector entry is not a mapping");
      for (const auto& kv : n) {
        static const std::vector<std::string> kKeys = {
            "id",       "variant",   "class",   "severity",         "pattern",
            "caseless", "validator", "context", "context_required", "window",
            "score",    "priority",  "words",   "min_words",        "min_entropy",
            "enabled",  "trigger"};
        auto key = kv.first.as<std::string>();
        if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end())
          return where("unknown field '" + key + "'");
      }
      DetectorDef d;
      if (!n["id"]) return where("detector without 'id'");
      d.id = n["id"].as<std::string>();
      if (!validId(d.id)) return where("invalid detector id '" + printable(d.id, 64) + "'");
      if (n["variant"]) d.variant = n["variant"].as<std::string>();
      if (n["enabled"]) d.enabled = n["enabled"].as<bool>();
      if (n["class"]) {
        auto c = n["class"].as<std::string>();
        if (c == "personal")
          d.cls = DetectorClass::kPersonal;
        else if (c == "secret")
          d.cls = DetectorClass::kSecret;
        else if (c == "host")
          d.cls = DetectorClass::kHost;
        else
          return where("unknown class '" + printable(c, 32) + "'");
      }
      if (n["severity"]) {
        auto s = n["severity"].as<std::string>();
        static const std::map<std::string, Severity> kSev = {{"info", Severity::kInfo},
                                                             {"low", Severity::kLow},
                                                             {"medium", Severity::kMedium},
                                                             {"high", Severity::kHigh},
                                                             {"critical", Severity::kCritical}};
        auto it = kSev.find(s);
        if (it == kSev.end()) return where("unknown severity '" + printable(s, 32) + "'");
        d.severity = it->second;
      }
      if (n["validator"]) {
        auto v = n["validator"].as<std::string>();
        auto it = validatorNames().find(v);
        if (it == validatorNames().end())
          return where("unknown validator '" + printable(v, 32) + "'");
        d.validator = it->second;
      }
      if (n["caseless"]) d.caseless = n["caseless"].as<bool>();
      if (n["context"]) {
        for (const auto& w : n["context"]) {
          auto word = toLower(w.as<std::string>());
          if (!word.empty()) d.context.push_back(word);
        }
      }
      if (n["context_required"]) d.contextRequired = n["context_required"].as<bool>();
      if (n["window"]) {
        auto w = n["window"].as<long>();
        if (w < 0 || w > 1024) return where("window must be between 0 and 1024");
        d.window = static_cast<std::uint32_t>(w);
      }
      if (n["score"]) {
        d.score = n["score"].as<double>();
        if (!(d.score >= 0 && d.score <= 1)) return where("score must be between 0 and 1");
      }
      if (n["priority"]) d.priority = n["priority"].as<int>();
      if (n["min_words"]) {
        auto m = n["min_words"].as<long>();
        if (m < 1 || m > 100) return where("min_words must be between 1 and 100");
        d.minWords = static_cast<std::uint32_t>(m);
      }
      if (n["min_entropy"]) d.minEntropy = n["min_entropy"].as<double>();
      if (n["words"]) {
        for (const auto& w : n["words"]) {
          auto word = w.as<std::string>();
          if (!word.empty()) d.words.push_back(word);
        }
      }
      if (n["pattern"]) d.pattern = n["pattern"].as<std::string>();
      if (n["trigger"]) {
        auto t = n["trigger"].as<std::string>();
        bool known = false;
        for (std::size_t k = 0; k < kTriggerCount && !known; ++k) {
          auto tk = static_cast<Trigger>(k);
          if (toString(tk) == t) {
            d.trigger = tk;
            known = true;
          }
        }
        if (!known)
          return where("unknown trigger '" + printable(t, 32) +
                       "' (everywhere, digits, context, at_sign, colon_pairs)");
        if (d.trigger == Trigger::kContext && (!d.contextRequired || d.context.empty()))
          return where("trigger 'context' needs context words and context_required: true");
      }
      if (d.validator == Validator::kWordList) {
        if (d.words.empty()) return where("word_list detector without 'words'");
        if (d.pattern.empty()) {
          std::string p = "\\b(?:";
          for (std::size_t i = 0; i < d.words.size(); ++i) {
            if (i) p += '|';
            p += escapeLiteral(d.words[i]);
          }
          p += ")\\b";
          d.pattern = p;
        }
      }
      if (d.enabled && d.pattern.empty()) return where("detector '" + d.id + "' has no pattern");
      defs.push_back(std::move(d));
    }
  } catch (const YAML::Exception& e) {
    std::string ctx = source;
    if (e.mark.line >= 0)
      ctx += ":" + std::to_string(e.mark.line + 1);
    else if (line >= 0)
      ctx += ":" + std::to_string(line);
    return fail(ErrorCode::kInvalidInput, e.msg.empty() ? "invalid YAML" : e.msg, ctx);
  }
  return defs;
}

void mergeDetectors(std::vector<DetectorDef>& base, std::vector<DetectorDef> extra) {
  for (auto& d : extra) {
    auto it = std::find_if(base.begin(), base.end(), [&](const DetectorDef& b) {
      return b.id == d.id && b.variant == d.variant;
    });
    if (it != base.end()) {
      if (!d.enabled)
        base.erase(it);
      else
        *it = std::move(d);
    } else if (d.enabled) {
      base.push_back(std::move(d));
    }
  }
}

}  // namespace tollgate::classify
