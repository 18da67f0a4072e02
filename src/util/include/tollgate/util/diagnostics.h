// Warnings collected while scanning: one line each, naming the path and the problem.
//
// Thread safety: all members may be called concurrently.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate {

struct Warning {
  std::string where;  // path or peer
  std::string what;   // one line
  bool operator<(const Warning& o) const {
    return where != o.where ? where < o.where : what < o.what;
  }
  bool operator==(const Warning&) const = default;
};

class Diagnostics {
 public:
  void warn(std::string where, std::string what);
  void warn(const Error& e);
  // Sorted, de-duplicated copy.
  [[nodiscard]] std::vector<Warning> warnings() const;
  [[nodiscard]] std::size_t count() const;

 private:
  mutable std::mutex mu_;
  std::vector<Warning> items_;
};

}  // namespace tollgate
