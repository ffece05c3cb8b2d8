#pragma once
// simdnorm::nn::Sequential: a chain of layers described by LayerSpecs (the JS API's objects), with
// torch.nn.Sequential's state-dict names. Construction validates every spec and chains the shapes
// before anything is allocated (errors name the layer index, the argument, the expected and the
// given value), then builds the layers, initializes them as PyTorch does (from `seed`) and plans
// one arena for all activations, gradients and workspaces for batches of up to `batch_size`.
// forward/backward/train_step then allocate nothing; a larger batch re-plans once.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "nn/layer.hpp"
#include "nn/layer_spec.hpp"
#include "nn/state_dict.hpp"

namespace simdnorm::nn {

namespace optim {
class Optimizer;
}

struct SequentialOptions {
  std::vector<std::size_t> input_shape;  // per sample: {features}, {C, L}, {C, H, W}
  std::size_t batch_size = 1;            // the batch planned at construction
  std::uint64_t seed = 1;                // parameter initialization and dropout masks
};

struct TrainStepResult {
  double loss = 0;          // the mean loss before the step
  std::size_t correct = 0;  // rows whose argmax was the label
  double grad_norm = 0;     // the global gradient norm before clipping (0 without clipping)
};

class Sequential {
 public:
  Sequential(const std::vector<LayerSpec>& layers, const SequentialOptions& options);

  std::size_t size() const { return layers_.size(); }
  Layer& layer(std::size_t i) { return *layers_[i]; }
  const Layer& layer(std::size_t i) const { return *layers_[i]; }
  const SampleShape& input_shape() const { return input_shape_; }
  const SampleShape& output_shape() const;

  void train(bool on = true) { mode_ = on ? Mode::train : Mode::eval; }
  void eval() { mode_ = Mode::eval; }
  bool training() const { return mode_ == Mode::train; }

  // Plans buffers for batches of up to `batch` samples (allocates only when it grows).
  void reserve(std::size_t batch);
  std::size_t planned_batch() const { return planned_; }

  // The last layer's output for x = [n, ...input_shape] (n = x.size()/input size, ≥ 1), in the
  // current mode. The view stays valid until the next forward or reserve.
  std::span<const float> forward(std::span<const float> x);

  // Layer i's output in the last forward (or train_step's forward, before its optimizer step):
  // [n, ...layer(i).output_shape()] for that call's n samples, e.g. the input of an activation
  // for percentiles or a conv layer's channels. Valid until the next forward or reserve.
  std::span<const float> layer_output(std::size_t i) const;

  // From ∂L/∂output of the last forward (n·output size floats): overwrites every parameter's grad.
  void backward(std::span<const float> doutput);

  // Zero grads, forward in the current mode, mean softmax cross-entropy against labels
  // (n ints in [0, classes)), backward, optimizer step — nn.Sequential + nn.CrossEntropyLoss.
  // The model's output must be [classes]. With max_grad_norm, gradients are clipped by their
  // global norm between backward and step (torch.nn.utils.clip_grad_norm_).
  TrainStepResult train_step(std::span<const float> x, std::span<const std::int32_t> labels,
                             optim::Optimizer& optimizer,
                             std::optional<double> max_grad_norm = std::nullopt);

  // The same step with mean squared error against targets (n·output size floats) —
  // nn.MSELoss(reduction='mean'); `correct` is 0.
  TrainStepResult train_step_mse(std::span<const float> x, std::span<const float> targets,
                                 optim::Optimizer& optimizer,
                                 std::optional<double> max_grad_norm = std::nullopt);

  // Every parameter with its gradient, named "<index>.<name>" ("0.weight"), in state-dict order.
  std::vector<Parameter> parameters();

  StateDict state_dict() const;
  // Strict: every key of state_dict() present once with as many values, nothing else. Checks
  // everything before changing anything; throws std::invalid_argument naming the key.
  void load_state_dict(const StateDict& state);

 private:
  std::size_t samples_in(std::span<const float> x) const;
  // Backward from doutput_, clipping, optimizer step; returns the norm before clipping.
  double finish_step(std::span<const float> dloss, optim::Optimizer& optimizer,
                     std::optional<double> max_grad_norm);

  SampleShape input_shape_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::size_t first_learning_ = 0;  // the first layer with parameters (layers_.size(): none)
  Mode mode_ = Mode::train;
  std::size_t planned_ = 0;
  std::size_t last_n_ = 0;
  // One arena; the spans below point into it.
  std::vector<float> arena_;
  std::vector<std::span<float>> activations_;  // layers + 1: the input copy, then every output
  std::vector<LayerWorkspace> workspaces_;
  std::span<float> grad_a_, grad_b_, doutput_;
};

}  // namespace simdnorm::nn
