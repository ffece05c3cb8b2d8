// Sequential: spec validation (layer index, argument, expected, given), shape chaining, the
// state dict's PyTorch keys and strict loading, forward/backward plumbing against the layers run
// one by one, batches larger than planned, and train/eval.

#include "nn/sequential.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "nn/optim/sgd.hpp"
#include "simdnorm/error.hpp"

namespace simdnorm::nn {
namespace {

std::vector<LayerSpec> issue_cnn() {
  // The example of issue 11: conv → BN2d → ReLU → max-pool → flatten → linear.
  return {
      {"conv2d",
       {{"inChannels", 1},
        {"outChannels", 8},
        {"kernelSize", 3},
        {"stride", 1},
        {"padding", 1},
        {"bias", false}}},
      {"batchNorm2d", {{"numFeatures", 8}}},
      {"relu", {}},
      {"maxPool2d", {{"kernelSize", 2}}},
      {"flatten", {}},
      {"linear", {{"inFeatures", 8 * 14 * 14}, {"outFeatures", 10}}},
  };
}

std::string error_of(const std::vector<LayerSpec>& layers, std::vector<std::size_t> input) {
  try {
    Sequential(layers, {std::move(input), 2, 1});
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

TEST(Sequential, ShapesChainAsInPyTorch) {
  Sequential model(issue_cnn(), {{1, 28, 28}, 4, 1});
  ASSERT_EQ(model.size(), 6u);
  EXPECT_EQ(model.layer(0).output_shape(), SampleShape::of({8, 28, 28}));
  EXPECT_EQ(model.layer(3).output_shape(), SampleShape::of({8, 14, 14}));
  EXPECT_EQ(model.layer(4).output_shape(), SampleShape::of({8 * 14 * 14}));
  EXPECT_EQ(model.output_shape(), SampleShape::of({10}));
  EXPECT_EQ(model.layer(1).type(), "BatchNorm2d");
}

TEST(Sequential, BadSpecsNameLayerArgumentExpectedAndGiven) {
  auto layers = issue_cnn();
  layers[1].args[0].second = std::int64_t(7);
  EXPECT_EQ(error_of(layers, {1, 28, 28}),
            "simdnorm::nn::Sequential: layer 1 (batchNorm2d): numFeatures: expected 8 (the "
            "input's channels), given 7");

  layers = issue_cnn();
  layers[5].args[0].second = std::int64_t(100);
  EXPECT_EQ(error_of(layers, {1, 28, 28}),
            "simdnorm::nn::Sequential: layer 5 (linear): inFeatures: expected 1568 (the last "
            "dimension of the input [1568]), given 100");

  layers = issue_cnn();
  EXPECT_EQ(error_of(layers, {3, 28, 28}),
            "simdnorm::nn::Sequential: layer 0 (conv2d): inChannels: expected 3 (the input's "
            "channels), given 1");

  const std::vector<LayerSpec> big_kernel = {{"maxPool2d", {{"kernelSize", 5}}}};
  EXPECT_EQ(error_of(big_kernel, {1, 4, 6}),
            "simdnorm::nn::Sequential: layer 0 (maxPool2d): kernelSize: expected at most 4 (the "
            "padded input [1, 4, 6]), given 5");
  const std::vector<LayerSpec> big_conv = {
      {"conv2d", {{"inChannels", 1}, {"outChannels", 1}, {"kernelSize", 7}, {"padding", 1}}}};
  EXPECT_NE(error_of(big_conv, {1, 4, 6}).find("kernelSize: expected at most 6"),
            std::string::npos);

  const std::vector<LayerSpec> unknown = {{"relu", {}}, {"lstmCell", {}}};
  EXPECT_EQ(error_of(unknown, {4})
                .rfind("simdnorm::nn::Sequential: layer 1 (lstmCell): type: "
                       "expected one of linear, conv2d, ",
                       0),
            0u)
      << error_of(unknown, {4});
  EXPECT_NE(error_of(unknown, {4}).find("given 'lstmCell'"), std::string::npos);

  const std::vector<LayerSpec> typo = {{"linear", {{"inFeatures", 4}, {"outFeature", 2}}}};
  EXPECT_EQ(error_of(typo, {4}),
            "simdnorm::nn::Sequential: layer 0 (linear): outFeatures: expected an integer ≥ 1, "
            "given none");
  const std::vector<LayerSpec> extra = {{"relu", {{"inplace", true}}}};
  EXPECT_NE(error_of(extra, {4}).find("layer 0 (relu): inplace: expected one of the arguments"),
            std::string::npos);
  const std::vector<LayerSpec> wrong_type = {{"dropout", {{"p", true}}}};
  EXPECT_EQ(error_of(wrong_type, {4}),
            "simdnorm::nn::Sequential: layer 0 (dropout): p: expected a number in [0, 1], given "
            "true");
  const std::vector<LayerSpec> fractional = {{"maxPool2d", {{"kernelSize", 1.5}}}};
  EXPECT_EQ(error_of(fractional, {1, 4, 4}),
            "simdnorm::nn::Sequential: layer 0 (maxPool2d): kernelSize: expected an integer ≥ 1, "
            "given 1.5");
  EXPECT_EQ(error_of({}, {4}), "simdnorm::nn::Sequential: layers: expected at least 1, given 0");
  EXPECT_EQ(error_of({{"relu", {}}}, {0, 3}),
            "simdnorm::nn::Sequential: inputShape: expected 1 to 3 dimensions ≥ 1, given [0, 3]");
}

TEST(Sequential, StateDictHasPyTorchKeysAndShapes) {
  Sequential model(issue_cnn(), {{1, 28, 28}, 2, 1});
  const StateDict sd = model.state_dict();
  std::vector<std::string> keys;
  for (const auto& [k, v] : sd) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"0.weight", "1.weight", "1.bias", "1.running_mean",
                                            "1.running_var", "1.num_batches_tracked", "5.weight",
                                            "5.bias"}));
  EXPECT_EQ(sd[0].second.shape, (std::vector<std::size_t>{8, 1, 3, 3}));
  EXPECT_EQ(sd[5].second.shape, (std::vector<std::size_t>{}));
  EXPECT_EQ(sd[6].second.shape, (std::vector<std::size_t>{10, 1568}));
  // PyTorch's defaults: kaiming-uniform bounds 1/√fan_in, BN γ = 1, β = 0, mean 0, var 1.
  for (const float w : sd[0].second.values) EXPECT_LE(std::fabs(w), 1 / 3.f);
  for (const float w : sd[6].second.values) EXPECT_LE(std::fabs(w), 1 / std::sqrt(1568.f));
  EXPECT_EQ(sd[1].second.values, std::vector<float>(8, 1.f));
  EXPECT_EQ(sd[4].second.values, std::vector<float>(8, 1.f));
  EXPECT_EQ(sd[5].second.values, std::vector<float>{0.f});
}

LayerSpec bn_lstm(SpecValue mode, std::vector<std::pair<std::string, SpecValue>> more = {}) {
  LayerSpec s{"lstm", {{"inputSize", 3}, {"hiddenSize", 4}, {"batchNorm", std::move(mode)}}};
  for (auto& a : more) s.args.push_back(std::move(a));
  return s;
}

TEST(Sequential, RecurrentBatchNormSpecErrors) {
  const std::string at =
      "simdnorm::nn::Sequential: layer 1 (lstm): batchNorm: expected one of "
      "false, 'per-step', 'shared', given ";
  EXPECT_EQ(error_of({{"relu", {}}, bn_lstm(std::string("perstep"))}, {5, 3}), at + "'perstep'");
  EXPECT_EQ(error_of({{"relu", {}}, bn_lstm(true)}, {5, 3}), at + "true");
  EXPECT_EQ(error_of({{"relu", {}}, bn_lstm(2.0)}, {5, 3}), at + "2");
  EXPECT_EQ(error_of({{"relu", {}}, bn_lstm(std::string("per-step"), {{"maxLength", 0}})}, {5, 3}),
            "simdnorm::nn::Sequential: layer 1 (lstm): maxLength: expected an integer ≥ 1, given "
            "0");
  // maxLength only with per-step statistics.
  EXPECT_NE(error_of({bn_lstm(std::string("shared"), {{"maxLength", 3}})}, {5, 3})
                .find("layer 0 (lstm): maxLength: expected one of the arguments of lstm"),
            std::string::npos);
  // A string where another argument wants a number.
  EXPECT_EQ(error_of({{"lstm", {{"inputSize", std::string("3")}, {"hiddenSize", 4}}}}, {5, 3}),
            "simdnorm::nn::Sequential: layer 0 (lstm): inputSize: expected an integer ≥ 1, given "
            "'3'");
  try {
    Sequential({bn_lstm(std::string("per_step"))}, {{5, 3}, 2, 1});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::range);
  }
  try {
    Sequential({bn_lstm(1.0)}, {{5, 3}, 2, 1});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::type);
  }
}

