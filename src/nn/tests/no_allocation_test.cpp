// "No allocation in the training step after warm-up": counts global operator new calls around
// the MLP trainer's train_steps and the layer engine's Sequential::train_step. The replacement
// operators below count for the whole test binary (and remember the largest request, so a test
// can show that a bad model spec throws before any layer's buffers exist).

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "nn/optim/adam.hpp"
#include "nn/optim/rmsprop.hpp"
#include "nn/optim/sgd.hpp"
#include "nn/sequential.hpp"
#include "nn/trainer.hpp"

namespace {
std::atomic<long> allocations{0};
std::atomic<std::size_t> largest{0};
}  // namespace

// ThreadSanitizer's runtime defines the operators itself (a second definition does not link), so
// its build counts nothing and these tests skip.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SIMDNORM_UNDER_TSAN 1
#endif
#endif
#ifndef SIMDNORM_UNDER_TSAN
namespace {
void* counted_malloc(std::size_t n) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  std::size_t seen = largest.load(std::memory_order_relaxed);
  while (n > seen && !largest.compare_exchange_weak(seen, n)) {
  }
  return std::malloc(n ? n : 1);
}
}  // namespace

// The nothrow forms too (std::stable_sort's temporary buffer uses them): every form this binary
// frees with std::free must come from std::malloc, or AddressSanitizer reports a mismatch.
void* operator new(std::size_t n) {
  if (void* p = counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return counted_malloc(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
#endif

#ifdef SIMDNORM_UNDER_TSAN
#define SKIP_UNDER_TSAN() GTEST_SKIP() << "ThreadSanitizer owns operator new"
#else
#define SKIP_UNDER_TSAN() static_cast<void>(0)
#endif

namespace simdnorm::nn {
namespace {

TEST(NoAllocation, TrainingStepsAfterWarmUp) {
  SKIP_UNDER_TSAN();
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

std::vector<LayerSpec> small_cnn() {
  return {
      {"conv2d", {{"inChannels", 1}, {"outChannels", 4}, {"kernelSize", 3}, {"padding", 1}}},
      {"batchNorm2d", {{"numFeatures", 4}}},
      {"relu", {}},
      {"maxPool2d", {{"kernelSize", 2}}},
      {"dropout", {{"p", 0.2}}},
      {"flatten", {}},
      {"linear", {{"inFeatures", 4 * 4 * 4}, {"outFeatures", 16}, {"bias", false}}},
      {"batchNorm1d", {{"numFeatures", 16}, {"momentum", nullptr}}},
      {"tanh", {}},
      {"linear", {{"inFeatures", 16}, {"outFeatures", 3}}},
  };
}

TEST(NoAllocation, SequentialTrainStepAfterWarmUp) {
  SKIP_UNDER_TSAN();
  const std::size_t n = 6;
  std::vector<float> x(n * 64);
  std::vector<std::int32_t> labels(n);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float((i * 37) % 11) - 5.f;
  for (std::size_t i = 0; i < n; ++i) labels[i] = std::int32_t(i % 3);
  for (int which = 0; which < 3; ++which) {
    Sequential model(small_cnn(), {{1, 8, 8}, n, 1});
    std::unique_ptr<optim::Optimizer> opt;
    if (which == 0)
      opt = std::make_unique<optim::SGD>(model.parameters(),
                                         optim::SGDOptions{0.1f, 0.9f, 0, 5e-4f, true});
    if (which == 1) opt = std::make_unique<optim::Adam>(model.parameters(), optim::AdamOptions{});
    if (which == 2)
      opt = std::make_unique<optim::RMSprop>(
          model.parameters(), optim::RMSpropOptions{0.01f, 0.99f, 1e-8f, 0, 0.5f, true});
    model.train_step(x, labels, *opt);  // warm-up (first dispatch lookups)
    const long before = allocations.load();
    for (int step = 0; step < 20; ++step) model.train_step(x, labels, *opt);
    model.eval();
    model.forward(x);
    EXPECT_EQ(allocations.load() - before, 0) << "optimizer " << which << " allocated";
  }
}

TEST(NoAllocation, RecurrentTrainStepAfterWarmUp) {
  SKIP_UNDER_TSAN();
  // Plain recurrent layers, then the LSTM with per-step and with shared recurrent BN.
  const std::vector<std::vector<LayerSpec>> models = {
      {
          {"lstm", {{"inputSize", 3}, {"hiddenSize", 8}, {"returnSequences", true}}},
          {"rnn", {{"inputSize", 8}, {"hiddenSize", 6}}},
          {"linear", {{"inFeatures", 6}, {"outFeatures", 4}}},
      },
      {
          {"lstm",
           {{"inputSize", 3},
            {"hiddenSize", 8},
            {"returnSequences", true},
            {"batchNorm", std::string("per-step")}}},
          {"lstm", {{"inputSize", 8}, {"hiddenSize", 6}, {"batchNorm", std::string("shared")}}},
          {"linear", {{"inFeatures", 6}, {"outFeatures", 4}}},
      },
  };
  const std::size_t n = 5;
  for (const auto& layers : models) {
    Sequential model(layers, {{7, 3}, n, 2});
    optim::Adam opt(model.parameters(), optim::AdamOptions{});
    std::vector<float> x(n * 21);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = float((i * 13) % 7) / 7.f - 0.5f;
    const std::vector<std::int32_t> labels = {0, 1, 2, 3, 0};
    model.train_step(x, labels, opt);
    const long before = allocations.load();
    for (int step = 0; step < 20; ++step) model.train_step(x, labels, opt);
    model.eval();
    model.forward(x);
    EXPECT_EQ(allocations.load() - before, 0)
        << "model with " << layers[0].args.size() << " LSTM arguments allocated";
  }
}

// A 4096×4096 Linear (64 MiB of weights) followed by a layer whose channels do not chain: the
// constructor must throw before it allocates any layer's parameters.
TEST(NoAllocation, BadSpecThrowsBeforeLayersAllocate) {
  SKIP_UNDER_TSAN();
  const std::vector<LayerSpec> layers = {
      {"linear", {{"inFeatures", 4096}, {"outFeatures", 4096}}},
      {"relu", {}},
      {"batchNorm1d", {{"numFeatures", 4095}}},
  };
  largest.store(0);
  EXPECT_THROW(Sequential(layers, {{4096}, 2, 1}), std::invalid_argument);
  EXPECT_LT(largest.load(), std::size_t(1) << 20);
}

}  // namespace
}  // namespace simdnorm::nn
