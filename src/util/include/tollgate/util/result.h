// Errors as values for every tollgate library.
//
//   Result<Bom> r = scan(root);
//   if (!r) { std::cerr << r.error().describe() << '\n'; return exitCodeFor(r.error()); }
//
// Libraries never throw for expected failures (bad input, I/O, C library return codes); they return
// `std::unexpected(Error{...})`, usually through `fail(...)`. Exceptions are reserved for
// third-party C++ code (caught in our wrappers) and the last-resort handler in main.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <expected>
#include <string>
#include <utility>

namespace tollgate {

enum class ErrorCode {
  kInvalidInput,  // malformed bytes or arguments from outside: exit code 2
  kNotFound,      // a named file, package or record does not exist: exit code 2
  kIo,            // the OS refused an operation: exit code 2
  kUsage,         // command-line misuse: exit code 2
  kUnsupported,   // a valid input we do not handle: exit code 2
  kLimit,         // a safety limit (size, depth, count) was reached: exit code 2
  kInternal,      // a broken invariant: exit code 3
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;               // what was wrong, one line, no trailing period
  std::string context;               // the file, peer or field it concerns (may be empty)
  std::uint64_t offset = kNoOffset;  // byte offset in `context`, when known

  static constexpr std::uint64_t kNoOffset = ~std::uint64_t{0};

  // "CONTEXT: MESSAGE" or "CONTEXT at byte N: MESSAGE" or just "MESSAGE".
  [[nodiscard]] std::string describe() const {
    std::string out;
    if (!context.empty()) {
      out += context;
      if (offset != kNoOffset) out += " at byte " + std::to_string(offset);
      out += ": ";
    }
    out += message;
    return out;
  }

  // Returns a copy with `outer` prepended to the context ("outer: inner").
  [[nodiscard]] Error within(const std::string& outer) const {
    Error e = *this;
    e.context = context.empty() ? outer : outer + ": " + context;
    return e;
  }
};

template <class T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

[[nodiscard]] inline std::unexpected<Error> fail(ErrorCode code, std::string message,
                                                 std::string context = {},
                                                 std::uint64_t offset = Error::kNoOffset) {
  return std::unexpected(Error{code, std::move(message), std::move(context), offset});
}

// The process exit code documented for each error class (0 ok, 1 findings, 2 input, 3 internal).
[[nodiscard]] constexpr int exitCodeFor(ErrorCode code) noexcept {
  return code == ErrorCode::kInternal ? 3 : 2;
}

}  // namespace tollgate

// Invariant check for conditions that hold by construction (never for untrusted input).
#define TOLLGATE_CHECK(cond, why)                                                              \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "tollgate: internal error at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                   #cond, why);                                                                \
      std::abort();                                                                            \
    }                                                                                          \
  } while (false)
