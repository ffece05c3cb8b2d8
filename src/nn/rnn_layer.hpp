#pragma once
// nn.RNN with its default tanh nonlinearity (one layer, batch_first = True, zero initial state):
// h_t = tanh(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh), PyTorch's parameter names and
// U(−1/√H, 1/√H) initialization. Returns the last hidden state [H] or, with returnSequences,
// every step's [T, H]; backward is backpropagation through time.

#include <cstddef>
#include <vector>

#include "nn/layer.hpp"
#include "nn/layer_spec.hpp"

namespace simdnorm::nn {

class Rnn final : public Layer {
 public:
  struct Options {
    std::size_t input_size = 0;
    std::size_t hidden_size = 0;
    bool bias = true;
    bool return_sequences = false;
  };
  // {inputSize, hiddenSize, bias = true, returnSequences = false}; nonlinearity is tanh.
  static Options parse(const LayerSpec& spec);
  // Input [T, inputSize].
  static SampleShape output_shape_for(const Options& o, const SampleShape& in);

  Rnn(const Options& options, const SampleShape& in);

  std::string_view type() const override { return "RNN"; }
  // Saved: hidden states [n, T, H]. Scratch: pre-activation gradients [n, T, H], one [n, H] carry.
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
