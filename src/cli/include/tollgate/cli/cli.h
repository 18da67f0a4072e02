// The command line: argument parsing and wiring only; every decision lives in the libraries.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>

namespace tollgate::cli {

// What the process gets from the outside world, passed in so tests can control it.
struct Env {
  std::function<std::chrono::system_clock::time_point()> now;
  std::function<std::string()> uuid;  // random UUID v4, "xxxxxxxx-xxxx-4xxx-..."
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  bool stderrIsTerminal = false;
};

// The real environment (system clock, /dev/urandom, std::cout/std::cerr).
[[nodiscard]] Env systemEnv();

// Runs `tollgate ARGS...`; returns the process exit code (0 ok, 1 findings at or above --fail-on,
// 2 usage or input error, 3 internal error).
[[nodiscard]] int run(int argc, char** argv, const Env& env);

}  // namespace tollgate::cli
