// Optional YARA scanning (libyara, Debian's libyara-dev): compiled rules, matched against bytes.
// Without libyara at build time, compile() fails with kUnsupported.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::integrity {

class YaraScanner {
 public:
  [[nodiscard]] static bool available();
  // Errors: kUnsupported (no libyara), kIo (cannot read), kInvalidInput (rule syntax, with the
  // first compiler message and line).
  [[nodiscard]] static Result<YaraScanner> compile(const std::string& rulesFile);
  // Names of the matching rules. Not thread-safe (one scanner per thread).
  [[nodiscard]] Result<std::vector<std::string>> scan(std::span<const std::byte> data) const;

  YaraScanner(YaraScanner&&) noexcept;
  YaraScanner& operator=(YaraScanner&&) = delete;
  ~YaraScanner();

 private:
  struct Impl;
  explicit YaraScanner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::integrity
