// SPDX licence expressions from the licence strings found in package metadata.
//
// Strategy, in order:
//   1. the whole text as one licence alias ("Apache License, Version 2.0", "GNU General Public
//      License v3 or later"): aliases may contain words that are operators elsewhere;
//   2. the text as an expression: AND / OR / WITH in any case, parentheses, Debian's ", and" and
//      ", or" (which bind weaker than and/or, DEP-5), each term resolved on its own (exact SPDX id,
//      id in another case, deprecated GNU id, trailing "+", Debian DEP-5 short name, alias);
//   3. otherwise the trimmed text becomes License{.name}.
// A term that cannot be resolved makes the whole text a name: a partial expression would claim
// more than we know. Ambiguous names ("BSD", "GPL", "Apache Software License") stay names.
#include "tollgate/sbom/license.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "spdx_tables.inc"
#include "tollgate/util/strings.h"

namespace tollgate::sbom {
namespace {

using spdx::LowerEntry;

constexpr bool lowerSorted(std::span<const LowerEntry> t) {
  for (std::size_t i = 1; i < t.size(); ++i)
    if (!(t[i - 1].lower < t[i].lower)) return false;
  return true;
}
constexpr bool exactSorted(std::span<const std::string_view> t) {
  for (std::size_t i = 1; i < t.size(); ++i)
    if (!(t[i - 1] < t[i])) return false;
  return true;
}
static_assert(exactSorted(spdx::kLicenseIds) && exactSorted(spdx::kDeprecatedIds) &&
                  exactSorted(spdx::kExceptionIds),
              "gen_spdx_tables.cmake must emit ids in byte order");
static_assert(lowerSorted(spdx::kLicenseIdsLower) && lowerSorted(spdx::kDeprecatedIdsLower) &&
                  lowerSorted(spdx::kExceptionIdsLower),
              "gen_spdx_tables.cmake must emit lower-case ids in byte order");

bool contains(std::span<const std::string_view> table, std::string_view id) {
  return std::binary_search(table.begin(), table.end(), id);
}

std::optional<std::string_view> findLower(std::span<const LowerEntry> table,
                                          std::string_view lower) {
  auto it = std::lower_bound(table.begin(), table.end(), lower,
                             [](const LowerEntry& e, std::string_view k) { return e.lower < k; });
  if (it != table.end() && it->lower == lower) return it->id;
  return std::nullopt;
}

// The GNU licences whose unsuffixed SPDX ids are deprecated in favour of -only / -or-later.
bool isGnuFamily(std::string_view id) {
  for (std::string_view p : {"GPL-", "LGPL-", "AGPL-", "GFDL-"})
    if (id.starts_with(p)) return true;
  return false;
}

// Deprecated "GPL-2.0" and friends: the SPDX replacement meaning the same.
std::optional<std::string> replaceDeprecatedGnu(std::string_view id, bool orLater) {
  if (!isGnuFamily(id) || id.find("-with-") != std::string_view::npos) return std::nullopt;
  if (id.ends_with("-only") || id.ends_with("-or-later")) return std::nullopt;
  std::string out = std::string(id) + (orLater ? "-or-later" : "-only");
  if (contains(spdx::kLicenseIds, out)) return out;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Expression tree

struct Node {
  enum class Kind { kLeaf, kAnd, kOr };
  Kind kind = Kind::kLeaf;
  std::string text;  // leaf: "MIT", "Apache-2.0+", "GPL-2.0-or-later WITH Classpath-exception-2.0"
  bool simple = false;  // leaf without WITH: an exception may still be attached
  std::vector<Node> kids;
};

Node leaf(std::string text) { return Node{Node::Kind::kLeaf, std::move(text), true, {}}; }

Node combine(Node::Kind kind, Node a, Node b) {
  Node n{kind, {}, false, {}};
  for (Node* x : {&a, &b}) {
    if (x->kind == kind)
      std::move(x->kids.begin(), x->kids.end(), std::back_inserter(n.kids));
    else
      n.kids.push_back(std::move(*x));
  }
  return n;
}

void render(const Node& n, std::string& out) {
  if (n.kind == Node::Kind::kLeaf) {
    out += n.text;
    return;
  }
  const char* op = n.kind == Node::Kind::kAnd ? " AND " : " OR ";
  bool first = true;
  for (const Node& k : n.kids) {
    if (!first) out += op;
    first = false;
    // AND binds tighter than OR: only an OR inside an AND needs parentheses.
    bool paren = n.kind == Node::Kind::kAnd && k.kind == Node::Kind::kOr;
    if (paren) out += '(';
    render(k, out);
    if (paren) out += ')';
  }
}

// ---------------------------------------------------------------------------------------------
// Aliases

// The words of a licence name, lower-cased, without filler words and without the "v" before a
// version: "The Apache License, Version 2.0" -> {"apache", "2.0"}. Only letters, digits, white
// space and . + - , / _ may occur, and the text must start and end with a letter, digit or "+":
// anything else ("(MIT", "MIT,") is not a plain name.
std::vector<std::string> nameWords(std::string_view text) {
  std::vector<std::string> out;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (text.empty() || !(alnum(text.front()) || text.front() == '+') ||
      !(alnum(text.back()) || text.back() == '+'))
    return out;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    static constexpr std::array<std::string_view, 7> kFiller = {
        "the", "license", "licence", "licensed", "version", "ver", "v"};
    if (std::find(kFiller.begin(), kFiller.end(), word) == kFiller.end()) {
      if (word.size() > 1 && word[0] == 'v' && word[1] >= '0' && word[1] <= '9') word.erase(0, 1);
      out.push_back(std::move(word));
    }
    word.clear();
  };
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (alnum(c) || c == '.' || c == '+') {
      word += c;
    } else if (c == ' ' || c == '\t' || c == '-' || c == ',' || c == '/' || c == '_') {
      flush();
    } else {
      return {};
    }
  }
  flush();
  return out;
}

std::string join(const std::vector<std::string>& words, std::string_view sep) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += sep;
    out += w;
  }
  return out;
}

