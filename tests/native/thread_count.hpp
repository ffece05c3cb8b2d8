#pragma once
// Sets the thread count for a scope and restores the one before, so tests that change it cannot
// leak their choice into later tests; and which thread counts the 1…8-thread tests compare.

#include <cstddef>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "simdnorm/threads.hpp"

namespace simdnorm_test {

class ThreadCount {
 public:
  explicit ThreadCount(std::size_t n) : saved_(simdnorm::num_threads()) {
    simdnorm::set_num_threads(n);
  }
  ~ThreadCount() { simdnorm::set_num_threads(saved_); }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;

 private:
  std::size_t saved_;
};

// The thread counts whose results are compared with 1 thread's: 2…8, or the ones listed in
// SIMDNORM_TEST_THREAD_COUNTS ("2 3 8"). The stages that run the suite under qemu list fewer:
// each count costs seconds there, and the partition does not depend on the count, so 2, 3 and 8
// (even, odd, more threads than cores) leave no code path out.
inline std::vector<std::size_t> compared_thread_counts() {
  const char* env = std::getenv("SIMDNORM_TEST_THREAD_COUNTS");
  if (!env || !*env) return {2, 3, 4, 5, 6, 7, 8};
  std::vector<std::size_t> counts;
  std::istringstream in(env);
  std::string word;
  while (in >> word) {
    const std::size_t n =
        word.find_first_not_of("0123456789") == std::string::npos && word.size() < 4
            ? std::stoul(word)
            : 0;
    if (n < 2 || n > 8)
      throw std::invalid_argument(
          "SIMDNORM_TEST_THREAD_COUNTS: expected thread counts in [2, 8], got \"" +
          std::string(env) + "\"");
    counts.push_back(n);
  }
  return counts;
}

}  // namespace simdnorm_test
