#pragma once
// BatchNorm: the nn.BatchNorm1d/2d/3d module, with PyTorch's semantics (train/eval modes,
// running statistics, momentum = nullopt for a cumulative average, affine, track_running_stats),
// plus two variants for small batches (docs/variants.md):
//
// Ghost (virtual) batch norm, Hoffer et al. 2017 (Options::virtual_batch_size = k): wherever batch
// statistics are used, the batch is split into N/k contiguous ghost batches of k samples (in both
// layouts a contiguous block of the tensor), each normalized with its own statistics, and the
// running statistics (and num_batches_tracked) are updated once per ghost batch, in order: exactly
// PyTorch's BatchNorm called on x.split(k) in sequence. tf_keras differs: it takes every (N/k)-th
// sample into a ghost batch (strided) and applies one update with the ghost batches' averaged
// mean and variance per step. The contiguous form is the paper's and lets a caller reproduce it
// with any PyTorch BN. N must be a multiple of k.
//
// Batch renormalization, Ioffe 2017 (Options::renorm): in training mode
//   x̂ = (x − μ_B)/σ_B · r + d,  r = clip(σ_B/σ, 1/rmax, rmax),  d = clip((μ_B − μ)/σ, −dmax, dmax)
// with σ_B = sqrt(var_B + eps) and μ, σ moving averages of μ_B and σ_B (the standard deviation,
// not the variance) kept in renorm_mean()/renorm_std() (init 0 and 1), taken before this batch's
// update. r and d are constants in backward: dx is BN's dx scaled by r, dγ = Σdy·x̂. The running
// mean/var are kept as in PyTorch and used in eval mode, as tf_keras does with its moving
// statistics. tf_keras mapping: renorm=True ↔ renorm set; renorm_clipping {rmax, dmax} ↔ the same
// (rmin is 1/rmax here); renorm_momentum = 1 − renorm.momentum; momentum = 1 − Options::momentum.
// With rmax = 1 and dmax = 0, r = 1 and d = 0: plain BN. renorm_limits() gives the paper's ramps.
// Renorm and ghost batches combine: each ghost batch is renormalized, then updates μ and σ.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "simdnorm/functional.hpp"
#include "simdnorm/shape.hpp"

namespace simdnorm {

struct Renorm {
  float rmax = 3.f;        // ≥ 1 (inf: no clipping)
  float dmax = 5.f;        // ≥ 0 (inf: no clipping)
  float momentum = 0.01f;  // in [0, 1]: weight of the new batch in the moving μ and σ
};

// The paper's warm-up: plain BN (rmax = 1, dmax = 0) for warmup_steps, then linear ramps reaching
// rmax at rmax_steps and dmax at dmax_steps (the paper says "gradually"; linear is our choice).
struct RenormSchedule {
  std::int64_t warmup_steps = 5000;
  std::int64_t rmax_steps = 40000;
  std::int64_t dmax_steps = 25000;
  float rmax = 3.f;
  float dmax = 5.f;
};

struct RenormLimits {
  float rmax, dmax;
};

// Limits for training step `step` (0-based); pass them to BatchNorm::set_renorm_limits.
RenormLimits renorm_limits(std::int64_t step, const RenormSchedule& schedule = {});

struct Options {
  float eps = 1e-5f;                     // > 0 and finite
  std::optional<float> momentum = 0.1f;  // in [0, 1]; nullopt: cumulative moving average
  bool affine = true;                    // learnable γ (init 1) and β (init 0)
  bool track_running_stats = true;       // false: batch statistics in eval mode too
  bool relu = false;                     // fused ReLU after the normalization
  std::size_t virtual_batch_size = 0;    // ghost batch size k; 0: the whole batch
  std::optional<Renorm> renorm;          // batch renormalization in training mode
};

class BatchNorm {
 public:
  // Throws std::invalid_argument for num_features = 0, bad eps, momentum or renorm limits.
  explicit BatchNorm(std::size_t num_features, Options options = {});

  // y = BN(x). x and y hold shape.numel() floats; shape.c must equal num_features(); y may be x.
  // In training mode (or without running stats) uses batch statistics and, when tracking,
  // updates the running statistics. Keeps a copy of x for backward, written by the normalize pass
  // from the loads of x (one extra write stream); callers who keep x themselves can use the
  // functions in functional.hpp, or forward_borrowed, instead.
  void forward(std::span<const float> x, const Shape& shape, std::span<float> y);

  // forward() without the copy of x, for callers that own a buffer backward() may read (the wasm
  // bindings): x must stay valid and unchanged until the next successful forward, release_input()
  // or the module's destruction, and y must not overlap x (throws std::invalid_argument if it
  // does). A copy of the module borrows the same x.
  void forward_borrowed(std::span<const float> x, const Shape& shape, std::span<float> y);

  // Ends forward_borrowed()'s hold on x, for a caller about to change or free it: with keep_copy
  // the module copies x now and backward() reads the copy; without, backward() throws
  // ErrorCode::state until the next forward. No effect unless the last forward borrowed x.
  void release_input(bool keep_copy);