// "GPL v3 or later" and friends as one word list key: "gpl3orlater".
std::string squash(std::string_view text) { return join(nameWords(text), ""); }

struct Alias {
  std::string_view key;         // squash()ed
  std::string_view expression;  // canonical SPDX expression
};

// Debian DEP-5 short names that are not SPDX ids, and common npm / Python / free-text spellings.
// Only names that mean exactly one licence are here.
constexpr Alias kAliases[] = {
    {"expat", "MIT"},
    {"mit", "MIT"},
    {"mitexpat", "MIT"},
    {"apache2", "Apache-2.0"},
    {"apache2.0", "Apache-2.0"},
    {"apachesoftware2.0", "Apache-2.0"},
    {"asl2", "Apache-2.0"},
    {"asl2.0", "Apache-2.0"},
    {"apache1.1", "Apache-1.1"},
    {"apache1.0", "Apache-1.0"},
    {"bsd2clause", "BSD-2-Clause"},
    {"2clausebsd", "BSD-2-Clause"},
    {"simplifiedbsd", "BSD-2-Clause"},
    {"bsd3clause", "BSD-3-Clause"},
    {"3clausebsd", "BSD-3-Clause"},
    {"newbsd", "BSD-3-Clause"},
    {"bsdnew", "BSD-3-Clause"},
    {"modifiedbsd", "BSD-3-Clause"},
    {"revisedbsd", "BSD-3-Clause"},
    {"bsd4clause", "BSD-4-Clause"},
    {"4clausebsd", "BSD-4-Clause"},
    {"originalbsd", "BSD-4-Clause"},
    {"iscl", "ISC"},
    {"mpl2", "MPL-2.0"},
    {"mozillapublic2.0", "MPL-2.0"},
    {"mpl1.1", "MPL-1.1"},
    {"mozillapublic1.1", "MPL-1.1"},
    {"zliblibpng", "Zlib"},
    {"cc0", "CC0-1.0"},
    {"cc01.0universal", "CC0-1.0"},
    {"psf", "PSF-2.0"},
    {"psf2", "PSF-2.0"},
    {"pythonsoftwarefoundation", "PSF-2.0"},
    {"boostsoftware1.0", "BSL-1.0"},
    {"boost1.0", "BSL-1.0"},
    {"eclipsepublic1.0", "EPL-1.0"},
    {"eclipsepublic2.0", "EPL-2.0"},
    {"epl2", "EPL-2.0"},
    // Debian: /usr/share/common-licenses/Artistic is Perl's Artistic licence; "Perl" is DEP-5's
    // "same terms as Perl itself".
    {"artistic", "Artistic-1.0-Perl"},
    {"artistic2", "Artistic-2.0"},
    {"perl", "Artistic-1.0-Perl OR GPL-1.0-or-later"},
    {"gfdlniv1.1", "GFDL-1.1-no-invariants-only"},
    {"gfdlniv1.2", "GFDL-1.2-no-invariants-only"},
    {"gfdlniv1.3", "GFDL-1.3-no-invariants-only"},
    {"gfdlniv1.1+", "GFDL-1.1-no-invariants-or-later"},
    {"gfdlniv1.2+", "GFDL-1.2-no-invariants-or-later"},
    {"gfdlniv1.3+", "GFDL-1.3-no-invariants-or-later"},
};

