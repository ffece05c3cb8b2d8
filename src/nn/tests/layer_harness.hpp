#pragma once
// Runs one engine layer on its own, with the workspace it asks for, for the layer tests.

#include <memory>
#include <vector>

#include "nn/layer.hpp"
#include "nn/layer_factory.hpp"
#include "nn/random.hpp"

namespace simdnorm::nn::test {

class LayerHarness {
 public:
  LayerHarness(const LayerSpec& spec, const SampleShape& in, std::size_t n)
      : layer(make_layer(spec, in, Rng(99, 1))), n(n) {
    const WorkspaceSize ws = layer->workspace_size(n);
    saved_.resize(ws.saved);
    scratch_.resize(ws.scratch);
    y.resize(n * layer->output_shape().size());
  }

  LayerWorkspace workspace() { return {saved_, scratch_}; }

  const std::vector<float>& forward(const std::vector<float>& x, Mode mode) {
    layer->forward(x, n, y, mode, workspace());
    return y;
  }
  // dx of the last forward of x (empty: dx not requested).
  std::vector<float> backward(const std::vector<float>& x, const std::vector<float>& dy,
                              bool want_dx = true) {
    std::vector<float> dx(want_dx ? x.size() : 0);
    layer->backward(x, y, dy, n, dx, workspace());
    return dx;
  }
  std::span<const float> saved() const { return saved_; }

  std::unique_ptr<Layer> layer;
  std::size_t n;
  std::vector<float> y;

 private:
  std::vector<float> saved_, scratch_;
};

}  // namespace simdnorm::nn::test
