// osv-scalibr's version-ordering vectors (../shared/data/osv/version-vectors, from
// google/osv-scalibr semantic/testdata; the *-generated.txt files were produced by each
// ecosystem's own tool: apk, dpkg, maven-artifact, packaging, Gem::Version, ...).
//
// Every line "A OP B" (OP one of < = >) of a file for an implemented ecosystem must hold both
// ways: compare(A, B) == OP and compare(B, A) == -OP. Lines starting with "# " or "// " are
// comments, as in scalibr's own runner. Files for ecosystems without a scheme here are counted
// as skipped (and, for information only, run through kGeneric).
//
// A few vectors are known to disagree on purpose; each is listed with its reason in
// tests/data/versions/known-disagreements.tsv, and the test fails if one of them starts to agree
// (the list would be stale) or if any other disagrees.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tollgate/versions/versions.h"

namespace {

namespace fs = std::filesystem;
using tollgate::versions::Scheme;

const fs::path kDir = fs::path(TOLLGATE_SHARED_DATA) / "osv" / "version-vectors";

struct Vector {
  int line = 0;
  std::string a;
  int expected = 0;
  std::string b;
  std::string text;
};

std::vector<Vector> readVectors(const fs::path& file) {
  std::vector<Vector> out;
  std::ifstream in(file);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line.starts_with("# ") || line.starts_with("// ")) continue;
    std::istringstream words(line);
    Vector v;
    std::string op;
    std::string extra;
    if (!(words >> v.a >> op >> v.b) || (words >> extra) || (op != "<" && op != "=" && op != ">")) {
      ADD_FAILURE() << file.filename() << ":" << n << ": malformed vector line: " << line;
      continue;
    }
    v.line = n;
    v.expected = op == "<" ? -1 : (op == "=" ? 0 : 1);
    v.text = line;
    out.push_back(std::move(v));
  }
  return out;
}

// Vectors that disagree by design: tests/data/versions/known-disagreements.tsv (scheme, line,
// reason; the file explains each reason).
struct KnownDisagreement {
  Scheme scheme;
  std::string line;
  std::string reason;
};

const std::vector<KnownDisagreement>& knownDisagreements() {
  static const std::vector<KnownDisagreement> kKnown = [] {
    std::vector<KnownDisagreement> out;
    std::ifstream in(fs::path(TOLLGATE_TEST_DATA) / "versions" / "known-disagreements.tsv");
    std::string row;
    while (std::getline(in, row)) {
      if (row.empty() || row.front() == '#') continue;
      const auto t1 = row.find('\t');
      const auto t2 = row.find('\t', t1 + 1);
      const auto scheme = tollgate::versions::schemeFromName(row.substr(0, t1));
      if (t1 == std::string::npos || t2 == std::string::npos || !scheme) {
        ADD_FAILURE() << "bad known-disagreements.tsv row: " << row;
        continue;
      }
      out.push_back({*scheme, row.substr(t1 + 1, t2 - t1 - 1), row.substr(t2 + 1)});
    }
    return out;
  }();
  return kKnown;
}

const KnownDisagreement* findKnown(Scheme scheme, const std::string& line) {
  for (const auto& k : knownDisagreements())
    if (k.scheme == scheme && line == k.line) return &k;
  return nullptr;
}

// Which scheme(s) check which file, by the file's ecosystem prefix; empty = not implemented.
std::vector<Scheme> schemesFor(const std::string& prefix) {
  static const std::map<std::string, std::vector<Scheme>> kMap = {
      {"alpine", {Scheme::kApk}},
      {"debian", {Scheme::kDpkg}},
      {"maven", {Scheme::kMaven}},
      {"pypi", {Scheme::kPep440}},
      {"redhat", {Scheme::kRpm}},
      {"rubygems", {Scheme::kRubyGems}},
      // scalibr runs the semver file for npm, crates.io, Go and Hex.
      {"semver", {Scheme::kSemver, Scheme::kGo}},
  };
  const auto it = kMap.find(prefix);
  return it == kMap.end() ? std::vector<Scheme>{} : it->second;
}

std::vector<std::string> vectorFiles() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kDir, ec))
    if (e.path().extension() == ".txt") files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  return files;
}