// GNU licences written any of the usual ways ("GPLv3", "LGPL-2.1+", "GNU General Public License
// v2 or later"), given squash()ed text. The version is required: "GPL" alone is ambiguous.
std::optional<std::string> gnuAlias(std::string_view s) {
  if (s.starts_with("gnu")) s.remove_prefix(3);
  struct Family {
    std::string_view prefix;
    std::string_view id;
  };
  static constexpr Family kFamilies[] = {
      {"generalpublic", "GPL"},
      {"gpl", "GPL"},
      {"lessergeneralpublic", "LGPL"},
      {"librarygeneralpublic", "LGPL"},
      {"lgpl", "LGPL"},
      {"afferogeneralpublic", "AGPL"},
      {"agpl", "AGPL"},
      {"freedocumentation", "GFDL"},
      {"gfdl", "GFDL"},
      {"fdl", "GFDL"},
  };
  std::string_view family;
  for (const auto& f : kFamilies) {
    if (s.starts_with(f.prefix)) {
      family = f.id;
      s.remove_prefix(f.prefix.size());
      break;
    }
  }
  if (family.empty()) return std::nullopt;
  if (s.starts_with("v")) s.remove_prefix(1);
  std::size_t n = 0;
  while (n < s.size() && ((s[n] >= '0' && s[n] <= '9') || s[n] == '.')) ++n;
  std::string version(s.substr(0, n));
  s.remove_prefix(n);
  if (version.empty() || version.front() == '.' || version.back() == '.') return std::nullopt;
  if (version.find('.') == std::string::npos) version += ".0";
  std::string_view suffix;
  if (s.empty() || s == "only") {
    suffix = "-only";
  } else if (s == "+" || s == "orlater" || s == "oranylater" || s == "+orlater") {
    suffix = "-or-later";
  } else {
    return std::nullopt;
  }
  std::string id = std::string(family) + "-" + version + std::string(suffix);
  if (contains(spdx::kLicenseIds, id)) return id;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Terms

std::optional<Node> parseExpression(std::string_view text, bool allowAliases);

std::optional<Node> resolveTerm(std::string_view raw, bool allowAliases);

std::optional<Node> aliasNode(std::string_view text) {
  std::vector<std::string> words = nameWords(text);
  if (words.empty()) return std::nullopt;
  std::string key = join(words, "");
  if (auto g = gnuAlias(key)) return leaf(*g);
  for (const Alias& a : kAliases)
    if (a.key == key) return parseExpression(a.expression, false);
  // "ISC License", "MPL 2.0", "BSD-2-Clause License": an SPDX id once the filler is gone.
  std::string dashed = join(words, "-");
  if (dashed != text) return resolveTerm(dashed, false);
  return std::nullopt;
}

bool isIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-';
}

bool isIdString(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), isIdChar);
}

// "LicenseRef-x" or "DocumentRef-y:LicenseRef-x", prefixes in the SPDX spelling.
std::optional<std::string> licenseRef(std::string_view t) {
  std::string lower = toLower(t);
  std::string out;
  if (lower.starts_with("documentref-")) {
    auto colon = t.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view doc = t.substr(12, colon - 12);
    if (!isIdString(doc)) return std::nullopt;
    out = "DocumentRef-" + std::string(doc) + ":";
    t.remove_prefix(colon + 1);
    lower = toLower(t);
  }
  if (!lower.starts_with("licenseref-")) return std::nullopt;
  std::string_view id = t.substr(11);
  if (!isIdString(id)) return std::nullopt;
  return out + "LicenseRef-" + std::string(id);
}

