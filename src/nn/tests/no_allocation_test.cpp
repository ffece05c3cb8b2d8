// "No allocation in the training step after warm-up": counts global operator new calls around
// train_steps. The replacement operators below count for the whole test binary.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "nn/trainer.hpp"

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace simdnorm::nn {
namespace {

TEST(NoAllocation, TrainingStepsAfterWarmUp) {
  for (const OptimizerKind opt : {OptimizerKind::sgd, OptimizerKind::momentum, OptimizerKind::adam})
    for (const bool bn : {true, false}) {
      TrainerConfig c;
      c.batch_norm = bn;
      c.optimizer = opt;
      c.lr = 0.01f;
      Trainer t(c);
      t.train_steps(3);  // warm-up (first dispatch lookups)
      const long before = allocations.load();
      t.train_steps(100);
      EXPECT_EQ(allocations.load() - before, 0)
          << to_string(opt) << (bn ? " with" : " without") << " BN allocated in train_steps";
    }
}

}  // namespace
}  // namespace simdnorm::nn