std::string prefixOf(const std::string& file) { return file.substr(0, file.find('-')); }

// The outcome of one vector under one scheme: agrees, or a description of the disagreement.
std::string check(Scheme scheme, const Vector& v) {
  const auto ab = tollgate::versions::compare(scheme, v.a, v.b);
  const auto ba = tollgate::versions::compare(scheme, v.b, v.a);
  if (!ab) return "error: " + ab.error().describe();
  if (!ba) return "error: " + ba.error().describe();
  if (*ab == v.expected && *ba == -v.expected) return {};
  return "compare(a, b) = " + std::to_string(*ab) + ", compare(b, a) = " + std::to_string(*ba);
}

struct Outcome {
  int agreed = 0;
  int known = 0;                   // listed in kKnown and still disagreeing
  std::vector<std::string> stale;  // listed in kKnown but agreeing now
  std::vector<std::string> disagreements;
};

Outcome run(Scheme scheme, const std::string& file, const std::vector<Vector>& vectors) {
  Outcome o;
  for (const auto& v : vectors) {
    const std::string outcome = check(scheme, v);
    const std::string where = file + ":" + std::to_string(v.line) + " \"" + v.text + "\" under " +
                              std::string(tollgate::versions::schemeName(scheme));
    if (findKnown(scheme, v.text) != nullptr) {
      if (outcome.empty()) {
        o.stale.push_back(where);
      } else {
        ++o.known;
      }
    } else if (outcome.empty()) {
      ++o.agreed;
    } else {
      o.disagreements.push_back(where + ": " + outcome);
    }
  }
  return o;
}

class VectorFile : public ::testing::TestWithParam<std::string> {};

TEST_P(VectorFile, EveryVectorAgrees) {
  const std::string file = GetParam();
  const auto vectors = readVectors(kDir / file);
  ASSERT_FALSE(vectors.empty()) << file;
  const auto schemes = schemesFor(prefixOf(file));
  if (schemes.empty()) {
    const Outcome generic = run(Scheme::kGeneric, file, vectors);
    std::printf(
        "%-36s skipped: %zu vectors (no scheme for this ecosystem; kGeneric, for "
        "information only, agrees with %d)\n",
        file.c_str(), vectors.size(), generic.agreed);
    return;
  }
  for (const Scheme scheme : schemes) {
    const Outcome o = run(scheme, file, vectors);
    for (std::size_t i = 0; i < o.disagreements.size() && i < 200; ++i)
      ADD_FAILURE() << o.disagreements[i];
    for (const auto& s : o.stale) ADD_FAILURE() << s << " agrees now; remove it from kKnown";
    EXPECT_EQ(o.disagreements.size(), 0U) << file;
    std::printf("%-36s %-8s %5d of %5zu agree, %d known disagreements, %zu other\n", file.c_str(),
                std::string(tollgate::versions::schemeName(scheme)).c_str(), o.agreed,
                vectors.size(), o.known, o.disagreements.size());
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, VectorFile, ::testing::ValuesIn(vectorFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.rfind('.'));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(VectorFiles, AllNineteenArePresent) { EXPECT_EQ(vectorFiles().size(), 19U); }

TEST(VectorFiles, KnownDisagreementsAreListed) { EXPECT_GT(knownDisagreements().size(), 0U); }

// The tally over every file (each test may run in its own process under ctest).
TEST(VectorFiles, Totals) {
  int agreed = 0;
  int known = 0;
  int disagreements = 0;
  std::size_t skipped = 0;
  for (const auto& file : vectorFiles()) {
    const auto vectors = readVectors(kDir / file);
    const auto schemes = schemesFor(prefixOf(file));
    if (schemes.empty()) skipped += vectors.size();
    for (const Scheme scheme : schemes) {
      const Outcome o = run(scheme, file, vectors);
      agreed += o.agreed;
      known += o.known;
      disagreements += static_cast<int>(o.disagreements.size());
    }
  }
  std::printf(
      "version vectors: %d checks agree, %d known disagreements, %d other "
      "disagreements, %zu vectors skipped (ecosystems not implemented)\n",
      agreed, known, disagreements, skipped);
  EXPECT_EQ(disagreements, 0);
}

}  // namespace