// Keys in PyTorch's order for the script's BNLSTM module (own parameters, then each BN
// submodule's parameters and buffers), [slots, C] statistics, γ = 0.1, β = 0.
TEST(Sequential, RecurrentBatchNormStateDict) {
  for (const std::string mode : {"per-step", "shared"}) {
    SCOPED_TRACE(mode);
    Sequential model({bn_lstm(mode)}, {{5, 3}, 2, 1});
    const StateDict sd = model.state_dict();
    std::vector<std::string> keys;
    for (const auto& [k, v] : sd) keys.push_back(k);
    std::vector<std::string> expected = {"0.weight_ih_l0", "0.weight_hh_l0", "0.bias_ih_l0",
                                         "0.bias_hh_l0"};
    for (const std::string bn : {"bn_ih", "bn_hh", "bn_c"}) {
      expected.push_back("0." + bn + ".weight");
      if (bn == "bn_c") expected.push_back("0.bn_c.bias");
      for (const char* b : {".running_mean", ".running_var", ".num_batches_tracked"})
        expected.push_back("0." + bn + b);
    }
    EXPECT_EQ(keys, expected);
    const std::size_t slots = mode == "per-step" ? 5 : 1;
    EXPECT_EQ(sd[4].second.values, std::vector<float>(16, 0.1f));  // bn_ih.weight
    EXPECT_EQ(sd[5].second.shape, (std::vector<std::size_t>{slots, 16}));
    EXPECT_EQ(sd[7].second.shape, (std::vector<std::size_t>{slots}));
    EXPECT_EQ(sd[12].second.values, std::vector<float>(4, 0.1f));  // bn_c.weight
    EXPECT_EQ(sd[13].second.values, std::vector<float>(4, 0.f));   // bn_c.bias
    EXPECT_EQ(sd[14].second.shape, (std::vector<std::size_t>{slots, 4}));
  }
}

