#include "tollgate/cvss/cvss.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tollgate/util/strings.h"

namespace tollgate::cvss {

namespace {

// ---- vector strings -----------------------------------------------------------------------------

struct MetricDef {
  std::string_view key;
  std::vector<std::string_view> values;
  bool base;  // mandatory
};

using Metrics = std::map<std::string, std::string, std::less<>>;

Result<Metrics> parseMetrics(std::string_view vector, std::string_view prefix,
                             const std::vector<MetricDef>& defs) {
  std::string_view rest = vector.substr(prefix.size());
  Metrics out;
  if (rest.empty()) return fail(ErrorCode::kInvalidInput, "no metrics after the prefix");
  for (auto part : split(rest, '/')) {
    auto colon = part.find(':');
    if (part.empty() || colon == std::string_view::npos || colon == 0 || colon + 1 == part.size())
      return fail(ErrorCode::kInvalidInput,
                  "malformed metric '" + printable(part, 40) + "' (expected KEY:VALUE)");
    auto key = part.substr(0, colon);
    auto value = part.substr(colon + 1);
    const MetricDef* def = nullptr;
    for (const auto& d : defs)
      if (d.key == key) def = &d;
    if (!def) return fail(ErrorCode::kInvalidInput, "unknown metric '" + printable(key, 20) + "'");
    bool known = false;
    for (auto v : def->values) known = known || v == value;
    if (!known)
      return fail(ErrorCode::kInvalidInput,
                  "metric " + std::string(key) + " has no value '" + printable(value, 20) + "'");
    if (!out.emplace(std::string(key), std::string(value)).second)
      return fail(ErrorCode::kInvalidInput, std::string(key) + " given twice");
  }
  for (const auto& d : defs)
    if (d.base && !out.contains(d.key))
      return fail(ErrorCode::kInvalidInput, "missing base metric " + std::string(d.key));
  return out;
}

// ---- v3.0 / v3.1 (specification section 7.1 and Appendix A)
// --------------------------------------

const std::vector<MetricDef>& v3Defs() {
  static const std::vector<MetricDef> defs = {
      {"AV", {"N", "A", "L", "P"}, true},
      {"AC", {"L", "H"}, true},
      {"PR", {"N", "L", "H"}, true},
      {"UI", {"N", "R"}, true},
      {"S", {"U", "C"}, true},
      {"C", {"H", "L", "N"}, true},
      {"I", {"H", "L", "N"}, true},
      {"A", {"H", "L", "N"}, true},
      {"E", {"X", "H", "F", "P", "U"}, false},
      {"RL", {"X", "U", "W", "T", "O"}, false},
      {"RC", {"X", "C", "R", "U"}, false},
      {"CR", {"X", "H", "M", "L"}, false},
      {"IR", {"X", "H", "M", "L"}, false},
      {"AR", {"X", "H", "M", "L"}, false},
      {"MAV", {"X", "N", "A", "L", "P"}, false},
      {"MAC", {"X", "L", "H"}, false},
      {"MPR", {"X", "N", "L", "H"}, false},
      {"MUI", {"X", "N", "R"}, false},
      {"MS", {"X", "U", "C"}, false},
      {"MC", {"X", "H", "L", "N"}, false},
      {"MI", {"X", "H", "L", "N"}, false},
      {"MA", {"X", "H", "L", "N"}, false},
  };
  return defs;
}

// v3.1 Roundup (Appendix A): the smallest one-decimal number >= x, computed on integers so that
// floating-point noise (4.000000000001) does not round up.
double roundUp31(double x) {
  auto i = static_cast<long long>(std::llround(x * 100000.0));
  if (i % 10000 == 0) return static_cast<double>(i) / 100000.0;
  return static_cast<double>(i / 10000 + 1) / 10.0;
}

// v3.0 Roundup as that specification defines it: ceil(x * 10) / 10.
double roundUp30(double x) { return std::ceil(x * 10.0) / 10.0; }

double v3Base(const Metrics& m, Version version) {
  auto get = [&](const char* k) -> const std::string& { return m.find(k)->second; };
  const bool changed = get("S") == "C";
  const std::map<std::string, double> av = {{"N", 0.85}, {"A", 0.62}, {"L", 0.55}, {"P", 0.2}};
  const std::map<std::string, double> ac = {{"L", 0.77}, {"H", 0.44}};
  const std::map<std::string, double> ui = {{"N", 0.85}, {"R", 0.62}};
  const std::map<std::string, double> cia = {{"H", 0.56}, {"L", 0.22}, {"N", 0.0}};
  double pr = 0.85;
  if (get("PR") == "L") pr = changed ? 0.68 : 0.62;
  if (get("PR") == "H") pr = changed ? 0.5 : 0.27;
  double iss = 1.0 - (1.0 - cia.at(get("C"))) * (1.0 - cia.at(get("I"))) * (1.0 - cia.at(get("A")));
  double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15.0) : 6.42 * iss;
  double exploitability = 8.22 * av.at(get("AV")) * ac.at(get("AC")) * pr * ui.at(get("UI"));
  if (impact <= 0.0) return 0.0;
  double raw = changed ? std::min(1.08 * (impact + exploitability), 10.0)
                       : std::min(impact + exploitability, 10.0);
  return version == Version::kV3_1 ? roundUp31(raw) : roundUp30(raw);
}

// ---- v4.0 (specification section 8) -------------------------------------------------------------

const std::vector<MetricDef>& v4Defs() {
  static const std::vector<MetricDef> defs = {
      {"AV", {"N", "A", "L", "P"}, true},
      {"AC", {"L", "H"}, true},
      {"AT", {"N", "P"}, true},
      {"PR", {"N", "L", "H"}, true},
      {"UI", {"N", "P", "A"}, true},
      {"VC", {"H", "L", "N"}, true},
      {"VI", {"H", "L", "N"}, true},
      {"VA", {"H", "L", "N"}, true},
      {"SC", {"H", "L", "N"}, true},
      {"SI", {"H", "L", "N"}, true},
      {"SA", {"H", "L", "N"}, true},
      {"E", {"X", "A", "P", "U"}, false},
      {"CR", {"X", "H", "M", "L"}, false},
      {"IR", {"X", "H", "M", "L"}, false},
      {"AR", {"X", "H", "M", "L"}, false},
      {"MAV", {"X", "N", "A", "L", "P"}, false},
      {"MAC", {"X", "L", "H"}, false},
      {"MAT", {"X", "N", "P"}, false},
      {"MPR", {"X", "N", "L", "H"}, false},
      {"MUI", {"X", "N", "P", "A"}, false},
      {"MVC", {"X", "H", "L", "N"}, false},
      {"MVI", {"X", "H", "L", "N"}, false},
      {"MVA", {"X", "H", "L", "N"}, false},
      {"MSC", {"X", "H", "L", "N"}, false},
      {"MSI", {"X", "S", "H", "L", "N"}, false},
      {"MSA", {"X", "S", "H", "L", "N"}, false},
      {"S", {"X", "N", "P"}, false},
      {"AU", {"X", "N", "Y"}, false},
      {"R", {"X", "A", "U", "I"}, false},
      {"V", {"X", "D", "C"}, false},
      {"RE", {"X", "L", "M", "H"}, false},
      {"U", {"X", "Clear", "Green", "Amber", "Red"}, false},
  };
  return defs;
}

// MacroVector scores (specification section 8.2, "cvss_lookup" of the FIRST calculator), in
// tenths, keyed by the six equivalence-class levels EQ1..EQ6.
struct LookupEntry {
  std::string_view macro;
  int tenths;
};
constexpr LookupEntry kLookup[] = {
    {"000000", 100}, {"000001", 99}, {"000010", 98}, {"000011", 95}, {"000020", 95}, {"000021", 92},
    {"000100", 100}, {"000101", 96}, {"000110", 93}, {"000111", 87}, {"000120", 91}, {"000121", 81},
    {"000200", 93},  {"000201", 90}, {"000210", 89}, {"000211", 80}, {"000220", 81}, {"000221", 68},
    {"001000", 98},  {"001001", 95}, {"001010", 95}, {"001011", 92}, {"001020", 90}, {"001021", 84},
    {"001100", 93},  {"001101", 92}, {"001110", 89}, {"001111", 81}, {"001120", 81}, {"001121", 65},
    {"001200", 88},  {"001201", 80}, {"001210", 78}, {"001211", 70}, {"001220", 69}, {"001221", 48},
    {"002001", 92},  {"002011", 82}, {"002021", 72}, {"002101", 79}, {"002111", 69}, {"002121", 50},
    {"002201", 69},  {"002211", 55}, {"002221", 27}, {"010000", 99}, {"010001", 97}, {"010010", 95},
    {"010011", 92},  {"010020", 92}, {"010021", 85}, {"010100", 95}, {"010101", 91}, {"010110", 90},
    {"010111", 83},  {"010120", 84}, {"010121", 71}, {"010200", 92}, {"010201", 81}, {"010210", 82},
    {"010211", 71},  {"010220", 72}, {"010221", 53}, {"011000", 95}, {"011001", 93}, {"011010", 92},
    {"011011", 85},  {"011020", 85}, {"011021", 73}, {"011100", 92}, {"011101", 82}, {"011110", 80},
    {"011111", 72},  {"011120", 70}, {"011121", 59}, {"011200", 84}, {"011201", 70}, {"011210", 71},
    {"011211", 52},  {"011220", 50}, {"011221", 30}, {"012001", 86}, {"012011", 75}, {"012021", 52},
    {"012101", 71},  {"012111", 52}, {"012121", 29}, {"012201", 63}, {"012211", 29}, {"012221", 17},
    {"100000", 98},  {"100001", 95}, {"100010", 94}, {"100011", 87}, {"100020", 91}, {"100021", 81},
    {"100100", 94},  {"100101", 89}, {"100110", 86}, {"100111", 74}, {"100120", 77}, {"100121", 64},
    {"100200", 87},  {"100201", 75}, {"100210", 74}, {"100211", 63}, {"100220", 63}, {"100221", 49},
    {"101000", 94},  {"101001", 89}, {"101010", 88}, {"101011", 77}, {"101020", 76}, {"101021", 67},
    {"101100", 86},  {"101101", 76}, {"101110", 74}, {"101111", 58}, {"101120", 59}, {"101121", 50},
    {"101200", 72},  {"101201", 57}, {"101210", 57}, {"101211", 52}, {"101220", 52}, {"101221", 25},
    {"102001", 83},  {"102011", 70}, {"102021", 54}, {"102101", 65}, {"102111", 58}, {"102121", 26},
    {"102201", 53},  {"102211", 21}, {"102221", 13}, {"110000", 95}, {"110001", 90}, {"110010", 88},
    {"110011", 76},  {"110020", 76}, {"110021", 70}, {"110100", 90}, {"110101", 77}, {"110110", 75},
    {"110111", 62},  {"110120", 61}, {"110121", 53}, {"110200", 77}, {"110201", 66}, {"110210", 68},
    {"110211", 59},  {"110220", 52}, {"110221", 30}, {"111000", 89}, {"111001", 78}, {"111010", 76},
    {"111011", 67},  {"111020", 62}, {"111021", 58}, {"111100", 74}, {"111101", 59}, {"111110", 57},
    {"111111", 57},  {"111120", 47}, {"111121", 23}, {"111200", 61}, {"111201", 52}, {"111210", 57},
    {"111211", 29},  {"111220", 24}, {"111221", 16}, {"112001", 71}, {"112011", 59}, {"112021", 30},
    {"112101", 58},  {"112111", 26}, {"112121", 15}, {"112201", 23}, {"112211", 13}, {"112221", 6},
    {"200000", 93},  {"200001", 87}, {"200010", 86}, {"200011", 72}, {"200020", 75}, {"200021", 58},
    {"200100", 86},  {"200101", 74}, {"200110", 74}, {"200111", 61}, {"200120", 56}, {"200121", 34},
    {"200200", 70},  {"200201", 54}, {"200210", 52}, {"200211", 40}, {"200220", 40}, {"200221", 22},
    {"201000", 85},  {"201001", 75}, {"201010", 74}, {"201011", 55}, {"201020", 62}, {"201021", 51},
    {"201100", 72},  {"201101", 57}, {"201110", 55}, {"201111", 41}, {"201120", 46}, {"201121", 19},
    {"201200", 53},  {"201201", 36}, {"201210", 34}, {"201211", 19}, {"201220", 19}, {"201221", 8},
    {"202001", 64},  {"202011", 51}, {"202021", 20}, {"202101", 47}, {"202111", 21}, {"202121", 11},
    {"202201", 24},  {"202211", 9},  {"202221", 4},  {"210000", 88}, {"210001", 75}, {"210010", 73},
    {"210011", 53},  {"210020", 60}, {"210021", 50}, {"210100", 73}, {"210101", 55}, {"210110", 59},
    {"210111", 40},  {"210120", 41}, {"210121", 20}, {"210200", 54}, {"210201", 43}, {"210210", 45},
    {"210211", 22},  {"210220", 20}, {"210221", 11}, {"211000", 75}, {"211001", 55}, {"211010", 58},
    {"211011", 45},  {"211020", 40}, {"211021", 21}, {"211100", 61}, {"211101", 51}, {"211110", 48},
    {"211111", 18},  {"211120", 20}, {"211121", 9},  {"211200", 46}, {"211201", 18}, {"211210", 17},
    {"211211", 7},   {"211220", 8},  {"211221", 2},  {"212001", 53}, {"212011", 24}, {"212021", 14},
    {"212101", 24},  {"212111", 12}, {"212121", 5},  {"212201", 10}, {"212211", 3},  {"212221", 1},
};

// Index of a macrovector (eq1 0-2, eq2 0-1, eq3 0-2, eq4 0-2, eq5 0-2, eq6 0-1) in a dense array.
constexpr int macroIndex(const std::array<int, 6>& eq) {
  return ((((eq[0] * 2 + eq[1]) * 3 + eq[2]) * 3 + eq[3]) * 3 + eq[4]) * 2 + eq[5];
}

const std::array<int, 324>& denseLookup() {
  static const std::array<int, 324> table = [] {
    std::array<int, 324> t{};
    t.fill(-1);
    for (const auto& e : kLookup) {
      std::array<int, 6> eq{};
      for (int i = 0; i < 6; ++i)
        eq[static_cast<std::size_t>(i)] = e.macro[static_cast<std::size_t>(i)] - '0';
      t[static_cast<std::size_t>(macroIndex(eq))] = e.tenths;
    }
    return t;
  }();
  return table;
}

// The score of a macrovector, or nullopt when that combination does not exist.
std::optional<double> lookup(const std::array<int, 6>& eq) {
  if (eq[0] > 2 || eq[1] > 1 || eq[2] > 2 || eq[3] > 2 || eq[4] > 2 || eq[5] > 1)
    return std::nullopt;
  int t = denseLookup()[static_cast<std::size_t>(macroIndex(eq))];
  if (t < 0) return std::nullopt;
  return t / 10.0;
}

// The highest-severity vectors of each equivalence-class level (the FIRST calculator's
// max_composed): the scoring interpolates from the one the vector is "below".
const std::vector<std::string_view>& maxEq1(int level) {
  static const std::vector<std::string_view> l[3] = {
      {"AV:N/PR:N/UI:N"},
      {"AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"},
      {"AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"}};
  return l[level];
}
const std::vector<std::string_view>& maxEq2(int level) {
  static const std::vector<std::string_view> l[2] = {{"AC:L/AT:N"}, {"AC:H/AT:N", "AC:L/AT:P"}};
  return l[level];
}
const std::vector<std::string_view>& maxEq3Eq6(int eq3, int eq6) {
  static const std::vector<std::string_view> empty;
  static const std::vector<std::string_view> l00 = {"VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"};
  static const std::vector<std::string_view> l01 = {"VC:H/VI:H/VA:L/CR:M/IR:M/AR:H",
                                                    "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M"};
  static const std::vector<std::string_view> l10 = {"VC:L/VI:H/VA:H/CR:H/IR:H/AR:H",
                                                    "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"};
  static const std::vector<std::string_view> l11 = {
      "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M",
      "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M", "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H",
      "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M"};
  static const std::vector<std::string_view> l21 = {"VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"};
  if (eq3 == 0) return eq6 == 0 ? l00 : l01;
  if (eq3 == 1) return eq6 == 0 ? l10 : l11;
  return eq6 == 1 ? l21 : empty;
}
const std::vector<std::string_view>& maxEq4(int level) {
  static const std::vector<std::string_view> l[3] = {
      {"SC:H/SI:S/SA:S"}, {"SC:H/SI:H/SA:H"}, {"SC:L/SI:L/SA:L"}};
  return l[level];
}

// Maximal severity distances within each level (+1), in steps of 0.1 (max_severity).
double maxSeverityEq1(int l) { return std::array{1, 4, 5}[static_cast<std::size_t>(l)] * 0.1; }
double maxSeverityEq2(int l) { return std::array{1, 2}[static_cast<std::size_t>(l)] * 0.1; }
double maxSeverityEq3Eq6(int eq3, int eq6) {
  if (eq3 == 0) return (eq6 == 0 ? 7 : 6) * 0.1;
  if (eq3 == 1) return 8 * 0.1;
  return 10 * 0.1;
}
double maxSeverityEq4(int l) { return std::array{6, 5, 4}[static_cast<std::size_t>(l)] * 0.1; }

// Severity level of a metric value, for distances (0.1 per step, most severe lowest).
double level(std::string_view metric, std::string_view v) {
  if (metric == "AV") return v == "N" ? 0.0 : v == "A" ? 0.1 : v == "L" ? 0.2 : 0.3;
  if (metric == "PR") return v == "N" ? 0.0 : v == "L" ? 0.1 : 0.2;
  if (metric == "UI") return v == "N" ? 0.0 : v == "P" ? 0.1 : 0.2;
  if (metric == "AC") return v == "L" ? 0.0 : 0.1;
  if (metric == "AT") return v == "N" ? 0.0 : 0.1;
  if (metric == "VC" || metric == "VI" || metric == "VA")
    return v == "H" ? 0.0 : v == "L" ? 0.1 : 0.2;
  if (metric == "SC" || metric == "SI" || metric == "SA")
    return v == "S" ? 0.0 : v == "H" ? 0.1 : v == "L" ? 0.2 : 0.3;
  // CR, IR, AR
  return v == "H" ? 0.0 : v == "M" ? 0.1 : 0.2;
}

// Metric values as the score sees them: modified metrics replace base ones, X takes its default.
struct Effective {
  std::map<std::string, std::string, std::less<>> v;
  const std::string& operator[](std::string_view k) const { return v.find(k)->second; }
};

Effective effective(const Metrics& m) {
  Effective e;
  auto value = [&](const char* k) -> std::string {
    auto it = m.find(k);
    return it == m.end() ? "X" : it->second;
  };
  for (const char* k : {"AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"}) {
    std::string mod = value((std::string("M") + k).c_str());
    e.v[k] = mod != "X" ? mod : m.find(k)->second;
  }
  std::string ex = value("E");
  e.v["E"] = ex == "X" ? "A" : ex;
  for (const char* k : {"CR", "IR", "AR"}) {
    std::string r = value(k);
    e.v[k] = r == "X" ? "H" : r;
  }
  return e;
}

double v4Score(const Metrics& m) {
  Effective e = effective(m);
  // No impact on either system: 0.0 whatever else the vector says.
  bool none = true;
  for (const char* k : {"VC", "VI", "VA", "SC", "SI", "SA"}) none = none && e[k] == "N";
  if (none) return 0.0;

  // Equivalence classes (Table 24 of the specification).
  int eq1;
  if (e["AV"] == "N" && e["PR"] == "N" && e["UI"] == "N") {
    eq1 = 0;
  } else if ((e["AV"] == "N" || e["PR"] == "N" || e["UI"] == "N") && e["AV"] != "P") {
    eq1 = 1;
  } else {
    eq1 = 2;
  }
  int eq2 = (e["AC"] == "L" && e["AT"] == "N") ? 0 : 1;
  int eq3;
  if (e["VC"] == "H" && e["VI"] == "H") {
    eq3 = 0;
  } else if (e["VC"] == "H" || e["VI"] == "H" || e["VA"] == "H") {
    eq3 = 1;
  } else {
    eq3 = 2;
  }
  int eq4;
  if (e["SI"] == "S" || e["SA"] == "S") {
    eq4 = 0;
  } else if (e["SC"] == "H" || e["SI"] == "H" || e["SA"] == "H") {
    eq4 = 1;
  } else {
    eq4 = 2;
  }
  int eq5 = e["E"] == "A" ? 0 : e["E"] == "P" ? 1 : 2;
  int eq6 = ((e["CR"] == "H" && e["VC"] == "H") || (e["IR"] == "H" && e["VI"] == "H") ||
             (e["AR"] == "H" && e["VA"] == "H"))
                ? 0
                : 1;
  std::array<int, 6> mv{eq1, eq2, eq3, eq4, eq5, eq6};
  auto base = lookup(mv);
  TOLLGATE_CHECK(base.has_value(), "every reachable macrovector is in the table");
  double value = *base;

  // Scores of the next lower macrovector in each class (nullopt where there is none).
  auto with = [&](int idx, int delta) {
    auto x = mv;
    x[static_cast<std::size_t>(idx)] += delta;
    return lookup(x);
  };
  auto lowerEq1 = with(0, 1);
  auto lowerEq2 = with(1, 1);
  auto lowerEq4 = with(3, 1);
  auto lowerEq5 = with(4, 1);
  std::optional<double> lowerEq3Eq6;
  if (eq3 == 0 && eq6 == 0) {
    // Two ways down: the higher of the two is the next lower.
    auto left = with(5, 1);
    auto right = with(2, 1);
    if (left && right) {
      lowerEq3Eq6 = std::max(*left, *right);
    } else {
      lowerEq3Eq6 = left ? left : right;
    }
  } else if (eq3 == 1 && eq6 == 0) {
    lowerEq3Eq6 = with(5, 1);
  } else if (eq6 == 1 && eq3 < 2) {
    lowerEq3Eq6 = with(2, 1);
  } else {
    auto x = mv;
    x[2] += 1;
    x[5] += 1;
    lowerEq3Eq6 = lookup(x);
  }

  // The first highest-severity vector of this macrovector that the vector is at or below in
  // every metric; distances are measured from it.
  std::vector<std::string> maxVectors;
  for (auto a : maxEq1(eq1))
    for (auto b : maxEq2(eq2))
      for (auto c : maxEq3Eq6(eq3, eq6))
        for (auto d : maxEq4(eq4))
          maxVectors.push_back(std::string(a) + "/" + std::string(b) + "/" + std::string(c) + "/" +
                               std::string(d));
  std::map<std::string, double> dist;
  bool found = false;
  for (const auto& mvec : maxVectors) {
    dist.clear();
    bool ok = true;
    for (auto part : split(mvec, '/')) {
      auto key = part.substr(0, part.find(':'));
      auto val = part.substr(part.find(':') + 1);
      double d = level(key, e[key]) - level(key, val);
      dist[std::string(key)] = d;
      if (d < -1e-9) ok = false;
    }
    if (ok) {
      found = true;
      break;
    }
  }
  TOLLGATE_CHECK(found, "some highest-severity vector bounds every vector of its macrovector");

  double dEq1 = dist["AV"] + dist["PR"] + dist["UI"];
  double dEq2 = dist["AC"] + dist["AT"];
  double dEq3Eq6 = dist["VC"] + dist["VI"] + dist["VA"] + dist["CR"] + dist["IR"] + dist["AR"];
  double dEq4 = dist["SC"] + dist["SI"] + dist["SA"];

  int n = 0;
  double sum = 0.0;
  auto add = [&](const std::optional<double>& lower, double distance, double maxSeverity) {
    if (!lower) return;
    ++n;
    double available = value - *lower;
    sum += maxSeverity > 0.0 ? available * (distance / maxSeverity) : 0.0;
  };
  add(lowerEq1, dEq1, maxSeverityEq1(eq1));
  add(lowerEq2, dEq2, maxSeverityEq2(eq2));
  add(lowerEq3Eq6, dEq3Eq6, maxSeverityEq3Eq6(eq3, eq6));
  add(lowerEq4, dEq4, maxSeverityEq4(eq4));
  add(lowerEq5, 0.0, 0.1);  // EQ5 has one value per level: no distance within it
  if (n > 0) value -= sum / n;
  value = std::clamp(value, 0.0, 10.0);
  // One decimal, half up; the epsilon absorbs floating-point noise (x.x4999999).
  return std::floor((value + 1e-6) * 10.0 + 0.5) / 10.0;
}

}  // namespace

