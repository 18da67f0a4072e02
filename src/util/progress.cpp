#include "tollgate/util/progress.h"

#include <unistd.h>

#include <cstdio>

namespace tollgate {

Progress::Progress(bool enabled) : enabled_(enabled) {}

Progress::~Progress() { done(); }

bool Progress::stderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

void Progress::setPhase(std::string phase, std::uint64_t total) {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  phase_ = std::move(phase);
  total_ = total;
  count_.store(0, std::memory_order_relaxed);
  last_ = {};
}

void Progress::tick(std::uint64_t n) {
  if (!enabled_) return;
  count_.fetch_add(n, std::memory_order_relaxed);
  draw(false);
}

void Progress::draw(bool force) {
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  auto c = count_.load(std::memory_order_relaxed);
  if (total_)
    std::fprintf(stderr, "\r\033[K%s %llu/%llu", phase_.c_str(), static_cast<unsigned long long>(c),
                 static_cast<unsigned long long>(total_));
  else
    std::fprintf(stderr, "\r\033[K%s %llu", phase_.c_str(), static_cast<unsigned long long>(c));
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::done() {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  if (drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace tollgate