  // forward() for a result no backward() will follow (inference, or re-estimating the running
  // statistics): x is not kept, so it costs what forward_inference/forward_training cost; y may be
  // x but not overlap it otherwise (ErrorCode::range). backward() then throws ErrorCode::state
  // until a forward that keeps x.
  void forward_no_grad(std::span<const float> x, const Shape& shape, std::span<float> y);

  // Gradients of the last forward: writes dx (may be dy) and *overwrites* weight_grad() and
  // bias_grad() (they are not accumulated across calls). Throws if no forward came before.
  void backward(std::span<const float> dy, std::span<float> dx);

  // The fused residual block y = relu(BN(x) + z) (functional.hpp, forward_add_relu_*):
  // z has x's shape; options().relu must be false. Keeps copies of x and y for
  // backward_add_relu, which writes dx and dz = dy·[y > 0] (either may be empty: not wanted; dx
  // may be dy, dz may be dy but not dx) and overwrites the parameter gradients.
  void forward_add_relu(std::span<const float> x, std::span<const float> z, const Shape& shape,
                        std::span<float> y);
  void backward_add_relu(std::span<const float> dy, std::span<float> dx, std::span<float> dz);

  // Changes renorm's rmax and dmax (a schedule); throws if the module has no renorm.
  void set_renorm_limits(float rmax, float dmax);

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
  // Renorm's moving μ and σ, C floats each (empty without renorm). Kept in eval mode, reset by
  // reset_running_stats.
  std::span<float> renorm_mean() { return renorm_mean_; }
  std::span<float> renorm_std() { return renorm_std_; }
  std::span<const float> renorm_mean() const { return renorm_mean_; }
  std::span<const float> renorm_std() const { return renorm_std_; }
  std::int64_t num_batches_tracked() const { return num_batches_tracked_; }
  void set_num_batches_tracked(std::int64_t n) { num_batches_tracked_ = n; }

  std::span<const float> weight_grad() const { return weight_grad_; }
  std::span<const float> bias_grad() const { return bias_grad_; }
  // Statistics the last training-mode forward normalized with: empty before the first forward,
  // then C floats (zeros until a training-mode forward with data; eval or empty batches keep them);
  // with ghost batches G·C floats, ghost batch g's at [g·C, (g + 1)·C).
  std::span<const float> saved_mean() const { return save_mean_; }
  std::span<const float> saved_invstd() const { return save_invstd_; }

  void reset_running_stats();  // mean 0, var 1, num_batches_tracked 0; renorm μ 0, σ 1
  void reset_parameters();     // running stats, γ = 1, β = 0

 private:
  NormParams params() const;
  bool check_forward(std::string_view fn, std::span<const float> x, const Shape& shape,
                     std::span<const float> y) const;
  // add_relu: the add + ReLU block with residual z, else a plain forward (z unused). x_copy, when
  // not empty, receives x from the normalize pass's loads (core/saved_input.hpp).
  void run_forward(std::span<const float> x, std::span<const float> z, bool add_relu,
                   const Shape& shape, std::span<float> y, bool batch_stats,
                   std::span<float> x_copy);
  void forward_batch_stats(std::span<const float> x, std::span<const float> z, const Shape& shape,
                           std::span<float> y, std::span<float> x_copy);
  void run_backward(std::span<const float> dy, std::span<float> dx, std::span<float> dz);
  // The normalization parameters ghost batch g used (γ·r and β + γ·d with renorm).
  NormParams ghost_params(std::size_t g) const;
  std::size_t ghost_batches(const Shape& shape) const;
  // Where the last forward left x for backward. An enum, not a span into input_: a copied module
  // must read its own copy.
  enum class KeptInput { none, copy, borrowed, released };
  std::span<const float> saved_input() const {
    return kept_input_ == KeptInput::borrowed
               ? borrowed_input_
               : std::span<const float>(input_).subspan(input_offset_, input_size_);
  }

  std::size_t num_features_;
  Options options_;
  bool training_ = true;
  std::vector<float> weight_, bias_, running_mean_, running_var_;
  std::int64_t num_batches_tracked_ = 0;
  std::vector<float> weight_grad_, bias_grad_;
  std::vector<float> renorm_mean_, renorm_std_;

  // What backward needs from the last forward.
  std::vector<float> input_, save_mean_, save_invstd_, batch_var_;
  std::size_t input_offset_ = 0, input_size_ = 0;  // x's copy in input_ (core/saved_input.hpp)
  std::vector<float> output_;                      // y of forward_add_relu (the ReLU mask)
  std::vector<float> renorm_r_, renorm_d_;         // G·C each, with renorm
  std::vector<float> ghost_weight_, ghost_bias_;   // G·C each, with renorm
  std::vector<float> ghost_grads_;                 // per ghost batch: its dγ, then its dβ
  bool last_add_relu_ = false;
  bool last_renorm_ = false;               // the last batch-statistics forward was renormalized
  std::span<const float> borrowed_input_;  // the caller's x after forward_borrowed()
  KeptInput kept_input_ = KeptInput::none;
  std::optional<Shape> last_shape_;
  bool last_used_batch_stats_ = false;
};

}  // namespace simdnorm
