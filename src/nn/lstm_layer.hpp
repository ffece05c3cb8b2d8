#pragma once
// nn.LSTM (one layer, batch_first = True, zero initial state) on [T, features] samples: gates
// i, f, g, o in PyTorch's order and parameter names (weight_ih_l0 [4H, F], weight_hh_l0 [4H, H],
// bias_ih_l0, bias_hh_l0), all initialized U(−1/√H, 1/√H) as torch does. Returns the last hidden
// state [H] or, with returnSequences, every step's [T, H]. Backward is backpropagation through
// time over the gate activations and cell states the forward saved.

#include <cstddef>
#include <vector>

#include "nn/layer.hpp"
#include "nn/layer_spec.hpp"

namespace simdnorm::nn {

class Lstm final : public Layer {
 public:
  struct Options {
    std::size_t input_size = 0;
    std::size_t hidden_size = 0;
    bool bias = true;
    bool return_sequences = false;
  };
  // {inputSize, hiddenSize, bias = true, returnSequences = false}.
  static Options parse(const LayerSpec& spec);
  // Input [T, inputSize].
  static SampleShape output_shape_for(const Options& o, const SampleShape& in);

  Lstm(const Options& options, const SampleShape& in);

  std::string_view type() const override { return "LSTM"; }
  // Saved: gate activations [n, T, 4H], cell states [n, T, H], hidden states [n, T, H].
  // Scratch: pre-activation gate gradients [n, T, 4H] and two [n, H] carries.
  WorkspaceSize workspace_size(std::size_t n) const override;
  void forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode mode,
               LayerWorkspace ws) override;
  void backward(std::span<const float> x, std::span<const float> y, std::span<const float> dy,
                std::size_t n, std::span<float> dx, LayerWorkspace ws) override;
  std::vector<Parameter> parameters() override;
  void reset_parameters(Rng& rng) override;

 private:
  Options options_;
  std::size_t steps_;
  std::vector<float> w_ih_, w_hh_, b_ih_, b_hh_, dw_ih_, dw_hh_, db_ih_, db_hh_;
};

}  // namespace simdnorm::nn