// In eval mode, steps after the last trained statistics slot use its running statistics: a model
// of 6 steps whose slots 3..5 were never trained gives the same outputs as one whose slots 3..5
// hold slot 2's statistics, and other outputs once slot 5 holds something else.
TEST(Sequential, RecurrentBatchNormLaterStepsUseTheLastTrainedSlot) {
  Sequential model({bn_lstm(std::string("per-step"), {{"returnSequences", true}})}, {{6, 3}, 4, 1});
  StateDict sd = model.state_dict();
  auto entry = [&](const std::string& key) -> StateTensor& {
    for (auto& [k, v] : sd)
      if (k == key) return v;
    throw std::runtime_error(key);
  };
  for (const std::string bn : {"bn_ih", "bn_hh", "bn_c"}) {
    StateTensor& mean = entry("0." + bn + ".running_mean");
    StateTensor& var = entry("0." + bn + ".running_var");
    const std::size_t c = mean.values.size() / 6;
    for (std::size_t i = 0; i < 3 * c; ++i) {
      mean.values[i] = 0.1f * float(i % 7) - 0.3f;
      var.values[i] = 0.5f + 0.05f * float(i % 5);
    }
    entry("0." + bn + ".num_batches_tracked").values = {1, 1, 1, 0, 0, 0};
  }
  model.load_state_dict(sd);
  model.eval();
  std::vector<float> x(4 * 18);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(float(i));
  const std::span<const float> first = model.forward(x);
  const std::vector<float> untrained(first.begin(), first.end());
  for (const std::string bn : {"bn_ih", "bn_hh", "bn_c"}) {
    StateTensor& mean = entry("0." + bn + ".running_mean");
    StateTensor& var = entry("0." + bn + ".running_var");
    const std::size_t c = mean.values.size() / 6;
    for (std::size_t t = 3; t < 6; ++t)
      for (std::size_t i = 0; i < c; ++i) {
        mean.values[t * c + i] = mean.values[2 * c + i];
        var.values[t * c + i] = var.values[2 * c + i];
      }
    entry("0." + bn + ".num_batches_tracked").values = {1, 1, 1, 1, 1, 1};
  }
  model.load_state_dict(sd);
  const std::span<const float> copied = model.forward(x);
  ASSERT_EQ(copied.size(), untrained.size());
  for (std::size_t i = 0; i < copied.size(); ++i) EXPECT_EQ(copied[i], untrained[i]) << i;
  entry("0.bn_c.running_mean").values.back() += 1.f;
  model.load_state_dict(sd);
  EXPECT_NE(model.forward(x).back(), untrained.back());
}

