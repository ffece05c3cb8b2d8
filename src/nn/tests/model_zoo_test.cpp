// The named models build on 28×28 images, give 10 logits, and their BN / no-BN twins differ only
// by the BatchNorm layers and the biases BN makes redundant. Their state dicts have the keys and
// shapes of PyTorch's nn.Sequential of the same modules (tests/fixtures/model_zoo/state_dicts.txt
// from tests/pytorch/make_model_zoo_fixture.py; tests/js/learning.test.mjs checks the JavaScript
// zoo against the same file).

#include "nn/model_zoo.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixture_file.hpp"
#include "nn/sequential.hpp"
#include "simdnorm/error.hpp"

namespace simdnorm::nn {
namespace {

TEST(ModelZoo, NamedModelsBuildAsTwins) {
  for (const char* name : {"cnn", "mlp"}) {
    Sequential with(named_model(name, true), {{1, 28, 28}, 2, 1});
    Sequential without(named_model(name, false), {{1, 28, 28}, 2, 1});
    EXPECT_EQ(with.output_shape(), SampleShape::of({10})) << name;
    EXPECT_EQ(without.output_shape(), SampleShape::of({10})) << name;
    std::size_t bn = 0;
    for (std::size_t i = 0; i < with.size(); ++i) {
      const std::string_view type = with.layer(i).type();
      if (!type.starts_with("BatchNorm")) continue;
      ++bn;
      // The layer before a BatchNorm has a weight and no bias.
      EXPECT_EQ(with.layer(i - 1).parameters().size(), 1u) << name << " layer " << i - 1;
    }
    EXPECT_EQ(with.size(), without.size() + bn) << name;
    EXPECT_EQ(bn, std::string_view(name) == "cnn" ? 2u : 3u);
  }
  try {
    named_model("resnet", true);
    ADD_FAILURE() << "no error for an unknown model";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "simdnorm: nn::named_model: name: expected cnn or mlp, got 'resnet'");
  }
}

TEST(ModelZoo, StateDictsMatchPyTorch) {
  // Beside the engine's fixtures, not among them: those are all training cases.
  const simdnorm_test::FixtureFile torch(std::string(SIMDNORM_ENGINE_FIXTURES_DIR) +
                                         "/../model_zoo/state_dicts.txt");
  for (const char* name : {"cnn", "mlp"}) {
    for (const bool bn : {true, false}) {
      const std::string tag = std::string(name) + (bn ? ".bn" : ".plain");
      const StateDict sd = Sequential(named_model(name, bn), {{1, 28, 28}, 2, 1}).state_dict();
      std::vector<std::string> keys;
      for (const auto& [key, tensor] : sd) {
        keys.push_back(key);
        std::vector<std::size_t> shape;
        for (const std::string& d : torch.tokens("shape." + tag + "." + key))
          shape.push_back(std::stoul(d));
        EXPECT_EQ(tensor.shape, shape) << tag << " " << key;
      }
      EXPECT_EQ(keys, torch.tokens("keys." + tag)) << tag;
    }
  }
}

}  // namespace
}  // namespace simdnorm::nn
