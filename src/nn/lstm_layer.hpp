#pragma once
// nn.LSTM (one layer, batch_first = True, zero initial state) on [T, features] samples: gates
// i, f, g, o in PyTorch's order and parameter names (weight_ih_l0 [4H, F], weight_hh_l0 [4H, H],
// bias_ih_l0, bias_hh_l0), all initialized U(−1/√H, 1/√H) as torch does. Returns the last hidden
// state [H] or, with returnSequences, every step's [T, H]. Backward is backpropagation through
// time over the gate activations and cell states the forward saved.
//
// With batchNorm, recurrent batch normalization (Cooijmans et al. 2016, arXiv:1603.09025):
//   gates = BN_ih(W_ih·x_t) + BN_hh(W_hh·h_{t−1}) + b_ih + b_hh,   c_t as nn.LSTM,
//   h_t = o ⊙ tanh(BN_c(c_t)),
// each BN a simdnorm::StepBatchNorm (PyTorch's eps 1e-5 and momentum 0.1) with γ initialized to
// 0.1. As in the paper, BN_ih and BN_hh have no β (the LSTM biases shift the gates) and BN_c has
// one. 'per-step' keeps batch and running statistics per time step, maxLength slots (default T;
// later steps share the last slot, and in eval steps after the last trained slot use its running
// statistics); 'shared' keeps one slot for every step. State-dict keys: bn_ih.weight,
// bn_ih.running_mean [slots, 4H], bn_ih.running_var, bn_ih.num_batches_tracked [slots], bn_hh.*,
// bn_c.weight, bn_c.bias, bn_c.running_mean [slots, H], ….

#include <cstddef>
#include <optional>
#include <vector>

#include "nn/layer.hpp"
#include "nn/layer_spec.hpp"
#include "simdnorm/step_batch_norm.hpp"

namespace simdnorm::nn {

enum class RecurrentBatchNorm { none, per_step, shared };

class Lstm final : public Layer {
 public:
  struct Options {
    std::size_t input_size = 0;
    std::size_t hidden_size = 0;
    bool bias = true;
    bool return_sequences = false;
    RecurrentBatchNorm batch_norm = RecurrentBatchNorm::none;
    std::size_t max_length = 0;  // per-step statistics slots; 0: the input's steps
  };
  // {inputSize, hiddenSize, bias = true, returnSequences = false,
  //  batchNorm = false | 'per-step' | 'shared', maxLength (with 'per-step'; default: T)}.
  static Options parse(const LayerSpec& spec);
  // Input [T, inputSize].
  static SampleShape output_shape_for(const Options& o, const SampleShape& in);

  Lstm(const Options& options, const SampleShape& in);

  std::string_view type() const override { return "LSTM"; }
  // Saved, time-major: gate activations [T, n, 4H], cell states [T, n, H], hidden states
  // [T, n, H]; with BN also W_ih·x and W_hh·h [T, n, 4H] each, BN_c(c) [T, n, H] and every
  // step's batch mean and 1/std of the three BNs. Scratch: one step's gradients.
  WorkspaceSize workspace_size(std::size_t n) const override;
  void forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode mode,
               LayerWorkspace ws) override;
  void backward(std::span<const float> x, std::span<const float> y, std::span<const float> dy,
                std::size_t n, std::span<float> dx, LayerWorkspace ws) override;
  std::vector<Parameter> parameters() override;
  std::vector<Buffer> buffers() override;
  void reset_parameters(Rng& rng) override;

 private:
  struct Saved;
  Saved saved_views(std::span<float> saved, std::size_t n) const;
  // The statistics slot of time step t.
  std::size_t slot_of(std::size_t t) const;

  Options options_;
  std::size_t steps_;
  std::vector<float> w_ih_, w_hh_, b_ih_, b_hh_, dw_ih_, dw_hh_, db_ih_, db_hh_;
  // With batchNorm: the three BNs and the gradients of their γ (and BN_c's β) summed over steps.
  std::optional<StepBatchNorm> bn_ih_, bn_hh_, bn_c_;
  std::vector<float> dgamma_ih_, dgamma_hh_, dgamma_c_, dbeta_c_;
};

}  // namespace simdnorm::nn