// A single licence: "MIT", "mit", "GPL-2+", "Apache 2.0", "LicenseRef-foo".
std::optional<Node> resolveTerm(std::string_view raw, bool allowAliases) {
  std::string_view t = trim(raw);
  if (t.empty()) return std::nullopt;
  if (auto ref = licenseRef(t)) return leaf(*ref);

  bool plus = false;
  std::string_view base = t;
  if (base.ends_with('+')) {
    plus = true;
    base = trim(base.substr(0, base.size() - 1));
  }
  if (isIdString(base)) {
    std::string lower = toLower(base);
    std::optional<std::string_view> id = findLower(spdx::kLicenseIdsLower, lower);
    if (!id) id = findLower(spdx::kDeprecatedIdsLower, lower);
    // Debian's "GPL-2", "Apache-2", "MPL-2": SPDX spells the version "2.0".
    std::string dotted;
    if (!id && !lower.empty() && lower.back() >= '0' && lower.back() <= '9') {
      auto dash = lower.rfind('-');
      if (dash != std::string::npos &&
          lower.find_first_not_of("0123456789", dash + 1) == std::string::npos) {
        dotted = lower + ".0";
        id = findLower(spdx::kLicenseIdsLower, dotted);
        if (!id) id = findLower(spdx::kDeprecatedIdsLower, dotted);
      }
    }
    if (id) {
      std::string s(*id);
      if (auto repl = replaceDeprecatedGnu(s, plus)) return leaf(*repl);
      if (plus) {
        if (s.ends_with("-or-later")) return leaf(s);
        if (s.ends_with("-only") && isGnuFamily(s)) {
          std::string later = s.substr(0, s.size() - 5) + "-or-later";
          if (contains(spdx::kLicenseIds, later)) return leaf(later);
        }
        return leaf(s + "+");
      }
      return leaf(s);
    }
  }
  if (!allowAliases) return std::nullopt;
  return aliasNode(t);
}