TEST(Sequential, InitializationIsSeededAndUniformWithPyTorchBounds) {
  const std::vector<LayerSpec> layers = {{"linear", {{"inFeatures", 400}, {"outFeatures", 300}}}};
  const StateDict a = Sequential(layers, {{400}, 1, 7}).state_dict();
  const StateDict b = Sequential(layers, {{400}, 1, 7}).state_dict();
  const StateDict c = Sequential(layers, {{400}, 1, 8}).state_dict();
  EXPECT_EQ(a[0].second.values, b[0].second.values);
  EXPECT_NE(a[0].second.values, c[0].second.values);
  // U(−1/20, 1/20): mean 0, variance b²/3 = 1/1200; 120 000 draws put both within a few %.
  double sum = 0, sq = 0;
  for (const float w : a[0].second.values) {
    ASSERT_LE(std::fabs(w), 0.05f);
    sum += w;
    sq += double(w) * w;
  }
  const double n = double(a[0].second.values.size());
  EXPECT_NEAR(sum / n, 0, 3e-4);
  EXPECT_NEAR(sq / n, 1.0 / 1200, 0.03 / 1200);
}

TEST(Sequential, LoadStateDictIsStrictAndNamesTheKey) {
  Sequential model(issue_cnn(), {{1, 28, 28}, 2, 1});
  StateDict sd = model.state_dict();
  sd[6].second.values[3] = 0.25f;
  sd[5].second.values[0] = 17;
  model.load_state_dict(sd);
  EXPECT_EQ(model.state_dict()[6].second.values[3], 0.25f);
  EXPECT_EQ(model.state_dict()[5].second.values[0], 17.f);

  auto error = [&](StateDict d) -> std::string {
    try {
      model.load_state_dict(d);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "no error";
  };
  StateDict missing = sd;
  missing.erase(missing.begin() + 3);
  EXPECT_EQ(error(missing),
            "simdnorm::nn::Sequential::load_state_dict: '1.running_mean': expected a tensor of "
            "shape [8], given none (missing key)");
  StateDict extra = sd;
  extra.push_back({"6.weight", {{1}, {0.f}}});
  EXPECT_EQ(error(extra),
            "simdnorm::nn::Sequential::load_state_dict: '6.weight': expected no such key "
            "(strict), given one");
  StateDict wrong = sd;
  wrong[0].second.values.pop_back();
  EXPECT_EQ(error(wrong),
            "simdnorm::nn::Sequential::load_state_dict: '0.weight': expected shape [8, 1, 3, 3] "
            "(72 values), given shape [8, 1, 3, 3] (71 values)");
  // Nothing was changed by the failed loads.
  EXPECT_EQ(model.state_dict()[0].second.values, sd[0].second.values);
}

TEST(Sequential, ForwardBackwardMatchTheLayersRunOneByOne) {
  const std::vector<LayerSpec> layers = {
      {"linear", {{"inFeatures", 3}, {"outFeatures", 4}}},
      {"tanh", {}},
      {"linear", {{"inFeatures", 4}, {"outFeatures", 2}}},
  };
  Sequential model(layers, {{3}, 2, 3});
  const std::vector<float> x = {0.5f, -1, 2, 1, 0, -0.5f, 0.25f, 0.75f, -2};  // 3 samples
  const std::span<const float> y = model.forward(x);  // beyond the planned batch of 2: re-plans
  ASSERT_EQ(y.size(), 6u);
  EXPECT_EQ(model.planned_batch(), 3u);
  // By hand: y = W2·tanh(W1·x + b1) + b2 per sample.
  const StateDict sd = model.state_dict();
  const auto& w1 = sd[0].second.values;
  const auto& b1 = sd[1].second.values;
  const auto& w2 = sd[2].second.values;
  const auto& b2 = sd[3].second.values;
  for (std::size_t s = 0; s < 3; ++s)
    for (std::size_t o = 0; o < 2; ++o) {
      double acc = b2[o];
      for (std::size_t h = 0; h < 4; ++h) {
        double z = b1[h];
        for (std::size_t i = 0; i < 3; ++i) z += double(w1[h * 3 + i]) * x[s * 3 + i];
        acc += double(w2[o * 4 + h]) * std::tanh(z);
      }
      EXPECT_NEAR(y[s * 2 + o], acc, 1e-6) << s << "," << o;
    }
  // ∂(Σ y)/∂b2 = number of samples.
  model.backward(std::vector<float>(6, 1.f));
  const std::vector<Parameter> params = model.parameters();
  ASSERT_EQ(params[3].name, "2.bias");
  EXPECT_FLOAT_EQ(params[3].grad[0], 3.f);
  EXPECT_FLOAT_EQ(params[3].grad[1], 3.f);
}

TEST(Sequential, TrainStepLearnsAndEvalUsesRunningStatistics) {
  const std::vector<LayerSpec> layers = {
      {"linear", {{"inFeatures", 2}, {"outFeatures", 8}}},
      {"batchNorm1d", {{"numFeatures", 8}}},
      {"relu", {}},
      {"linear", {{"inFeatures", 8}, {"outFeatures", 2}}},
  };
  Sequential model(layers, {{2}, 8, 1});
  optim::SGD opt(model.parameters(), {0.1f, 0.9f});
  // Two separable clusters.
  std::vector<float> x;
  std::vector<std::int32_t> labels;
  for (int i = 0; i < 8; ++i) {
    const float sign = i % 2 ? 1.f : -1.f;
    x.push_back(sign * 2 + 0.1f * float(i));
    x.push_back(sign * 1 - 0.05f * float(i));
    labels.push_back(i % 2);
  }
  const double first = model.train_step(x, labels, opt).loss;
  TrainStepResult last{};
  for (int i = 0; i < 50; ++i) last = model.train_step(x, labels, opt);
  EXPECT_LT(last.loss, first / 4);
  EXPECT_EQ(last.correct, 8u);
  EXPECT_EQ(model.state_dict()[6].second.values[0], 51.f);  // num_batches_tracked
  model.eval();
  const std::vector<float> one(x.begin(), x.begin() + 2);  // a batch of 1 works in eval mode
  EXPECT_EQ(model.forward(one).size(), 2u);
  EXPECT_EQ(model.state_dict()[6].second.values[0], 51.f);
  // In training mode, a batch of 1 has one value per channel: torch refuses it, so do we.
  model.train();
  EXPECT_THROW(model.forward(one), std::invalid_argument);
}

// The example of docs/engine.md, as written there.
TEST(Sequential, DocsExampleRuns) {
  std::vector<float> x(64 * 784), x_test(3 * 784);
  std::vector<std::int32_t> labels(64);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i % 29) / 29.f;
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = std::int32_t(i % 10);
  Sequential model(
      {
          {"conv2d",
           {{"inChannels", 1},
            {"outChannels", 8},
            {"kernelSize", 3},
            {"padding", 1},
            {"bias", false}}},
          {"batchNorm2d", {{"numFeatures", 8}}},
          {"relu", {}},
          {"maxPool2d", {{"kernelSize", 2}}},
          {"flatten", {}},
          {"linear", {{"inFeatures", 8 * 14 * 14}, {"outFeatures", 10}}},
      },
      {.input_shape = {1, 28, 28}, .batch_size = 64, .seed = 1});
  optim::SGD opt(model.parameters(), {.lr = 0.1f, .momentum = 0.9f, .weight_decay = 5e-4f});
  TrainStepResult r = model.train_step(x, labels, opt);
  EXPECT_TRUE(std::isfinite(r.loss));
  model.eval();
  std::span<const float> logits = model.forward(x_test);
  EXPECT_EQ(logits.size(), 30u);
  StateDict sd = model.state_dict();
  EXPECT_EQ(sd[3].first, "1.running_mean");
}

