#pragma once
// Stateless batch-normalization kernels: the building blocks BatchNorm uses, for callers that
// own their buffers (no allocation, no copies). Every function validates its arguments and throws
// std::invalid_argument naming the argument, the expected and the given value. N·S = 0 is a no-op.
//
// Aliasing: y may be the same span as x; dx may be the same span as dy or x. A partial overlap
// throws std::invalid_argument. Per-channel spans hold C floats. NaN/Inf in the data propagate as
// in PyTorch.
//
// Memory traffic per call (what the benchmarks count as "streams" of the tensor):
//   forward_training  3 (read x for the moments, read x + write y to normalize)
//   forward_inference 2 (read x, write y)
//   backward_training 5 (read dy, x for the sums; read dy, x + write dx)
//   forward_add_relu_training  4 (read x for the moments; read x, z + write y)
//   forward_add_relu_inference 3 (read x, z, write y)
//   backward_add_relu_training 8 (read dy, y + write dz for the ReLU mask; then backward_training
//                              on dz: 5) — the same traffic as a mask fused into both passes

#include <cstddef>
#include <span>

#include "simdnorm/shape.hpp"

namespace simdnorm {

// Normalization parameters. Empty weight/bias mean affine = false (γ = 1, β = 0).
struct NormParams {
  std::span<const float> weight;  // γ, C floats or empty
  std::span<const float> bias;    // β, C floats or empty
  float eps = 1e-5f;              // > 0 and finite
  bool relu = false;              // fuse y = max(y, 0); backward masks dy where y <= 0
};

// Gradients to compute. Any of the three may be empty (not wanted); weight/bias grads are
// overwritten, never accumulated.
struct Gradients {
  std::span<float> dx;       // N·C·S floats
  std::span<float> dweight;  // dγ, C floats
  std::span<float> dbias;    // dβ, C floats
};

// Per-channel batch mean and biased variance of x (two passes over cache-resident blocks, merged
// with Chan's formula in double: accurate to float32 even when |mean| ≫ std).
void batch_moments(std::span<const float> x, const Shape& shape, std::span<float> mean,
                   std::span<float> var);

// Training forward: y = (x − mean)·invstd·γ + β with this batch's statistics.
// Writes save_mean and save_invstd = 1/sqrt(var + eps) for backward_training; batch_var, if not
// empty, receives the biased batch variance (update_running_stats needs it).
// Throws if N·S == 1 ("expected more than 1 value per channel when training").
void forward_training(std::span<const float> x, const Shape& shape, const NormParams& params,
                      std::span<float> y, std::span<float> save_mean, std::span<float> save_invstd,
                      std::span<float> batch_var = {});

// Inference forward: y = (x − running_mean)/sqrt(running_var + eps)·γ + β, one pass.
void forward_inference(std::span<const float> x, const Shape& shape, const NormParams& params,
                       std::span<const float> running_mean, std::span<const float> running_var,
                       std::span<float> y);

// PyTorch's running-statistics update for a batch of `count` = N·S values per channel:
//   running_mean ← (1 − m)·running_mean + m·batch_mean
//   running_var  ← (1 − m)·running_var  + m·batch_var·count/(count − 1)
void update_running_stats(std::span<const float> batch_mean, std::span<const float> batch_var,
                          std::size_t count, float momentum, std::span<float> running_mean,
                          std::span<float> running_var);

// Backward of forward_training (x, save_mean, save_invstd as that call saw/wrote them):
//   dβ = Σ dy',  dγ = Σ dy'·x̂,  dx = γ·invstd·(dy' − mean(dy') − x̂·mean(dy'·x̂))
// where x̂ = (x − mean)·invstd and dy' = dy masked by y > 0 when params.relu.
void backward_training(std::span<const float> dy, std::span<const float> x, const Shape& shape,
                       const NormParams& params, std::span<const float> save_mean,
                       std::span<const float> save_invstd, const Gradients& grads);

// Backward of forward_inference (statistics are constants): dx = dy'·γ/sqrt(running_var + eps),
// dγ = Σ dy'·x̂, dβ = Σ dy'.
void backward_inference(std::span<const float> dy, std::span<const float> x, const Shape& shape,
                        const NormParams& params, std::span<const float> running_mean,
                        std::span<const float> running_var, const Gradients& grads);

// ---- Fused residual block: y = relu(BN(x) + z) ----------------------------------------------
// What oneDNN calls fuse_norm_add_relu. params.relu must be false (the ReLU comes after the add);
// y may be x or z. The backward takes the forward's y for the ReLU mask and returns dz = dy·[y > 0]
// (the residual branch's gradient) besides dx, dγ, dβ. dz may be dy or y and must be apart from x
// and dx; dx may be dy, x or y. Either output may be empty (not wanted).

void forward_add_relu_training(std::span<const float> x, std::span<const float> z,
                               const Shape& shape, const NormParams& params, std::span<float> y,
                               std::span<float> save_mean, std::span<float> save_invstd,
                               std::span<float> batch_var = {});

// Normalizes with the given statistics (running ones in eval mode).
void forward_add_relu_inference(std::span<const float> x, std::span<const float> z,
                                const Shape& shape, const NormParams& params,
                                std::span<const float> running_mean,
                                std::span<const float> running_var, std::span<float> y);

void backward_add_relu_training(std::span<const float> dy, std::span<const float> y,
                                std::span<const float> x, const Shape& shape,
                                const NormParams& params, std::span<const float> save_mean,
                                std::span<const float> save_invstd, const Gradients& grads,
                                std::span<float> dz);

void backward_add_relu_inference(std::span<const float> dy, std::span<const float> y,
                                 std::span<const float> x, const Shape& shape,
                                 const NormParams& params, std::span<const float> running_mean,
                                 std::span<const float> running_var, const Gradients& grads,
                                 std::span<float> dz);

// ---- Sync-BN primitives (PyTorch SyncBatchNorm's contract) ----------------------------------
// Each worker holds a shard of the batch (any N, 0 included). Forward: partial_moments on the
// shard, exchange the partials, merge_moments, then forward_with_stats with the merged mean and
// var (and update_running_stats with the merged count). Backward: partial_grad_sums with the
// merged mean, exchange, merge_grad_sums, backward_from_sums with the merged count. Over k shards
// this equals BN over the concatenated batch (float rounding apart).

// count = N·S; mean[c] and m2[c] = Σ(x − mean)² of the shard (both 0 for an empty shard).
std::size_t partial_moments(std::span<const float> x, const Shape& shape, std::span<float> mean,
                            std::span<float> m2);

struct MomentsPart {
  std::size_t count = 0;
  std::span<const float> mean, m2;  // C floats each
};

// Chan's parallel merge in double (exact for unequal counts; empty parts add nothing). Writes the
// merged mean and biased variance M2/count and returns the total count; a total of 0 writes 0s.
std::size_t merge_moments(std::span<const MomentsPart> parts, std::span<float> mean,
                          std::span<float> var);

// forward_inference with batch statistics gathered elsewhere; also writes save_invstd =
// 1/sqrt(var + eps) for backward_from_sums.
void forward_with_stats(std::span<const float> x, const Shape& shape, const NormParams& params,
                        std::span<const float> mean, std::span<const float> var, std::span<float> y,
                        std::span<float> save_invstd);

// sum_dy[c] = Σ dy', sum_dy_xmu[c] = Σ dy'·(x − mean[c]) over the shard (0 for an empty one);
// dy' is dy masked by y > 0 when params.relu (y recomputed from x with mean and save_invstd).
void partial_grad_sums(std::span<const float> dy, std::span<const float> x, const Shape& shape,
                       const NormParams& params, std::span<const float> mean,
                       std::span<const float> save_invstd, std::span<float> sum_dy,
                       std::span<float> sum_dy_xmu);

struct GradSumsPart {
  std::span<const float> sum_dy, sum_dy_xmu;  // C floats each
};

// Adds the parts in double.
void merge_grad_sums(std::span<const GradSumsPart> parts, std::span<float> sum_dy,
                     std::span<float> sum_dy_xmu);

// dx of this shard from the merged sums over `count` values per channel (the merged count);
// dweight/dbias, if wanted, receive the global dγ = invstd·Σdy'(x − mean) and dβ = Σdy'.
void backward_from_sums(std::span<const float> dy, std::span<const float> x, const Shape& shape,
                        const NormParams& params, std::span<const float> mean,
                        std::span<const float> save_invstd, std::span<const float> sum_dy,
                        std::span<const float> sum_dy_xmu, std::size_t count,
                        const Gradients& grads);

// The eval-mode state of a BatchNorm, for folding.
struct FoldSource {
  std::span<const float> weight;  // γ, C floats or empty (affine = false)
  std::span<const float> bias;    // β, C floats or empty
  std::span<const float> running_mean;
  std::span<const float> running_var;
  float eps = 1e-5f;
};

// Folds an eval-mode BatchNorm into the layer before it, so that layer'(x) == BN(layer(x)).
// weight is row-major [out_features, fan_in]: a dense layer's [out, in] or a convolution's
// [out_channels, in_channels·kh·kw] — any layer whose output channel o is row o · input + b[o].
// bias may be empty (no bias). weight_out/bias_out may alias weight/bias.
void fold_into_linear(std::span<const float> weight, std::span<const float> bias,
                      std::size_t out_features, std::size_t fan_in, const FoldSource& bn,
                      std::span<float> weight_out, std::span<float> bias_out);

}  // namespace simdnorm
