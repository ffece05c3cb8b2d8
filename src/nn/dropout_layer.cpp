#include "nn/dropout_layer.hpp"

#include <algorithm>

namespace simdnorm::nn {

float Dropout::parse(const LayerSpec& spec) {
  SpecArgs args(spec);
  const float p = *args.number("p", 0.f, 1.f, 0.5f);
  args.finish();
  return p;
}

Dropout::Dropout(float p, const SampleShape& in, Rng rng) : Layer(in, in), p_(p), rng_(rng) {}

WorkspaceSize Dropout::workspace_size(std::size_t n) const {
  return {n * input_shape().size(), 0};
}

void Dropout::forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode mode,
                      LayerWorkspace ws) {
  const std::size_t count = n * input_shape().size();
  last_train_ = mode == Mode::train && p_ > 0;
  if (!last_train_) {
    std::copy_n(x.begin(), count, y.begin());
    return;
  }
  const float keep_scale = p_ < 1 ? 1.f / (1.f - p_) : 0.f;
  for (std::size_t i = 0; i < count; ++i) {
    const float m = rng_.uniform() < p_ ? 0.f : keep_scale;
    ws.saved[i] = m;
    y[i] = x[i] * m;
  }
}

void Dropout::backward(std::span<const float>, std::span<const float>, std::span<const float> dy,
                       std::size_t n, std::span<float> dx, LayerWorkspace ws) {
  if (dx.empty()) return;
  const std::size_t count = n * input_shape().size();
  if (!last_train_) {
    std::copy_n(dy.begin(), count, dx.begin());
    return;
  }
  for (std::size_t i = 0; i < count; ++i) dx[i] = dy[i] * ws.saved[i];
}

}  // namespace simdnorm::nn