TEST(Sequential, TrainStepChecksLabels) {
  Sequential model({{"linear", {{"inFeatures", 2}, {"outFeatures", 3}}}}, {{2}, 2, 1});
  optim::SGD opt(model.parameters(), {});
  const std::vector<float> x = {1, 2, 3, 4};
  try {
    model.train_step(x, std::vector<std::int32_t>{0, 3}, opt);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "simdnorm::nn::Sequential::train_step: labels[1]: expected a class in [0, 3), "
                 "given 3");
  }
  EXPECT_THROW(model.train_step(x, std::vector<std::int32_t>{0}, opt), std::invalid_argument);
  EXPECT_THROW(model.forward(std::vector<float>{1, 2, 3}), std::invalid_argument);
}

TEST(Sequential, AFailedTrainStepChangesNothing) {
  Sequential model({{"linear", {{"inFeatures", 2}, {"outFeatures", 3}, {"bias", false}}},
                    {"batchNorm1d", {{"numFeatures", 3}}}},
                   {{2}, 2, 1});
  optim::SGD opt(model.parameters(), {.lr = 0.1f});
  const std::vector<float> x = {1, 2, 3, 4};
  const StateDict before = model.state_dict();
  EXPECT_THROW(model.train_step(x, std::vector<std::int32_t>{0, -1}, opt), simdnorm::Error);
  EXPECT_THROW(model.train_step(x, std::vector<std::int32_t>{0, 1}, opt, -1.0), simdnorm::Error);
  const StateDict after = model.state_dict();
  for (std::size_t i = 0; i < before.size(); ++i)
    EXPECT_EQ(after[i].second.values, before[i].second.values) << before[i].first;
}

