// The thread-count API and the pool under it: every task runs exactly once for any thread count,
// nested and concurrent calls fall back to the calling thread, bad counts are refused.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/parallel.hpp"
#include "simdnorm/error.hpp"
#include "simdnorm/threads.hpp"
#include "thread_count.hpp"

namespace simdnorm_test {
namespace {

TEST(Threads, CountFollowsSetNumThreads) {
  ThreadCount restore(simdnorm::num_threads());
  simdnorm::set_num_threads(3);
  EXPECT_EQ(simdnorm::num_threads(), 3u);
  simdnorm::set_num_threads(1);
  EXPECT_EQ(simdnorm::num_threads(), 1u);
  simdnorm::set_num_threads(0);
  const std::size_t hw = std::thread::hardware_concurrency();
  EXPECT_EQ(simdnorm::num_threads(), hw ? hw : 1u);
}

TEST(Threads, RefusesMoreThanTheMaximum) {
  try {
    simdnorm::set_num_threads(simdnorm::kMaxThreads + 1);
    FAIL() << "expected an error";
  } catch (const simdnorm::Error& e) {
    EXPECT_EQ(e.code(), simdnorm::ErrorCode::range);
    EXPECT_STREQ(e.what(),
                 "simdnorm: set_num_threads: n: expected a thread count in [0, 1024] (0: the "
                 "default), got 1025");
  }
}

TEST(Threads, EveryTaskRunsOnceForAnyThreadCount) {
  for (std::size_t threads = 1; threads <= 8; ++threads) {
    ThreadCount scope(threads);
    for (std::size_t count : {0u, 1u, 2u, 7u, 64u, 1000u}) {
      std::vector<std::atomic<int>> runs(count);
      simdnorm::detail::parallel_for(count, [&](std::size_t i) { runs[i].fetch_add(1); });
      for (std::size_t i = 0; i < count; ++i)
        ASSERT_EQ(runs[i].load(), 1) << threads << " threads, task " << i << " of " << count;
    }
  }
}

TEST(Threads, NestedCallsRunOnTheirOwnThread) {
  ThreadCount scope(4);
  std::vector<std::atomic<int>> runs(16 * 16);
  simdnorm::detail::parallel_for(16, [&](std::size_t i) {
    simdnorm::detail::parallel_for(16, [&](std::size_t j) { runs[i * 16 + j].fetch_add(1); });
  });
  for (std::size_t k = 0; k < runs.size(); ++k) ASSERT_EQ(runs[k].load(), 1) << "task " << k;
}

TEST(Threads, ConcurrentCallersEachFinishTheirTasks) {
  ThreadCount scope(3);
  std::vector<std::vector<int>> out(4, std::vector<int>(500));
  std::vector<std::thread> callers;
  for (std::size_t c = 0; c < out.size(); ++c)
    callers.emplace_back([&, c] {
      for (int rep = 0; rep < 20; ++rep)
        simdnorm::detail::parallel_for(out[c].size(), [&](std::size_t i) { out[c][i] += 1; });
    });
  for (std::thread& t : callers) t.join();
  for (std::size_t c = 0; c < out.size(); ++c)
    for (std::size_t i = 0; i < out[c].size(); ++i) ASSERT_EQ(out[c][i], 20) << c << ", " << i;
}

}  // namespace
}  // namespace simdnorm_test
