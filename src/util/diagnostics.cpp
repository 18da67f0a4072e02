#include "tollgate/util/diagnostics.h"

#include <algorithm>

#include "tollgate/util/strings.h"

namespace tollgate {

void Diagnostics::warn(std::string where, std::string what) {
  std::lock_guard lock(mu_);
  items_.push_back(Warning{printable(where, 400), printable(what, 400)});
}

void Diagnostics::warn(const Error& e) {
  std::string what = e.message;
  if (e.offset != Error::kNoOffset) what = "at byte " + std::to_string(e.offset) + ": " + what;
  warn(e.context, std::move(what));
}

std::vector<Warning> Diagnostics::warnings() const {
  std::vector<Warning> out;
  {
    std::lock_guard lock(mu_);
    out = items_;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::size_t Diagnostics::count() const {
  std::lock_guard lock(mu_);
  return items_.size();
}

}  // namespace tollgate