// The SPDX exception meant by `text` ("GCC-Runtime-Library exception", "Classpath-exception-2.0",
// "OpenSSL") for the licence `license`.
std::optional<std::string> resolveException(std::string_view text, std::string_view license) {
  std::string lower = toLower(trim(text));
  if (lower.empty()) return std::nullopt;
  if (auto id = findLower(spdx::kExceptionIdsLower, lower)) return std::string(*id);
  // Debian: "with Foo exception"; the word "exception" is not part of the name.
  std::string base = lower;
  if (base.ends_with(" exception")) base.resize(base.size() - 10);
  base = std::string(trim(base));
  if (base.empty()) return std::nullopt;
  if (auto id = findLower(spdx::kExceptionIdsLower, base)) return std::string(*id);
  bool gpl3 = license.starts_with("GPL-3");
  std::string key = squash(base);
  struct Known {
    std::string_view key;
    std::string_view id;
  };
  static constexpr Known kKnown[] = {
      {"gccruntimelibrary", "GCC-exception-3.1"},
      {"gccruntimelibrary3.1", "GCC-exception-3.1"},
      {"gccruntime", "GCC-exception-3.1"},
      {"gcc3.1", "GCC-exception-3.1"},
      {"gcc2.0", "GCC-exception-2.0"},
      {"syscallnote", "Linux-syscall-note"},
      {"linuxsyscallnote", "Linux-syscall-note"},
      {"ocamllgpllinking", "OCaml-LGPL-linking-exception"},
      {"qtlgpl1.1", "Qt-LGPL-exception-1.1"},
      {"qtgpl1.0", "Qt-GPL-exception-1.0"},
      {"wxwindows", "WxWindows-exception-3.1"},
      {"wxwindows3.1", "WxWindows-exception-3.1"},
  };
  if (key == "gcc") return std::string(gpl3 ? "GCC-exception-3.1" : "GCC-exception-2.0");
  if (key == "autoconf")
    return std::string(gpl3 ? "Autoconf-exception-3.0" : "Autoconf-exception-2.0");
  for (const Known& k : kKnown)
    if (k.key == key && contains(spdx::kExceptionIds, k.id)) return std::string(k.id);
  // "Font" -> "Font-exception-2.0", "Bison" -> "Bison-exception-2.2": the one exception named so.
  std::string dashed = base;
  std::replace(dashed.begin(), dashed.end(), ' ', '-');
  std::string prefix = dashed + "-exception";
  std::optional<std::string_view> found;
  for (const LowerEntry& e : spdx::kExceptionIdsLower) {
    if (e.lower == prefix || e.lower.starts_with(prefix + "-")) {
      if (found) return std::nullopt;  // ambiguous
      found = e.id;
    }
  }
  if (found) return std::string(*found);
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Expression parser

enum class Tok { kTerm, kAnd, kOr, kWith, kOpen, kClose, kCommaAnd, kCommaOr };

struct Token {
  Tok kind;
  std::string text;  // kTerm: the words joined by single spaces
};

bool wordIs(std::string_view w, std::string_view lowerWord) {
  return w.size() == lowerWord.size() && toLower(w) == lowerWord;
}

std::vector<Token> tokenize(std::string_view s) {
  // Words split on white space; parentheses and commas are tokens of their own.
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
    } else if (c == '(' || c == ')' || c == ',') {
      words.push_back(s.substr(i, 1));
      ++i;
    } else {
      std::size_t j = i;
      while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' &&
             s[j] != '\f' && s[j] != '\v' && s[j] != '(' && s[j] != ')' && s[j] != ',')
        ++j;
      words.push_back(s.substr(i, j - i));
      i = j;
    }
  }
  std::vector<Token> out;
  auto appendWord = [&](std::string_view w) {
    if (!out.empty() && out.back().kind == Tok::kTerm) {
      out.back().text += ' ';
      out.back().text += w;
    } else {
      out.push_back(Token{Tok::kTerm, std::string(w)});
    }
  };
  for (std::size_t k = 0; k < words.size(); ++k) {
    std::string_view w = words[k];
    auto next = [&](std::size_t d) -> std::string_view {
      return k + d < words.size() ? words[k + d] : std::string_view{};
    };
    if (w == "(") {
      out.push_back({Tok::kOpen, {}});
    } else if (w == ")") {
      out.push_back({Tok::kClose, {}});
    } else if (w == ",") {
      if (wordIs(next(1), "and")) {
        out.push_back({Tok::kCommaAnd, {}});
        ++k;
      } else if (wordIs(next(1), "or")) {
        out.push_back({Tok::kCommaOr, {}});
        ++k;
      } else {
        appendWord(w);  // "Apache License, Version 2.0": part of a name
      }
    } else if (wordIs(w, "and")) {
      out.push_back({Tok::kAnd, {}});
    } else if (wordIs(w, "or")) {
      // "GPL v2 or later", "GPL-2 or any later version": part of the licence, not an operator.
      if (!out.empty() && out.back().kind == Tok::kTerm && wordIs(next(1), "later")) {
        appendWord(w);
      } else if (!out.empty() && out.back().kind == Tok::kTerm && wordIs(next(1), "any") &&
                 wordIs(next(2), "later")) {
        appendWord(w);
      } else {
        out.push_back({Tok::kOr, {}});
      }
    } else if (wordIs(w, "with")) {
      out.push_back({Tok::kWith, {}});
    } else {
      appendWord(w);
    }
  }
  return out;
}

class Parser {
 public:
  Parser(std::vector<Token> toks, bool allowAliases)
      : toks_(std::move(toks)), allowAliases_(allowAliases) {}

  std::optional<Node> parse() {
    auto n = list();
    if (!n || pos_ != toks_.size()) return std::nullopt;
    return n;
  }

 private:
  static constexpr int kMaxDepth = 64;

  const Token* peek() const { return pos_ < toks_.size() ? &toks_[pos_] : nullptr; }
  bool accept(Tok k) {
    if (const Token* t = peek(); t && t->kind == k) {
      ++pos_;
      return true;
    }
    return false;
  }