TEST(Sequential, ClipsGradientsByGlobalNorm) {
  Sequential model({{"linear", {{"inFeatures", 2}, {"outFeatures", 3}}}}, {{2}, 2, 1});
  optim::SGD opt(model.parameters(), {.lr = 1});
  const std::vector<float> x = {1, 2, 3, 4};
  const StateDict before = model.state_dict();
  const TrainStepResult r = model.train_step(x, std::vector<std::int32_t>{0, 2}, opt, 1e-3);
  EXPECT_GT(r.grad_norm, 1e-2);
  // With lr 1 the parameters moved by exactly the clipped gradient, of global norm 1e-3.
  const StateDict after = model.state_dict();
  double moved = 0;
  for (std::size_t k = 0; k < after.size(); ++k)
    for (std::size_t i = 0; i < after[k].second.values.size(); ++i)
      moved += std::pow(double(after[k].second.values[i]) - before[k].second.values[i], 2);
  EXPECT_NEAR(std::sqrt(moved), 1e-3, 1e-6);
}

TEST(Sequential, TrainStepMseMatchesFloat64MathAndChecksTargets) {
  // Linear 3 → 2 with a Tanh after it: loss = mean over n·2 of (tanh(xWᵀ + b) − t)²; the SGD
  // step against the gradient derived by hand in double.
  Sequential model({{"linear", {{"inFeatures", 3}, {"outFeatures", 2}}}, {"tanh", {}}},
                   {{3}, 4, 7});
  optim::SGD opt(model.parameters(), {.lr = 0.5f});
  const std::size_t n = 4;
  const std::vector<float> x = {0.1f,  -0.4f, 0.9f, 0.3f, 0.2f,  -0.7f,
                                -0.5f, 0.8f,  0.0f, 0.6f, -0.1f, 0.4f};
  const std::vector<float> t = {0.5f, -0.2f, 0.1f, 0.9f, -0.6f, 0.3f, 0.0f, -0.8f};
  const StateDict before = model.state_dict();
  const std::vector<float>& w = before[0].second.values;
  const std::vector<float>& b = before[1].second.values;
  double loss = 0;
  std::vector<double> gw(6, 0), gb(2, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t o = 0; o < 2; ++o) {
      double z = b[o];
      for (std::size_t k = 0; k < 3; ++k) z += double(x[i * 3 + k]) * w[o * 3 + k];
      const double y = std::tanh(z), d = y - t[i * 2 + o];
      loss += d * d / double(n * 2);
      const double dz = 2 * d / double(n * 2) * (1 - y * y);
      gb[o] += dz;
      for (std::size_t k = 0; k < 3; ++k) gw[o * 3 + k] += dz * x[i * 3 + k];
    }
  const TrainStepResult r = model.train_step_mse(x, t, opt);
  EXPECT_NEAR(r.loss, loss, 1e-6);
  EXPECT_EQ(r.correct, 0u);
  const StateDict after = model.state_dict();
  for (std::size_t i = 0; i < 6; ++i)
    EXPECT_NEAR(after[0].second.values[i], w[i] - 0.5 * gw[i], 1e-6) << "weight " << i;
  for (std::size_t o = 0; o < 2; ++o)
    EXPECT_NEAR(after[1].second.values[o], b[o] - 0.5 * gb[o], 1e-6) << "bias " << o;

  try {
    model.train_step_mse(x, std::vector<float>(7), opt);
    FAIL() << "no error";
  } catch (const simdnorm::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::shape);
    EXPECT_STREQ(e.what(),
                 "simdnorm::nn::Sequential::train_step_mse: targets: expected 8 floats (4 samples "
                 "of [2]), given 7");
  }
  EXPECT_THROW(model.train_step_mse(x, t, opt, -1.0), simdnorm::Error);
  const StateDict unchanged = model.state_dict();
  for (std::size_t i = 0; i < after.size(); ++i)
    EXPECT_EQ(unchanged[i].second.values, after[i].second.values) << after[i].first;
}

TEST(Sequential, SizesThatWouldWrapIn32BitsAreRefusedBeforeAllocating) {
  try {
    Sequential({{"linear", {{"inFeatures", 4}, {"outFeatures", std::int64_t(1) << 32}}}},
               {{4}, 1, 1});
    FAIL() << "no error";
  } catch (const simdnorm::Error& e) {
    EXPECT_EQ(e.code(), simdnorm::ErrorCode::range);
    EXPECT_STREQ(e.what(),
                 "simdnorm::nn::Sequential: layer 0 (linear): outFeatures: expected at most "
                 "16777216, given 4294967296");
  }
}

}  // namespace
}  // namespace simdnorm::nn