Rating ratingFor(double s) {
  if (s <= 0.0) return Rating::kNone;
  if (s < 4.0) return Rating::kLow;
  if (s < 7.0) return Rating::kMedium;
  if (s < 9.0) return Rating::kHigh;
  return Rating::kCritical;
}

std::string_view toString(Rating r) {
  switch (r) {
    case Rating::kNone:
      return "none";
    case Rating::kLow:
      return "low";
    case Rating::kMedium:
      return "medium";
    case Rating::kHigh:
      return "high";
    case Rating::kCritical:
      return "critical";
  }
  return "none";
}

std::string_view toString(Version v) {
  switch (v) {
    case Version::kV3_0:
      return "3.0";
    case Version::kV3_1:
      return "3.1";
    case Version::kV4_0:
      return "4.0";
  }
  return "3.1";
}

Result<Score> score(std::string_view vector) {
  vector = trim(vector);
  if (vector.size() > 512)
    return fail(ErrorCode::kInvalidInput, "CVSS vector longer than 512 bytes");
  Score s;
  Result<Metrics> m;
  if (startsWith(vector, "CVSS:3.1/") || startsWith(vector, "CVSS:3.0/")) {
    s.version = startsWith(vector, "CVSS:3.1/") ? Version::kV3_1 : Version::kV3_0;
    m = parseMetrics(vector, "CVSS:3.x/", v3Defs());
    if (!m) return std::unexpected(m.error().within("CVSS " + std::string(toString(s.version))));
    s.value = v3Base(*m, s.version);
  } else if (startsWith(vector, "CVSS:4.0/")) {
    s.version = Version::kV4_0;
    m = parseMetrics(vector, "CVSS:4.0/", v4Defs());
    if (!m) return std::unexpected(m.error().within("CVSS 4.0"));
    s.value = v4Score(*m);
  } else if (startsWith(vector, "CVSS:")) {
    return fail(
        ErrorCode::kUnsupported,
        "unsupported CVSS version '" + printable(vector.substr(0, vector.find('/')), 20) + "'");
  } else {
    return fail(ErrorCode::kUnsupported,
                "not a CVSS v3/v4 vector (no CVSS:3.x/ or CVSS:4.0/ prefix; v2 is not scored)");
  }
  s.rating = ratingFor(s.value);
  return s;
}

}  // namespace tollgate::cvss
