// Progress on stderr for long work, only when stderr is a terminal; silent when piped.
//
// Thread safety: tick() and setPhase() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace tollgate {

class Progress {
 public:
  // enabled=false makes every call a no-op (use isTerminal(2) to decide).
  explicit Progress(bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void setPhase(std::string phase, std::uint64_t total = 0);
  void tick(std::uint64_t n = 1);
  void done();

  [[nodiscard]] static bool stderrIsTerminal();

 private:
  void draw(bool force);
  bool enabled_;
  std::mutex mu_;
  std::string phase_;
  std::uint64_t total_ = 0;
  std::atomic<std::uint64_t> count_{0};
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;
};

}  // namespace tollgate
