// Replays tests/fixtures/engine (written by tests/pytorch/make_engine_fixtures.py with PyTorch
// 1.13): the same nn.Sequential, loaded with PyTorch's initial state dict, trained for several
// steps on the same batches with the same optimizer, must give PyTorch's losses, logits, gradient
// norms, final parameters and running statistics, and eval-mode logits. The model specs below
// are written independently of the script's on purpose.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <string>

#include "fixture_file.hpp"
#include "nn/clip_grad_norm.hpp"
#include "nn/optim/adam.hpp"
#include "nn/optim/rmsprop.hpp"
#include "nn/optim/sgd.hpp"
#include "nn/sequential.hpp"
#include "nn/softmax_cross_entropy.hpp"

namespace simdnorm::nn {
namespace {

using simdnorm_test::FixtureFile;

std::vector<LayerSpec> model_named(const std::string& name) {
  if (name == "cnn")
    return {
        {"conv2d",
         {{"inChannels", 1},
          {"outChannels", 4},
          {"kernelSize", 3},
          {"padding", 1},
          {"bias", false}}},
        {"batchNorm2d", {{"numFeatures", 4}}},
        {"relu", {}},
        {"maxPool2d", {{"kernelSize", 2}}},
        {"conv2d",
         {{"inChannels", 4}, {"outChannels", 6}, {"kernelSize", 3}, {"stride", 2}, {"padding", 1}}},
        {"tanh", {}},
        {"avgPool2d", {{"kernelSize", 2}, {"stride", 1}}},
        {"flatten", {}},
        {"linear", {{"inFeatures", 24}, {"outFeatures", 5}}},
    };
  if (name == "mlp")
    return {
        {"linear", {{"inFeatures", 6}, {"outFeatures", 8}, {"bias", false}}},
        {"batchNorm1d", {{"numFeatures", 8}}},
        {"sigmoid", {}},
        {"linear", {{"inFeatures", 8}, {"outFeatures", 8}, {"bias", false}}},
        {"batchNorm1d", {{"numFeatures", 8}, {"momentum", nullptr}, {"eps", 1e-3}}},
        {"relu", {}},
        {"linear", {{"inFeatures", 8}, {"outFeatures", 4}}},
    };
  if (name == "lstm_last")
    return {
        {"lstm", {{"inputSize", 4}, {"hiddenSize", 6}}},
        {"linear", {{"inFeatures", 6}, {"outFeatures", 3}}},
    };
  if (name == "rnn_last")
    return {
        {"rnn", {{"inputSize", 4}, {"hiddenSize", 6}}},
        {"linear", {{"inFeatures", 6}, {"outFeatures", 3}}},
    };
  if (name == "lstm_sequence")
    return {
        {"lstm", {{"inputSize", 4}, {"hiddenSize", 6}, {"returnSequences", true}}},
        {"linear", {{"inFeatures", 6}, {"outFeatures", 3}}},
        {"tanh", {}},
        {"flatten", {}},
        {"linear", {{"inFeatures", 15}, {"outFeatures", 3}}},
    };
  // Recurrent batch normalization (the script's BNLSTM): maxLength 5 slots, as trained, so the
  // same specs also run the eval sequences of 8 steps.
  if (name == "bn_lstm_per_step")
    return {
        {"lstm",
         {{"inputSize", 4},
          {"hiddenSize", 6},
          {"batchNorm", std::string("per-step")},
          {"maxLength", 5}}},
        {"linear", {{"inFeatures", 6}, {"outFeatures", 3}}},
    };
  if (name == "bn_lstm_shared")
    return {
        {"lstm", {{"inputSize", 4}, {"hiddenSize", 6}, {"batchNorm", std::string("shared")}}},
        {"linear", {{"inFeatures", 6}, {"outFeatures", 3}}},
    };
  if (name == "bn_lstm_sequence")
    return {
        {"lstm",
         {{"inputSize", 4},
          {"hiddenSize", 6},
          {"batchNorm", std::string("per-step")},
          {"returnSequences", true}}},
        {"linear", {{"inFeatures", 6}, {"outFeatures", 3}}},
        {"tanh", {}},
        {"flatten", {}},
        {"linear", {{"inFeatures", 15}, {"outFeatures", 3}}},
    };
  throw std::runtime_error("unknown model " + name);
}

std::unique_ptr<optim::Optimizer> optimizer_for(const FixtureFile& f,
                                                std::vector<Parameter> params) {
  const std::string kind = f.text("optimizer");
  if (kind == "sgd")
    return std::make_unique<optim::SGD>(
        params, optim::SGDOptions{f.number("lr"), f.number("momentum"), f.number("dampening"),
                                  f.number("weight_decay"), f.integer("nesterov") != 0});
  if (kind == "adam")
    return std::make_unique<optim::Adam>(params,
                                         optim::AdamOptions{f.number("lr"),
                                                            {f.number("beta1"), f.number("beta2")},
                                                            f.number("eps"),
                                                            f.number("weight_decay")});
  if (kind == "rmsprop")
    return std::make_unique<optim::RMSprop>(
        params, optim::RMSpropOptions{f.number("lr"), f.number("alpha"), f.number("eps"),
                                      f.number("weight_decay"), f.number("momentum"),
                                      f.integer("centered") != 0});
  throw std::runtime_error("unknown optimizer " + kind);
}

// Every "init.<key>" record of the file, in order: the fixture's state-dict keys.
std::vector<std::string> fixture_keys(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> keys;
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("init.", 0) == 0) keys.push_back(line.substr(5, line.find(' ') - 5));
  return keys;
}

// Float32 results computed in a different order (im2col GEMM vs ATen's loops, Chan-merged BN
// moments vs ATen's) differ by a few ulp per operation; after four steps the values agree to
// about 1e-6 on every ISA. We allow 1e-5 absolute + 1e-5 relative, which still catches any
// semantic difference (a wrong default or a missing term of an update rule changes values by 1e-3
// or more). The models have no bias right before a BatchNorm: its true gradient is 0, and Adam
// would divide float noise by its own RMS, which no two implementations reproduce alike.
void expect_close(std::span<const float> actual, const std::vector<float>& expected,
                  const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < expected.size(); ++i)
    ASSERT_NEAR(actual[i], expected[i], 1e-5 + 1e-5 * std::fabs(expected[i]))
        << what << " at index " << i;
}

