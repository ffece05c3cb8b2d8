#pragma once
// Sets the thread count for a scope and restores the one before, so tests that change it cannot
// leak their choice into later tests.

#include <cstddef>

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

}  // namespace simdnorm_test
