#pragma once
// BatchNorm: the nn.BatchNorm1d/2d/3d module, with PyTorch's semantics (train/eval modes,
// running statistics, momentum = nullopt for a cumulative average, affine, track_running_stats).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "simdnorm/functional.hpp"
#include "simdnorm/shape.hpp"

namespace simdnorm {

struct Options {
  float eps = 1e-5f;                     // > 0 and finite
  std::optional<float> momentum = 0.1f;  // in [0, 1]; nullopt: cumulative moving average
  bool affine = true;                    // learnable γ (init 1) and β (init 0)
  bool track_running_stats = true;       // false: batch statistics in eval mode too
  bool relu = false;                     // fused ReLU after the normalization
};

class BatchNorm {
 public:
  // Throws std::invalid_argument for num_features = 0, bad eps or momentum.
  explicit BatchNorm(std::size_t num_features, Options options = {});

  // y = BN(x). x and y hold shape.numel() floats; shape.c must equal num_features(); y may be x.
  // In training mode (or without running stats) uses batch statistics and, when tracking,
  // updates the running statistics. Keeps a copy of x (one extra stream) for backward; callers
  // who keep x themselves can use the functions in functional.hpp instead.
  void forward(std::span<const float> x, const Shape& shape, std::span<float> y);

  // forward() without the copy of x, for callers that own a buffer backward() may read (the wasm
  // bindings): x must stay valid and unchanged until the next successful forward or the module's
  // destruction, and y must not overlap x (throws std::invalid_argument if it does).
  void forward_borrowed(std::span<const float> x, const Shape& shape, std::span<float> y);

  // Gradients of the last forward: writes dx (may be dy) and *overwrites* weight_grad() and
  // bias_grad() (they are not accumulated across calls). Throws if no forward came before.
  void backward(std::span<const float> dy, std::span<float> dx);

  void train(bool on = true) { training_ = on; }
  void eval() { training_ = false; }
  bool training() const { return training_; }

  std::size_t num_features() const { return num_features_; }
  const Options& options() const { return options_; }

  // Parameters and state, C floats each (empty when affine = false / not tracking). Writable so
  // optimizers and state loading can update them in place.
  std::span<float> weight() { return weight_; }
  std::span<float> bias() { return bias_; }
  std::span<float> running_mean() { return running_mean_; }
  std::span<float> running_var() { return running_var_; }
  std::span<const float> weight() const { return weight_; }
  std::span<const float> bias() const { return bias_; }
  std::span<const float> running_mean() const { return running_mean_; }
  std::span<const float> running_var() const { return running_var_; }
  std::int64_t num_batches_tracked() const { return num_batches_tracked_; }
  void set_num_batches_tracked(std::int64_t n) { num_batches_tracked_ = n; }

  std::span<const float> weight_grad() const { return weight_grad_; }
  std::span<const float> bias_grad() const { return bias_grad_; }
  // Statistics the last training-mode forward normalized with: empty before the first forward,
  // then C floats (zeros until a training-mode forward with data; eval or empty batches keep them).
  std::span<const float> saved_mean() const { return save_mean_; }
  std::span<const float> saved_invstd() const { return save_invstd_; }

  void reset_running_stats();  // mean 0, var 1, num_batches_tracked 0
  void reset_parameters();     // running stats, γ = 1, β = 0

 private:
  NormParams params() const;
  bool check_forward(std::string_view fn, std::span<const float> x, const Shape& shape,
                     std::span<const float> y) const;
  void run_forward(std::span<const float> x, const Shape& shape, std::span<float> y,
                   bool batch_stats);
  // x of the last forward. A flag, not a span into input_: a copied module must read its own copy.
  std::span<const float> saved_input() const {
    return input_borrowed_ ? borrowed_input_ : std::span<const float>(input_);
  }

  std::size_t num_features_;
  Options options_;
  bool training_ = true;
  std::vector<float> weight_, bias_, running_mean_, running_var_;
  std::int64_t num_batches_tracked_ = 0;
  std::vector<float> weight_grad_, bias_grad_;

  // What backward needs from the last forward.
  std::vector<float> input_, save_mean_, save_invstd_, batch_var_;
  std::span<const float> borrowed_input_;  // the caller's x after forward_borrowed()
  bool input_borrowed_ = false;
  std::optional<Shape> last_shape_;
  bool last_used_batch_stats_ = false;
};

}  // namespace simdnorm