class PyTorchParity : public testing::TestWithParam<std::filesystem::path> {};

TEST_P(PyTorchParity, TrainingStepsAndEvalMatch) {
  const FixtureFile f(GetParam());
  std::vector<std::size_t> input_shape;
  for (const float d : f.tensor("input_shape")) input_shape.push_back(std::size_t(d));
  const std::size_t batch = std::size_t(f.integer("batch"));
  Sequential model(model_named(f.text("model")), {input_shape, batch, 1});

  // PyTorch's initial state, through the strict loader (keys, order and shapes must agree).
  StateDict init;
  for (const std::string& key : fixture_keys(GetParam())) {
    StateTensor t;
    for (const float d : f.tensor("shape." + key)) t.shape.push_back(std::size_t(d));
    t.values = f.tensor("init." + key);
    init.push_back({key, std::move(t)});
  }
  std::vector<std::string> keys;
  for (const auto& [k, v] : model.state_dict()) keys.push_back(k);
  ASSERT_EQ(keys, fixture_keys(GetParam())) << "state-dict keys differ from PyTorch's";
  model.load_state_dict(init);

  const std::unique_ptr<optim::Optimizer> opt = optimizer_for(f, model.parameters());
  const float clip = f.number("clip");
  const std::size_t classes = std::size_t(f.integer("classes"));
  model.train();
  for (long step = 0; step < f.integer("steps"); ++step) {
    const std::string s = std::to_string(step);
    SCOPED_TRACE("step " + s);
    const std::vector<float> x = f.tensor("x." + s);
    std::vector<std::int32_t> labels;
    for (const float l : f.tensor("labels." + s)) labels.push_back(std::int32_t(l));
    const std::span<const float> logits = model.forward(x);
    expect_close(logits, f.tensor("logits." + s), "logits");
    std::vector<float> dlogits(logits.size());
    const LossResult loss = softmax_cross_entropy(logits, batch, classes, labels, dlogits);
    EXPECT_NEAR(loss.loss, f.number("loss." + s), 2e-5 * (1 + std::fabs(loss.loss)));
    model.backward(dlogits);
    if (clip > 0) {
      const double norm = clip_grad_norm(opt->params(), clip);
      EXPECT_NEAR(norm, f.number("grad_norm." + s), 1e-4 * (1 + norm));
    }
    opt->step();
  }
  for (const auto& [key, tensor] : model.state_dict())
    expect_close(tensor.values, f.tensor("final." + key), "final " + key);

  model.eval();
  expect_close(model.forward(f.tensor("eval_x")), f.tensor("eval_logits"), "eval logits");

  // Sequences longer than the trained ones: the same specs over more steps, with the trained
  // state; steps past the last statistics slot use its running statistics.
  if (f.has("eval_long_steps")) {
    input_shape[0] = std::size_t(f.integer("eval_long_steps"));
    Sequential longer(model_named(f.text("model")), {input_shape, batch, 1});
    longer.load_state_dict(model.state_dict());
    longer.eval();
    expect_close(longer.forward(f.tensor("eval_long_x")), f.tensor("eval_long_logits"),
                 "eval logits of longer sequences");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, PyTorchParity,
    testing::ValuesIn(simdnorm_test::fixture_paths(SIMDNORM_ENGINE_FIXTURES_DIR)),
    [](const testing::TestParamInfo<std::filesystem::path>& info) {
      return info.param.stem().string();
    });

TEST(PyTorchParityFixtures, AreThere) {
  EXPECT_EQ(simdnorm_test::fixture_paths(SIMDNORM_ENGINE_FIXTURES_DIR).size(), 14u)
      << "expected the 14 fixtures of tests/pytorch/make_engine_fixtures.py in "
      << SIMDNORM_ENGINE_FIXTURES_DIR;
}

}  // namespace
}  // namespace simdnorm::nn
