// Minimal parallel helpers over std::jthread. No global pool: callers say how many threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace tollgate {

// Number of worker threads to use by default: the CPUs this process may run on.
[[nodiscard]] unsigned defaultThreads();

// Calls fn(worker, i) for every i in [0, n) using up to `threads` threads (dynamic scheduling in
// chunks of `grain`). `worker` is in [0, threads) and lets callers keep per-thread state.
// fn must not throw.
template <class Fn>
void parallelFor(std::size_t n, unsigned threads, Fn&& fn, std::size_t grain = 1) {
  if (n == 0) return;
  threads =
      std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>((n + grain - 1) / grain)));
  std::atomic<std::size_t> next{0};
  auto body = [&](unsigned worker) {
    for (;;) {
      std::size_t begin = next.fetch_add(grain, std::memory_order_relaxed);
      if (begin >= n) break;
      std::size_t end = std::min(n, begin + grain);
      for (std::size_t i = begin; i < end; ++i) fn(worker, i);
    }
  };
  if (threads == 1) {
    body(0);
    return;
  }
  std::vector<std::jthread> pool;
  pool.reserve(threads - 1);
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(body, t);
  body(0);
}

}  // namespace tollgate
