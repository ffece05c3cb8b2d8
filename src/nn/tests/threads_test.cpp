// The layer engine on 1…8 threads gives the same bits under every ISA: a CNN whose convolutions
// split the batch into groups of samples, whose activations and pooling split into ranges, whose
// linear layers cross the matmul cut-over (kMinParallelMacs) and whose BN layers cross the
// core's (partition.hpp), trained a few steps;
// one-sample convolutions whose products are cut by rows and by columns. A batch split into
// groups gives each sample's output and input gradient exactly as the sample alone does, and
// the sum of the samples' weight and bias gradients.

#include "simdnorm/threads.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "isa_scope.hpp"
#include "layer_harness.hpp"
#include "nn/optim/sgd.hpp"
#include "nn/parallel_matmul.hpp"
#include "nn/sequential.hpp"
#include "thread_count.hpp"

namespace simdnorm::nn {
namespace {

using simdnorm_test::IsaScope;
using simdnorm_test::ThreadCount;

std::vector<LayerSpec> cnn() {
  // Batch 16 and 3×32×32 images: every conv2d splits the batch into 16 groups of one sample; the
  // first ReLU and the max-pool (16×8×32×32 floats) cross the element-wise cut-over (two ranges);
  // the BN layers cross the core's; the first linear's 16×16×1024 product is cut by rows.
  return {
      {"conv2d", {{"inChannels", 3}, {"outChannels", 8}, {"kernelSize", 3}, {"padding", 1}}},
      {"batchNorm2d", {{"numFeatures", 8}}},
      {"relu", {}},
      {"maxPool2d", {{"kernelSize", 2}}},
      {"conv2d", {{"inChannels", 8}, {"outChannels", 4}, {"kernelSize", 3}, {"padding", 1}}},
      {"batchNorm2d", {{"numFeatures", 4}}},
      {"relu", {}},
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

// A conv2d's forward and backward on x and dy: y, dx, then its parameters' gradients.
struct ConvResult {
  std::vector<float> y, dx, grads;
};

LayerSpec conv(std::int64_t cin, std::int64_t cout) {
  return {"conv2d",
          {{"inChannels", cin}, {"outChannels", cout}, {"kernelSize", 3}, {"padding", 1}}};
}

ConvResult run_conv(const LayerSpec& spec, const SampleShape& in, std::size_t n,
                    const std::vector<float>& x, const std::vector<float>& dy) {
  test::LayerHarness h(spec, in, n);
  ConvResult r;
  r.y = h.forward(x, Mode::train);
  r.dx = h.backward(x, dy);
  for (const Parameter& p : h.layer->parameters())
    r.grads.insert(r.grads.end(), p.grad.begin(), p.grad.end());
  return r;
}

std::vector<float> pattern(std::size_t n, std::size_t seed) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = float((i * 7919 + seed) % 89) / 44.f - 1.f;
  return v;
}

// The first index where a and b differ in their bits, or a.size().
std::size_t first_difference(const std::vector<float>& a, const std::vector<float>& b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) return i;
  return a.size();
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

TEST_P(EngineThreads, OneSampleConvCutsProductsWithSameBits) {
  // 16×72×1024 multiply-adds: cut by rows; 4×72×1024: C has 4 rows, cut by columns.
  for (const std::int64_t cout : {16, 4}) {
    const SampleShape in = SampleShape::of({8, 32, 32});
    const std::vector<float> x = pattern(in.size(), 1), dy = pattern(std::size_t(cout) * 1024, 2);
    const auto at = [&](std::size_t threads) {
      const ThreadCount scope(threads);
      return run_conv(conv(8, cout), in, 1, x, dy);
    };
    const ConvResult one = at(1);
    for (std::size_t t = 2; t <= 8; ++t) {
      const ConvResult many = at(t);
      for (const auto& [name, a, b] : {std::tuple{"y", &one.y, &many.y},
                                       {"dx", &one.dx, &many.dx},
                                       {"grads", &one.grads, &many.grads}}) {
        const std::size_t i = first_difference(*a, *b);
        EXPECT_EQ(i, a->size()) << GetParam() << ", out channels " << cout << ", " << t
                                << " threads: " << name << "[" << i << "] differs";
      }
    }
  }
}

TEST_P(EngineThreads, SampleGroupsGiveEachSamplesResult) {
  // 4×18×144 multiply-adds per sample: ten samples make three groups (3, 3 and 4 samples, each
  // with its column matrix and partial gradients in the scratch); a sample alone is one group.
  constexpr std::size_t n = 10;
  const SampleShape in = SampleShape::of({2, 12, 12});
  const LayerSpec spec = conv(2, 4);
  const std::size_t out = 4 * 144;
  const std::vector<float> x = pattern(n * in.size(), 3), dy = pattern(n * out, 4);
  ASSERT_EQ(test::LayerHarness(spec, in, n).layer->workspace_size(n).scratch,
            3 * (18 * 144 + 4 * 19));
  std::vector<ConvResult> alone;
  for (std::size_t s = 0; s < n; ++s)
    alone.push_back(run_conv(
        spec, in, 1, {x.begin() + long(s * in.size()), x.begin() + long((s + 1) * in.size())},
        {dy.begin() + long(s * out), dy.begin() + long((s + 1) * out)}));
  for (std::size_t t = 1; t <= 8; ++t) {
    const ThreadCount scope(t);
    const ConvResult batch = run_conv(spec, in, n, x, dy);
    for (std::size_t s = 0; s < n; ++s) {
      const auto slice = [&](const std::vector<float>& v, std::size_t size) {
        return std::vector<float>(v.begin() + long(s * size), v.begin() + long((s + 1) * size));
      };
      EXPECT_EQ(first_difference(slice(batch.y, out), alone[s].y), out)
          << GetParam() << ", " << t << " threads: y of sample " << s;
      EXPECT_EQ(first_difference(slice(batch.dx, in.size()), alone[s].dx), in.size())
          << GetParam() << ", " << t << " threads: dx of sample " << s;
    }
    // The batch's gradient is the sum of the samples' (taken in float64 here). Each gradient is
    // a float sum of at most 10·144 terms of magnitude ≤ 1 (x and dy lie in [-1, 1]), within
    // 1440·2⁻²⁴·1440 of its exact value (Higham's bound for recursive summation), and so is each
    // sample's part of it: twice that bounds the difference, and one sample's gradient, lost or
    // counted twice, is far larger.
    for (std::size_t i = 0; i < batch.grads.size(); ++i) {
      double sum = 0;
      for (const ConvResult& a : alone) sum += a.grads[i];
      EXPECT_NEAR(batch.grads[i], sum, 2 * 1440 * 1440 * 0x1p-24)
          << GetParam() << ", " << t << " threads: gradient " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, EngineThreads, ::testing::ValuesIn(simdnorm_test::all_isas()),
                         simdnorm_test::isa_test_name<::testing::TestParamInfo<std::string>>);

}  // namespace
}  // namespace simdnorm::nn