  // list := or ((", and" | ", or") or)*    -- DEP-5: commas bind weakest
  std::optional<Node> list() {
    auto left = orExpr();
    while (left) {
      Node::Kind k;
      if (accept(Tok::kCommaAnd))
        k = Node::Kind::kAnd;
      else if (accept(Tok::kCommaOr))
        k = Node::Kind::kOr;
      else
        break;
      auto right = orExpr();
      if (!right) return std::nullopt;
      // The tree keeps the grouping: "A or B, and C" renders as "(A OR B) AND C".
      left = combine(k, std::move(*left), std::move(*right));
    }
    return left;
  }

  std::optional<Node> orExpr() {
    auto left = andExpr();
    while (left && accept(Tok::kOr)) {
      auto right = andExpr();
      if (!right) return std::nullopt;
      left = combine(Node::Kind::kOr, std::move(*left), std::move(*right));
    }
    return left;
  }

  std::optional<Node> andExpr() {
    auto left = withExpr();
    while (left && accept(Tok::kAnd)) {
      auto right = withExpr();
      if (!right) return std::nullopt;
      left = combine(Node::Kind::kAnd, std::move(*left), std::move(*right));
    }
    return left;
  }

  std::optional<Node> withExpr() {
    auto left = primary();
    if (!left || !accept(Tok::kWith)) return left;
    const Token* t = peek();
    if (!t || t->kind != Tok::kTerm || !left->simple) return std::nullopt;
    ++pos_;
    auto ex = resolveException(t->text, left->text);
    if (!ex) return std::nullopt;
    Node n = leaf(left->text + " WITH " + *ex);
    n.simple = false;
    return n;
  }

  std::optional<Node> primary() {
    const Token* t = peek();
    if (!t) return std::nullopt;
    if (t->kind == Tok::kOpen) {
      if (++depth_ > kMaxDepth) return std::nullopt;
      ++pos_;
      auto inner = list();
      if (!inner || !accept(Tok::kClose)) return std::nullopt;
      --depth_;
      // A parenthesised single licence may not take an exception: "(MIT) WITH x" is invalid.
      if (inner->kind == Node::Kind::kLeaf) inner->simple = false;
      return inner;
    }
    if (t->kind != Tok::kTerm) return std::nullopt;
    ++pos_;
    return resolveTerm(t->text, allowAliases_);
  }

  std::vector<Token> toks_;
  bool allowAliases_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

std::optional<Node> parseExpression(std::string_view text, bool allowAliases) {
  std::vector<Token> toks = tokenize(text);
  if (toks.empty()) return std::nullopt;
  return Parser(std::move(toks), allowAliases).parse();
}

// Longer than any real licence string: left alone rather than parsed.
constexpr std::size_t kMaxLicenseText = 4096;

}  // namespace

bool isSpdxLicenseId(std::string_view id) {
  return contains(spdx::kLicenseIds, id) || contains(spdx::kDeprecatedIds, id);
}

bool isSpdxExceptionId(std::string_view id) { return contains(spdx::kExceptionIds, id); }

License normalizeLicense(std::string_view text) {
  std::string_view t = trim(text);
  License out;
  if (t.empty() || t.size() > kMaxLicenseText) {
    out.name = std::string(t);
    return out;
  }
  std::optional<Node> n;
  // The whole text as one licence first, unless it already is an SPDX id or an expression.
  n = resolveTerm(t, false);
  if (!n) n = aliasNode(t);
  if (!n) n = parseExpression(t, true);
  if (!n) {
    out.name = std::string(t);
    return out;
  }
  render(*n, out.expression);
  return out;
}

