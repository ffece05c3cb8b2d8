#include "nn/fold_batch_norm.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/batch_norm_layer.hpp"
#include "simdnorm/error.hpp"
#include "simdnorm/functional.hpp"

namespace simdnorm::nn {
namespace {

const BatchNormLayer* batch_norm_after(Sequential& model, std::size_t i) {
  return i + 1 < model.size() ? dynamic_cast<const BatchNormLayer*>(&model.layer(i + 1)) : nullptr;
}

[[noreturn]] void unsupported(std::size_t i, std::string_view type, const std::string& why) {
  throw Error(ErrorCode::type, "simdnorm::nn::fold_batch_norm: layer " + std::to_string(i) + " (" +
                                   std::string(type) + "): expected " + why + ", given " +
                                   std::string(type));
}

}  // namespace

Sequential fold_batch_norm(Sequential& model) {
  std::vector<LayerSpec> specs;
  std::vector<std::size_t> linears;  // the model's Linear layers, in order
  for (std::size_t i = 0; i < model.size(); ++i) {
    Layer& layer = model.layer(i);
    const std::string_view type = layer.type();
    if (type == "Linear") {
      const bool folds = batch_norm_after(model, i) != nullptr;
      const bool bias = folds || layer.parameters().size() == 2;
      specs.push_back({"linear",
                       {{"inFeatures", std::int64_t(layer.input_shape().size())},
                        {"outFeatures", std::int64_t(layer.output_shape().size())},
                        {"bias", bias}}});
      linears.push_back(i);
    } else if (type == "BatchNorm1d") {
      const auto& bn = static_cast<const BatchNormLayer&>(layer);
      if (i == 0 || model.layer(i - 1).type() != "Linear")
        unsupported(i, type, "a BatchNorm1d directly after a Linear");
      if (!bn.options().track_running_stats)
        unsupported(i, type, "a BatchNorm1d with running statistics");
    } else if (type == "ReLU" || type == "Tanh" || type == "Sigmoid" || type == "Dropout") {
      std::string name(type);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return char(std::tolower(c)); });
      specs.push_back({name, {}});
    } else {
      unsupported(i, type, "Linear, BatchNorm1d, ReLU, Tanh, Sigmoid or Dropout");
    }
    if (layer.input_shape().rank != 1) unsupported(i, type, "a layer on [features] samples");
  }
  Sequential folded(specs, {.input_shape = {model.input_shape()[0]}, .batch_size = 1});
  std::size_t f = 0;
  for (std::size_t l = 0; l < folded.size(); ++l) {
    std::vector<Parameter> dst = folded.layer(l).parameters();
    if (dst.empty()) continue;
    const std::size_t i = linears[f++];
    std::vector<Parameter> src = model.layer(i).parameters();
    const std::span<const float> w = src[0].value;
    const std::span<const float> b =
        src.size() == 2 ? std::span<const float>(src[1].value) : std::span<const float>();
    if (const BatchNormLayer* bn = batch_norm_after(model, i)) {
      const FoldSource source{bn->weight(), bn->bias(), bn->running_mean(), bn->running_var(),
                              bn->options().eps};
      fold_into_linear(w, b, src[0].shape[0], src[0].shape[1], source, dst[0].value, dst[1].value);
    } else {
      std::copy(w.begin(), w.end(), dst[0].value.begin());
      if (!b.empty()) std::copy(b.begin(), b.end(), dst[1].value.begin());
    }
  }
  return folded;
}

}  // namespace simdnorm::nn
