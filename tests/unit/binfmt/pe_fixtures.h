// The Windows fixtures of tests/data/binfmt/build_pe_fixtures.sh, built once per test process
// into a temporary directory (mingw-w64, windres, openssl, osslsigncode).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>

#include "temp_dir.h"
#include "test_util.h"

namespace tollgate::binfmt::testing {

// The fixture directory, or nullopt when the tools are missing (the caller skips).
inline std::optional<std::filesystem::path> peFixtures() {
  static std::unique_ptr<tollgate::testing::TempDir> dir;
  static bool tried = false;
  static bool ok = false;
  if (!tried) {
    tried = true;
    dir = std::make_unique<tollgate::testing::TempDir>();
    std::string cmd = "bash " +
                      shellQuote(std::string(TOLLGATE_TEST_DATA) + "/binfmt/build_pe_fixtures.sh") +
                      " " + shellQuote(dir->path().string());
    ok = run(cmd).has_value();
  }
  if (!ok) return std::nullopt;
  return dir->path();
}

}  // namespace tollgate::binfmt::testing

// Skips the current test when the Windows toolchain is not installed.
#define TOLLGATE_NEED_PE_FIXTURES(var)                                                    \
  auto var##_opt = ::tollgate::binfmt::testing::peFixtures();                             \
  if (!var##_opt) GTEST_SKIP() << "mingw-w64/osslsigncode missing: scripts/deps.sh test"; \
  const std::filesystem::path& var = *var##_opt