std::optional<std::string> licenseFromClassifier(std::string_view classifier) {
  // "License :: OSI Approved :: MIT License": the last segment names the licence.
  std::vector<std::string_view> parts;
  std::string_view rest = classifier;
  for (;;) {
    auto sep = rest.find("::");
    parts.push_back(trim(rest.substr(0, sep)));
    if (sep == std::string_view::npos) break;
    rest.remove_prefix(sep + 2);
  }
  if (parts.size() < 2 || parts.front() != "License") return std::nullopt;
  std::string last = toLower(parts.back());
  struct Entry {
    std::string_view lower;  // last segment, lower case
    std::string_view id;     // empty: known but ambiguous
  };
  // The trove classifiers (pypa/trove-classifiers) that name exactly one licence, plus the
  // ambiguous ones (versionless names) so that the "(ID)" fallback below cannot guess.
  static constexpr Entry kTable[] = {
      {"mit license", "MIT"},
      {"isc license (iscl)", "ISC"},
      {"apache software license", ""},
      {"bsd license", ""},
      {"gnu general public license (gpl)", ""},
      {"gnu library or lesser general public license (lgpl)", ""},
      {"gnu lesser general public license v2 (lgplv2)", "LGPL-2.0-only"},
      {"gnu lesser general public license v2 or later (lgplv2+)", "LGPL-2.0-or-later"},
      {"gnu lesser general public license v3 (lgplv3)", "LGPL-3.0-only"},
      {"gnu lesser general public license v3 or later (lgplv3+)", "LGPL-3.0-or-later"},
      {"gnu general public license v2 (gplv2)", "GPL-2.0-only"},
      {"gnu general public license v2 or later (gplv2+)", "GPL-2.0-or-later"},
      {"gnu general public license v3 (gplv3)", "GPL-3.0-only"},
      {"gnu general public license v3 or later (gplv3+)", "GPL-3.0-or-later"},
      {"gnu affero general public license v3", "AGPL-3.0-only"},
      {"gnu affero general public license v3 or later (agplv3+)", "AGPL-3.0-or-later"},
      {"gnu free documentation license (fdl)", ""},
      {"mozilla public license 1.0 (mpl)", "MPL-1.0"},
      {"mozilla public license 1.1 (mpl 1.1)", "MPL-1.1"},
      {"mozilla public license 2.0 (mpl 2.0)", "MPL-2.0"},
      {"python software foundation license", "PSF-2.0"},
      {"python license (cnri python license)", "CNRI-Python"},
      {"the unlicense (unlicense)", "Unlicense"},
      {"zlib/libpng license", "Zlib"},
      {"european union public licence 1.0 (eupl 1.0)", "EUPL-1.0"},
      {"european union public licence 1.1 (eupl 1.1)", "EUPL-1.1"},
      {"european union public licence 1.2 (eupl 1.2)", "EUPL-1.2"},
      {"universal permissive license (upl)", "UPL-1.0"},
      {"historical permission notice and disclaimer (hpnd)", "HPND"},
      {"postgresql license", "PostgreSQL"},
      {"attribution assurance license", "AAL"},
      {"common public license", "CPL-1.0"},
      {"ibm public license", "IPL-1.0"},
      {"intel open source license", "Intel"},
      {"microsoft public license", "MS-PL"},
      {"microsoft reciprocal license", "MS-RL"},
      {"motosoto license", "Motosoto"},
      {"nethack general public license", "NGPL"},
      {"nokia open source license", "Nokia"},
      {"open group test suite license", "OGTSL"},
      {"qt public license (qpl)", "QPL-1.0"},
      {"ricoh source code public license", "RSCPL"},
      {"sleepycat license", "Sleepycat"},
      {"sun industry standards source license (sissl)", "SISSL"},
      {"sun public license", "SPL-1.0"},
      {"university of illinois/ncsa open source license", "NCSA"},
      {"vovida software license 1.0", "VSL-1.0"},
      {"w3c license", "W3C"},
      {"x.net license", "Xnet"},
      {"zope public license", ""},
      {"academic free license (afl)", ""},
      {"apple public source license", ""},
      {"artistic license", ""},
      {"eiffel forum license", ""},
      {"cc0 1.0 universal (cc0 1.0) public domain dedication", "CC0-1.0"},
  };
  for (const Entry& e : kTable) {
    if (e.lower != last) continue;
    if (e.id.empty() || !isSpdxLicenseId(e.id)) return std::nullopt;
    return std::string(e.id);
  }
  // Newer classifiers carry the SPDX id in parentheses: "Eclipse Public License 2.0 (EPL-2.0)".
  std::string_view seg = parts.back();
  if (seg.ends_with(')')) {
    auto open = seg.rfind('(');
    if (open != std::string_view::npos) {
      std::string_view id = seg.substr(open + 1, seg.size() - open - 2);
      if (contains(spdx::kLicenseIds, id)) return std::string(id);
    }
  }
  return std::nullopt;
}

}  // namespace tollgate::sbom
