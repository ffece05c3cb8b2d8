#pragma once
// The layer interface of the engine. A layer is built for one per-sample input shape and knows its
// output shape; Sequential asks every layer once, at planning time, how much workspace it needs
// for a batch of n samples and hands each a slice of one arena, so forward and backward allocate
// nothing. Tensors are contiguous float batches [n, ...sample shape] (NCHW for images).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "nn/sample_shape.hpp"

namespace simdnorm::nn {

class Rng;

enum class Mode { train, eval };

// A learnable tensor and the gradient backward() writes for it (same size). `name` is the
// PyTorch attribute ("weight", "bias"); `shape` PyTorch's shape of it.
struct Parameter {
  std::string name;
  std::vector<std::size_t> shape;
  std::span<float> value;
  std::span<float> grad;
};

// A non-learnable tensor of the state dict (running_mean, running_var) or integer counters
// (num_batches_tracked: shape [], or [steps] for per-step statistics).
struct Buffer {
  std::string name;
  std::vector<std::size_t> shape;
  std::variant<std::span<float>, std::span<std::int64_t>> value;
};

// Floats a layer needs per batch: `saved` persists from forward to backward (a dropout mask,
// pooling argmax, batch statistics), `scratch` is free for other layers between calls (im2col).
struct WorkspaceSize {
  std::size_t saved = 0;
  std::size_t scratch = 0;
};

struct LayerWorkspace {
  std::span<float> saved;
  std::span<float> scratch;
};

class Layer {
 public:
  Layer(const SampleShape& input_shape, const SampleShape& output_shape)
      : input_shape_(input_shape), output_shape_(output_shape) {}
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  // The torch.nn class name: "Conv2d", "BatchNorm2d".
  virtual std::string_view type() const = 0;
  const SampleShape& input_shape() const { return input_shape_; }
  const SampleShape& output_shape() const { return output_shape_; }

  virtual WorkspaceSize workspace_size(std::size_t n) const {
    (void)n;
    return {};
  }

  // Throws Error if this layer cannot take a batch of n samples in `mode`: called for every layer
  // before a forward, so a bad batch size cannot leave a half-done step.
  virtual void check_batch(std::size_t n, Mode mode) const {
    (void)n;
    (void)mode;
  }

  // y = layer(x) for n samples: x holds n·input_shape().size() floats, y n·output_shape().size().
  virtual void forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode mode,
                       LayerWorkspace ws) = 0;

  // From the last forward's x and y and dy = ∂L/∂y: overwrites every parameter's grad (grads are
  // not accumulated across calls) and writes dx = ∂L/∂x unless dx is empty.
  virtual void backward(std::span<const float> x, std::span<const float> y,
                        std::span<const float> dy, std::size_t n, std::span<float> dx,
                        LayerWorkspace ws) = 0;

  virtual std::vector<Parameter> parameters() { return {}; }
  virtual std::vector<Buffer> buffers() { return {}; }

  // PyTorch's default initialization of this layer type, drawn from `rng`.
  virtual void reset_parameters(Rng& rng) { (void)rng; }

 private:
  SampleShape input_shape_, output_shape_;
};

}  // namespace simdnorm::nn
