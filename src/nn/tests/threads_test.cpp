// The layer engine on 1…8 threads gives the same bits under every ISA: a CNN whose convolutions
// and linear layers cross the matmul cut-over (kMinParallelMacs; cut by rows and by columns) and
// whose BN layers cross the core's (partition.hpp), trained a few steps.

#include "simdnorm/threads.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "isa_scope.hpp"
#include "nn/optim/sgd.hpp"
#include "nn/parallel_matmul.hpp"
#include "nn/sequential.hpp"
#include "thread_count.hpp"

namespace simdnorm::nn {
namespace {

using simdnorm_test::IsaScope;
using simdnorm_test::ThreadCount;

std::vector<LayerSpec> cnn() {
  return {
      // 8×1024×27 multiply-adds per sample: cut by rows
      {"conv2d", {{"inChannels", 3}, {"outChannels", 8}, {"kernelSize", 3}, {"padding", 1}}},
      {"batchNorm2d", {{"numFeatures", 8}}},
      {"relu", {}},
      // 4×1024×72: C has 4 rows, cut by columns
      {"conv2d", {{"inChannels", 8}, {"outChannels", 4}, {"kernelSize", 3}, {"padding", 1}}},
      {"batchNorm2d", {{"numFeatures", 4}}},
      {"relu", {}},
      {"maxPool2d", {{"kernelSize", 2}}},
      {"flatten", {}},
      {"linear", {{"inFeatures", 4 * 16 * 16}, {"outFeatures", 16}}},
      {"batchNorm1d", {{"numFeatures", 16}}},
      {"tanh", {}},
      {"linear", {{"inFeatures", 16}, {"outFeatures", 3}}},
  };
}

// Parameters and running statistics after three SGD steps, and the eval-mode output.
std::vector<float> train(std::size_t threads) {
  const ThreadCount scope(threads);
  constexpr std::size_t n = 16;
  Sequential model(cnn(), {{3, 32, 32}, n, 7});
  optim::SGD opt(model.parameters(), optim::SGDOptions{0.05f, 0.9f, 0, 0, false});
  std::vector<float> x(n * 3 * 32 * 32);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float((i * 7919) % 97) / 48.f - 1.f;
  std::vector<std::int32_t> labels(n);
  for (std::size_t i = 0; i < n; ++i) labels[i] = std::int32_t(i % 3);
  for (int step = 0; step < 3; ++step) model.train_step(x, labels, opt);
  std::vector<float> out;
  for (const Parameter& p : model.parameters())
    out.insert(out.end(), p.value.begin(), p.value.end());
  model.eval();
  const std::span<const float> y = model.forward(x);
  out.insert(out.end(), y.begin(), y.end());
  return out;
}

class EngineThreads : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { simdnorm::set_isa(GetParam()); }
  IsaScope restore_;
};

TEST_P(EngineThreads, SameBitsOnOneToEightThreads) {
  const std::vector<float> one = train(1);
  for (const std::size_t t : simdnorm_test::compared_thread_counts()) {
    const std::vector<float> many = train(t);
    ASSERT_EQ(many.size(), one.size());
    for (std::size_t i = 0; i < one.size(); ++i)
      if (std::memcmp(&one[i], &many[i], sizeof(float)) != 0)
        FAIL() << GetParam() << ", " << t << " threads: value " << i << " of " << one.size()
               << " is " << many[i] << ", on 1 thread " << one[i];
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, EngineThreads, ::testing::ValuesIn(simdnorm_test::all_isas()),
                         simdnorm_test::isa_test_name<::testing::TestParamInfo<std::string>>);

}  // namespace
}  // namespace simdnorm::nn
