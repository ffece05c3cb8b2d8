// The thread-count API and the pool under it: every task runs exactly once for any thread count,
// a stuck thread's share is taken by the others, nested and concurrent calls fall back to the
// calling thread, bad counts are refused, SIMDNORM_NUM_THREADS sets the starting count.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
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

// The count SIMDNORM_NUM_THREADS sets on first use. ctest's native.SIMDNORM_NUM_THREADS=… entries
// (tests/CMakeLists.txt) run this test alone in a fresh process, with what the value should give
// in SIMDNORM_TEST_EXPECT_THREADS ("default": the hardware's count) and, for a bad value,
// SIMDNORM_TEST_EXPECT_WARNING set; other runs skip it (the count is read once per process).
TEST(Threads, StartingCountFollowsTheEnvironment) {
  const char* expect = std::getenv("SIMDNORM_TEST_EXPECT_THREADS");
  if (!expect) GTEST_SKIP() << "set by ctest's native.SIMDNORM_NUM_THREADS=… entries";
  const std::size_t hw = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t want =
      std::string(expect) == "default" ? std::min(hw, simdnorm::kMaxThreads) : std::stoul(expect);
  testing::internal::CaptureStderr();
  const std::size_t got = simdnorm::num_threads();
  const std::string warning = testing::internal::GetCapturedStderr();
  EXPECT_EQ(got, want) << "SIMDNORM_NUM_THREADS=" << std::getenv("SIMDNORM_NUM_THREADS");
  if (std::getenv("SIMDNORM_TEST_EXPECT_WARNING")) {
    EXPECT_NE(warning.find("simdnorm: SIMDNORM_NUM_THREADS="), std::string::npos) << warning;
    EXPECT_NE(warning.find("is not a thread count in [0, 1024]"), std::string::npos) << warning;
  } else {
    EXPECT_EQ(warning, "");
  }
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

// Each thread claims its own share of a run first (src/core/thread_pool.hpp); a thread stuck in a
// task must not hold back the rest of its share. Task 0 waits until every other task has run:
// whichever thread is stuck in it, the others must take the rest, its own share included.
TEST(Threads, AThreadStuckInATaskDoesNotHoldBackItsShare) {
  for (std::size_t threads = 2; threads <= 4; ++threads) {
    ThreadCount scope(threads);
    constexpr std::size_t kTasks = 16;
    std::atomic<std::size_t> others{0};
    std::atomic<bool> timed_out{false};
    simdnorm::detail::parallel_for(kTasks, [&](std::size_t i) {
      if (i != 0) {
        others.fetch_add(1);
        return;
      }
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (others.load() < kTasks - 1)
        if (std::chrono::steady_clock::now() > until) return timed_out.store(true);
    });
    EXPECT_FALSE(timed_out.load()) << threads << " threads: " << others.load() << " of "
                                   << kTasks - 1 << " other tasks ran in 10 s";
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

TEST(Threads, SetNumThreadsInsideATaskIsRefused) {
  ThreadCount scope(2);
  std::atomic<int> refused{0};
  simdnorm::detail::parallel_for(4, [&](std::size_t) {
    try {
      simdnorm::set_num_threads(3);
    } catch (const simdnorm::Error& e) {
      if (e.code() == simdnorm::ErrorCode::state) refused.fetch_add(1);
    }
  });
  EXPECT_EQ(refused.load(), 4);
  EXPECT_EQ(simdnorm::num_threads(), 2u);
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
