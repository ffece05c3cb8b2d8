#include "nn/inference.hpp"

#include <algorithm>

#include "nn/batch_norm_layer.hpp"
#include "nn/softmax_cross_entropy.hpp"
#include "simdnorm/functional.hpp"

namespace simdnorm::nn {
namespace {

// Samples per chunk of running-statistics inference.
constexpr std::size_t kChunk = 1024;

// BatchNorm with this batch's biased moments: forward_inference with them is the training-mode
// formula, and unlike forward_training it accepts a single sample.
void batch_norm_with_batch_stats(const BatchNormLayer& bn, std::span<const float> x, std::size_t n,
                                 std::span<float> y) {
  const std::size_t c = bn.options().num_features;
  const Shape shape = Shape::ncl(n, c, bn.input_shape().size() / c);
  std::vector<float> mean(c), var(c);
  batch_moments(x, shape, mean, var);
  forward_inference(x, shape, NormParams{bn.weight(), bn.bias(), bn.options().eps, false}, mean,
                    var, y);
}

}  // namespace

std::vector<std::vector<float>> layer_outputs(Sequential& model, std::span<const float> x,
                                              std::size_t n, NormStats stats) {
  std::vector<std::vector<float>> out;
  out.emplace_back(x.begin(), x.begin() + std::ptrdiff_t(n * model.input_shape().size()));
  for (std::size_t i = 0; i < model.size(); ++i) {
    Layer& layer = model.layer(i);
    std::vector<float> y(n * layer.output_shape().size());
    const auto* bn = dynamic_cast<const BatchNormLayer*>(&layer);
    if (bn && stats == NormStats::batch) {
      batch_norm_with_batch_stats(*bn, out.back(), n, y);
    } else {
      const WorkspaceSize size = layer.workspace_size(n);
      std::vector<float> saved(size.saved), scratch(size.scratch);
      layer.forward(out.back(), n, y, Mode::eval, {saved, scratch});
    }
    out.push_back(std::move(y));
  }
  return out;
}

std::vector<float> infer(Sequential& model, std::span<const float> x, std::size_t n,
                         NormStats stats) {
  if (stats == NormStats::batch) return std::move(layer_outputs(model, x, n, stats).back());
  const std::size_t in = model.input_shape().size(), out = model.output_shape().size();
  std::vector<float> y(n * out);
  for (std::size_t s0 = 0; s0 < n; s0 += kChunk) {
    const std::size_t rows = std::min(kChunk, n - s0);
    const std::vector<float> part =
        std::move(layer_outputs(model, x.subspan(s0 * in, rows * in), rows, stats).back());
    std::copy(part.begin(), part.end(), y.begin() + std::ptrdiff_t(s0 * out));
  }
  return y;
}

Evaluation evaluate(Sequential& model, std::span<const float> x,
                    std::span<const std::uint8_t> labels, NormStats stats) {
  const std::size_t n = labels.size(), classes = model.output_shape().size();
  const std::vector<float> logits = infer(model, x, n, stats);
  const LossResult r = softmax_cross_entropy(logits, n, classes, labels, {});
  return {r.loss, double(r.correct) / double(n)};
}

}  // namespace simdnorm::nn
