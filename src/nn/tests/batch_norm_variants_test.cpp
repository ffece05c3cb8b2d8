// BatchNorm1d/2d layers with the small-batch variants (renorm, ghost batches): the same outputs,
// gradients and statistics as the core's BatchNorm module with the same options; ghost batches
// equal a plain layer run on each chunk in turn (torch's BN on x.split(k)); renorm with rmax = 1
// and dmax = 0 equals the plain layer; spec errors; renorm's state dict keys.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "nn/random.hpp"
#include "nn/sequential.hpp"
#include "simdnorm/batch_norm.hpp"
#include "simdnorm/error.hpp"

namespace simdnorm::nn {
namespace {

std::vector<float> random_floats(std::size_t n, std::uint64_t seed, float scale = 1.f,
                                 float shift = 0.f) {
  Rng rng(seed, 7);
  std::vector<float> v(n);
  for (float& x : v) x = shift + scale * float(2 * rng.uniform() - 1);
  return v;
}

std::vector<float> copy(std::span<const float> s) {
  return {s.begin(), s.end()};
}

const StateTensor& entry(const StateDict& d, const std::string& key) {
  for (const auto& [k, t] : d)
    if (k == key) return t;
  throw std::out_of_range(key);
}

// A BatchNorm2d layer ([C, H, W] samples) alone in a model, against the core module.
void expect_same_as_core(const std::vector<std::pair<std::string, SpecValue>>& variant_args,
                         const simdnorm::Options& core_options) {
  constexpr std::size_t n = 8, c = 3, h = 2, w = 3, s = h * w;
  std::vector<std::pair<std::string, SpecValue>> args = {{"numFeatures", std::int64_t(c)}};
  args.insert(args.end(), variant_args.begin(), variant_args.end());
  Sequential model({{"batchNorm2d", args}}, {{c, h, w}, n, 1});
  simdnorm::BatchNorm core(c, core_options);
  const Shape shape = Shape::ncl(n, c, s);
  std::vector<float> y_core(n * c * s), dx_core(n * c * s);
  const std::vector<Parameter> params = model.parameters();
  for (int step = 0; step < 4; ++step) {
    // Shifted and scaled differently each step, so renorm's r and d move off 1 and 0.
    const std::vector<float> x =
        random_floats(n * c * s, 10 + step, 1.f + float(step), 0.5f * float(step));
    const std::vector<float> dy = random_floats(n * c * s, 20 + step);
    const std::vector<float> y = copy(model.forward(x));
    core.forward(x, shape, y_core);
    ASSERT_EQ(y, y_core) << "step " << step;
    model.backward(dy);
    core.backward(dy, dx_core);
    EXPECT_EQ(copy(params[0].grad), copy(core.weight_grad())) << "step " << step;
    EXPECT_EQ(copy(params[1].grad), copy(core.bias_grad())) << "step " << step;
    // A parameter update, so later steps use γ ≠ 1 and β ≠ 0 in both.
    for (std::size_t i = 0; i < c; ++i) {
      params[0].value[i] -= 0.1f * params[0].grad[i];
      params[1].value[i] -= 0.1f * params[1].grad[i];
      core.weight()[i] -= 0.1f * core.weight_grad()[i];
      core.bias()[i] -= 0.1f * core.bias_grad()[i];
    }
  }
  const StateDict sd = model.state_dict();
  EXPECT_EQ(entry(sd, "0.running_mean").values, copy(core.running_mean()));
  EXPECT_EQ(entry(sd, "0.running_var").values, copy(core.running_var()));
  EXPECT_EQ(entry(sd, "0.num_batches_tracked").values[0], float(core.num_batches_tracked()));
  if (core_options.renorm) {
    EXPECT_EQ(entry(sd, "0.renorm_mean").values, copy(core.renorm_mean()));
    EXPECT_EQ(entry(sd, "0.renorm_std").values, copy(core.renorm_std()));
  }
  model.eval();
  core.eval();
  const std::vector<float> x = random_floats(n * c * s, 30);
  const std::vector<float> y = copy(model.forward(x));
  core.forward(x, shape, y_core);
  EXPECT_EQ(y, y_core);
}

TEST(BatchNormLayerVariants, RenormMatchesTheCoreModule) {
  simdnorm::Options o;
  o.renorm = simdnorm::Renorm{1.5f, 0.5f, 0.2f};
  expect_same_as_core(
      {{"renorm", true}, {"renorm.rmax", 1.5}, {"renorm.dmax", 0.5}, {"renorm.momentum", 0.2}}, o);
}

TEST(BatchNormLayerVariants, GhostBatchesMatchTheCoreModule) {
  simdnorm::Options o;
  o.virtual_batch_size = 2;
  o.momentum = std::nullopt;  // cumulative: num_batches_tracked counts ghost batches
  expect_same_as_core({{"virtualBatchSize", std::int64_t(2)}, {"momentum", nullptr}}, o);
}

TEST(BatchNormLayerVariants, RenormWithGhostBatchesMatchesTheCoreModule) {
  simdnorm::Options o;
  o.virtual_batch_size = 4;
  o.renorm = simdnorm::Renorm{};
  expect_same_as_core({{"virtualBatchSize", std::int64_t(4)}, {"renorm", true}}, o);
}

// torch: bn(x[:k]), bn(x[k:]) in turn, concatenated — here a plain layer run on each chunk.
TEST(BatchNormLayerVariants, GhostBatchesEqualAPlainLayerOnEachChunk) {
  constexpr std::size_t n = 6, k = 2, f = 4;
  Sequential ghost(
      {{"batchNorm1d", {{"numFeatures", std::int64_t(f)}, {"virtualBatchSize", std::int64_t(k)}}}},
      {{f}, n, 1});
  Sequential plain({{"batchNorm1d", {{"numFeatures", std::int64_t(f)}}}}, {{f}, k, 1});
  const std::vector<float> x = random_floats(n * f, 3, 2.f, 1.f);
  const std::vector<float> y = copy(ghost.forward(x));
  for (std::size_t g = 0; g < n / k; ++g) {
    const std::span<const float> chunk = std::span<const float>(x).subspan(g * k * f, k * f);
    const std::vector<float> yg = copy(plain.forward(chunk));
    for (std::size_t i = 0; i < k * f; ++i) EXPECT_EQ(y[g * k * f + i], yg[i]) << g << " " << i;
  }
  const StateDict a = ghost.state_dict(), b = plain.state_dict();
  EXPECT_EQ(entry(a, "0.running_mean").values, entry(b, "0.running_mean").values);
  EXPECT_EQ(entry(a, "0.running_var").values, entry(b, "0.running_var").values);
  EXPECT_EQ(entry(a, "0.num_batches_tracked").values[0], 3.f);
}

TEST(BatchNormLayerVariants, RenormWithoutClippingRoomIsPlainBatchNorm) {
  constexpr std::size_t n = 5, f = 3;
  Sequential renorm({{"batchNorm1d",
                      {{"numFeatures", std::int64_t(f)},
                       {"renorm", true},
                       {"renorm.rmax", 1.0},
                       {"renorm.dmax", 0.0}}}},
                    {{f}, n, 1});
  Sequential plain({{"batchNorm1d", {{"numFeatures", std::int64_t(f)}}}}, {{f}, n, 1});
  for (int step = 0; step < 3; ++step) {
    const std::vector<float> x = random_floats(n * f, 40 + step, 3.f, 2.f);
    const std::vector<float> dy = random_floats(n * f, 50 + step);
    EXPECT_EQ(copy(renorm.forward(x)), copy(plain.forward(x)));
    renorm.backward(dy);
    plain.backward(dy);
    const auto pr = renorm.parameters(), pp = plain.parameters();
    for (std::size_t i = 0; i < f; ++i) {
      EXPECT_NEAR(pr[0].grad[i], pp[0].grad[i], 1e-6f);
      EXPECT_NEAR(pr[1].grad[i], pp[1].grad[i], 1e-6f);
    }
  }
}

TEST(BatchNormLayerVariants, StateDictKeysAndLoading) {
  const std::vector<LayerSpec> layers = {
      {"batchNorm1d", {{"numFeatures", std::int64_t(2)}, {"renorm", true}}}};
  Sequential model(layers, {{2}, 4, 1});
  StateDict sd = model.state_dict();
  std::vector<std::string> keys;
  for (const auto& [k, t] : sd) keys.push_back(k);
  EXPECT_EQ(keys,
            (std::vector<std::string>{"0.weight", "0.bias", "0.running_mean", "0.running_var",
                                      "0.num_batches_tracked", "0.renorm_mean", "0.renorm_std"}));
  EXPECT_EQ(entry(sd, "0.renorm_std").values, (std::vector<float>{1.f, 1.f}));
  for (auto& [k, t] : sd)
    if (k == "0.renorm_mean") t.values = {0.25f, -0.5f};
  model.load_state_dict(sd);
  EXPECT_EQ(entry(model.state_dict(), "0.renorm_mean").values, (std::vector<float>{0.25f, -0.5f}));
}

TEST(BatchNormLayerVariants, SpecErrors) {
  const auto message = [](std::vector<std::pair<std::string, SpecValue>> args) {
    args.insert(args.begin(), {"numFeatures", std::int64_t(2)});
    try {
      Sequential({{"batchNorm1d", args}}, {{2}, 4, 1});
    } catch (const Error& e) {
      return std::string(e.what()) + (e.code() == ErrorCode::range ? " [range]" : " [other]");
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({{"renorm", true}, {"renorm.rmax", 0.5}}),
            "simdnorm::nn::Sequential: layer 0 (batchNorm1d): renorm.rmax: expected a number in "
            "[1, 3.40282e+38], given 0.5 [range]");
  EXPECT_NE(message({{"renorm", true}, {"renorm.dmax", -1.0}}).find("renorm.dmax: expected"),
            std::string::npos);
  EXPECT_NE(message({{"renorm", true}, {"renorm.momentum", 2.0}}).find("renorm.momentum"),
            std::string::npos);
  // renorm.* without renorm, and unknown renorm options, are unknown arguments.
  EXPECT_NE(message({{"renorm.rmax", 2.0}}).find("renorm.rmax: expected one of the arguments"),
            std::string::npos);
  EXPECT_NE(message({{"renorm", true}, {"renorm.rmin", 2.0}}).find("renorm.rmin: expected one of"),
            std::string::npos);
  EXPECT_NE(message({{"virtualBatchSize", -1.0}}).find("virtualBatchSize"), std::string::npos);
}

TEST(BatchNormLayerVariants, ABatchOfWholeGhostBatchesOnlyAndNothingChangesOnError) {
  Sequential model(
      {{"linear", {{"inFeatures", std::int64_t(2)}, {"outFeatures", std::int64_t(2)}}},
       {"batchNorm1d", {{"numFeatures", std::int64_t(2)}}},
       {"batchNorm1d", {{"numFeatures", std::int64_t(2)}, {"virtualBatchSize", std::int64_t(4)}}}},
      {{2}, 8, 1});
  const StateDict before = model.state_dict();
  try {
    model.forward(random_floats(12, 5));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::shape);
    EXPECT_STREQ(e.what(),
                 "simdnorm::nn::Sequential: layer 2 (BatchNorm1d): x: expected a batch that is a "
                 "multiple of virtualBatchSize = 4, given 6 samples");
  }
  EXPECT_EQ(entry(model.state_dict(), "1.num_batches_tracked").values,
            entry(before, "1.num_batches_tracked").values);
  model.forward(random_floats(16, 5));  // 8 samples: two ghost batches
  EXPECT_EQ(entry(model.state_dict(), "2.num_batches_tracked").values[0], 2.f);
  model.eval();
  model.forward(random_floats(6, 5));  // eval uses the running statistics: any batch
}

}  // namespace
}  // namespace simdnorm::nn
