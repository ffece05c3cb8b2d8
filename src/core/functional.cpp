// The public stateless API: validation, then the active ISA's kernels over the tensor's pieces
// (core/partitioned_kernels.hpp: on the thread pool, the same bits for any thread count).

#include "simdnorm/functional.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/partitioned_kernels.hpp"
#include "core/saved_input.hpp"
#include "core/validate.hpp"

namespace simdnorm {
namespace {

using detail::check_channels;
using detail::check_gradients;
using detail::check_norm_params;
using detail::check_optional_channels;
using detail::check_size;
using detail::check_tensor;

const float* data_or_null(std::span<const float> s) {
  return s.empty() ? nullptr : s.data();
}

kernels::ChannelParams channel_params(const NormParams& p, const float* mean, const float* var,
                                      const float* invstd) {
  return {mean, var, invstd, data_or_null(p.weight), data_or_null(p.bias), p.eps};
}

// Parameter gradients from the per-channel sums: dβ = Σdy', dγ = invstd·Σdy'(x − mean).
void parameter_grads(const Gradients& g, std::span<const float> sum_dy,
                     std::span<const float> sum_dy_xmu, std::span<const float> invstd) {
  for (std::size_t c = 0; c < sum_dy.size(); ++c) {
    if (!g.dbias.empty()) g.dbias[c] = sum_dy[c];
    if (!g.dweight.empty()) g.dweight[c] = sum_dy_xmu[c] * invstd[c];
  }
}

// backward_inference's arguments, and backward_add_relu_inference's but y and dz.
void check_backward_inference_args(std::string_view fn, std::span<const float> dy,
                                   std::span<const float> x, const Shape& shape,
                                   const NormParams& params, std::span<const float> running_mean,
                                   std::span<const float> running_var, const Gradients& grads) {
  detail::check_shape(fn, shape);
  check_tensor(fn, "dy", dy.size(), shape);
  check_tensor(fn, "x", x.size(), shape);
  check_norm_params(fn, shape, params);
  check_channels(fn, "running_mean", running_mean.size(), shape);
  check_channels(fn, "running_var", running_var.size(), shape);
  check_gradients(fn, shape, grads, dy, x);
}

// The arguments partial_grad_sums and backward_from_sums share.
void check_grad_sums_args(std::string_view fn, std::span<const float> dy, std::span<const float> x,
                          const Shape& shape, const NormParams& params, std::span<const float> mean,
                          std::span<const float> save_invstd, std::span<const float> sum_dy,
                          std::span<const float> sum_dy_xmu) {
  detail::check_shape(fn, shape);
  check_tensor(fn, "dy", dy.size(), shape);
  check_tensor(fn, "x", x.size(), shape);
  check_norm_params(fn, shape, params);
  check_channels(fn, "mean", mean.size(), shape);
  check_channels(fn, "save_invstd", save_invstd.size(), shape);
  check_channels(fn, "sum_dy", sum_dy.size(), shape);
  check_channels(fn, "sum_dy_xmu", sum_dy_xmu.size(), shape);
}

// Σdy' and Σdy'(x − mean) land in the caller's dweight/dbias when given, else in a small
// per-call buffer (C floats, outside every hot loop).
struct SumBuffers {
  std::vector<float> own_dy, own_dy_xmu;
  std::span<float> dy, dy_xmu;
  SumBuffers(const Gradients& g, std::size_t c) {
    if (g.dbias.empty()) own_dy.resize(c);
    if (g.dweight.empty()) own_dy_xmu.resize(c);
    dy = g.dbias.empty() ? std::span<float>(own_dy) : g.dbias;
    dy_xmu = g.dweight.empty() ? std::span<float>(own_dy_xmu) : g.dweight;
  }
};

}  // namespace

void batch_moments(std::span<const float> x, const Shape& shape, std::span<float> mean,
                   std::span<float> var) {
  constexpr std::string_view fn = "batch_moments";
  detail::check_shape(fn, shape);
  check_tensor(fn, "x", x.size(), shape);
  check_channels(fn, "mean", mean.size(), shape);
  check_channels(fn, "var", var.size(), shape);
  if (shape.per_channel() == 0) return;
  detail::active_partitioned_kernels().moments(x.data(), shape, mean.data(), var.data());
}

void forward_training(std::span<const float> x, const Shape& shape, const NormParams& params,
                      std::span<float> y, std::span<float> save_mean, std::span<float> save_invstd,
                      std::span<float> batch_var) {
  constexpr std::string_view fn = "forward_training";
  detail::check_forward_training_args(fn, x, shape, params, y, save_mean, save_invstd, batch_var);
  if (shape.per_channel() == 0) return;
  detail::check_trainable(fn, shape);

  const detail::PartitionedKernels k = detail::active_partitioned_kernels();
  // The variance goes to batch_var if wanted, else temporarily into save_invstd.
  std::span<float> var = batch_var.empty() ? save_invstd : batch_var;
  k.moments_normalize(x.data(), shape,
                      channel_params(params, save_mean.data(), var.data(), nullptr), params.relu,
                      y.data(), nullptr, save_mean.data(), var.data());
  // Same float ops as the kernels' 1/sqrt(var + eps) (both correctly rounded): bit-identical.
  for (std::size_t c = 0; c < shape.c; ++c) save_invstd[c] = 1.f / std::sqrt(var[c] + params.eps);
}

void forward_inference(std::span<const float> x, const Shape& shape, const NormParams& params,
                       std::span<const float> running_mean, std::span<const float> running_var,
                       std::span<float> y) {
  constexpr std::string_view fn = "forward_inference";
  detail::check_shape(fn, shape);
  check_tensor(fn, "x", x.size(), shape);
  check_tensor(fn, "y", y.size(), shape);
  detail::check_alias(fn, "y", y, "x", x);
  check_norm_params(fn, shape, params);
  check_channels(fn, "running_mean", running_mean.size(), shape);
  check_channels(fn, "running_var", running_var.size(), shape);
  if (shape.per_channel() == 0) return;
  detail::normalize_saving_input(x, shape, params, running_mean, running_var, y, {});
}

void detail::normalize_saving_input(std::span<const float> x, const Shape& shape,
                                    const NormParams& params, std::span<const float> mean,
                                    std::span<const float> var, std::span<float> y,
                                    std::span<float> x_copy) {
  detail::active_partitioned_kernels().normalize(
      x.data(), shape, channel_params(params, mean.data(), var.data(), nullptr), params.relu,
      y.data(), x_copy.empty() ? nullptr : x_copy.data());
}

void update_running_stats(std::span<const float> batch_mean, std::span<const float> batch_var,
                          std::size_t count, float momentum, std::span<float> running_mean,
                          std::span<float> running_var) {
  constexpr std::string_view fn = "update_running_stats";
  const std::size_t c = batch_mean.size();
  check_size(fn, "batch_var", batch_var.size(), c, "as many as batch_mean");
  check_size(fn, "running_mean", running_mean.size(), c, "as many as batch_mean");
  check_size(fn, "running_var", running_var.size(), c, "as many as batch_mean");
  detail::check_momentum(fn, momentum);
  if (count < 2) detail::fail(ErrorCode::shape, fn, "count", "at least 2", std::to_string(count));
  // Bessel's correction in double: count can exceed float's exact integers.
  const double unbias = double(count) / double(count - 1);
  for (std::size_t i = 0; i < c; ++i) {
    running_mean[i] = float((1.0 - momentum) * running_mean[i] + double(momentum) * batch_mean[i]);
    running_var[i] =
        float((1.0 - momentum) * running_var[i] + double(momentum) * batch_var[i] * unbias);
  }
}

void backward_training(std::span<const float> dy, std::span<const float> x, const Shape& shape,
                       const NormParams& params, std::span<const float> save_mean,
                       std::span<const float> save_invstd, const Gradients& grads) {
  constexpr std::string_view fn = "backward_training";
  detail::check_backward_training_args(fn, dy, x, shape, params, save_mean, save_invstd, grads);
  if (shape.per_channel() == 0) {
    for (float& v : grads.dweight) v = 0.f;
    for (float& v : grads.dbias) v = 0.f;
    return;
  }
  const detail::PartitionedKernels k = detail::active_partitioned_kernels();
  const auto p = channel_params(params, save_mean.data(), nullptr, save_invstd.data());
  SumBuffers sums(grads, shape.c);
  if (grads.dx.empty()) {
    k.grad_sums(dy.data(), x.data(), shape, p, params.relu, sums.dy.data(), sums.dy_xmu.data());
  } else {
    k.grad_sums_input(dy.data(), x.data(), shape, p, params.relu, sums.dy.data(),
                      sums.dy_xmu.data(), grads.dx.data());
  }
  parameter_grads(grads, sums.dy, sums.dy_xmu, save_invstd);
}

void backward_inference(std::span<const float> dy, std::span<const float> x, const Shape& shape,
                        const NormParams& params, std::span<const float> running_mean,
                        std::span<const float> running_var, const Gradients& grads) {
  constexpr std::string_view fn = "backward_inference";
  check_backward_inference_args(fn, dy, x, shape, params, running_mean, running_var, grads);
  if (shape.per_channel() == 0) {
    for (float& v : grads.dweight) v = 0.f;
    for (float& v : grads.dbias) v = 0.f;
    return;
  }
  const detail::PartitionedKernels k = detail::active_partitioned_kernels();
  const auto p = channel_params(params, running_mean.data(), running_var.data(), nullptr);
  if (!grads.dweight.empty() || !grads.dbias.empty()) {
    // The sums read x and dy before grad_input may overwrite either (dx aliasing).
    SumBuffers sums(grads, shape.c);
    k.grad_sums(dy.data(), x.data(), shape, p, params.relu, sums.dy.data(), sums.dy_xmu.data());
    if (!grads.dweight.empty())
      for (std::size_t c = 0; c < shape.c; ++c)
        grads.dweight[c] *= 1.f / std::sqrt(running_var[c] + params.eps);
  }
  if (!grads.dx.empty())
    k.grad_input(dy.data(), x.data(), shape, p, params.relu, false, nullptr, nullptr,
                 grads.dx.data());
}

// ---- Fused residual block -------------------------------------------------------------------

namespace {

void check_add_relu_forward(std::string_view fn, std::span<const float> x, std::span<const float> z,
                            const Shape& shape, const NormParams& params,
                            std::span<const float> y) {
  detail::check_shape(fn, shape);
  check_tensor(fn, "x", x.size(), shape);
  check_tensor(fn, "z", z.size(), shape);
  check_tensor(fn, "y", y.size(), shape);
  detail::check_alias(fn, "y", y, "x", x);
  detail::check_alias(fn, "y", y, "z", z);
  check_norm_params(fn, shape, params);
  if (params.relu)
    detail::fail(ErrorCode::range, fn, "params.relu",
                 "false (the fused op applies its ReLU after the add)", "true");
}

// dz = dy·[y > 0] into dz, or into dx (or a scratch tensor) when dz is not wanted; returns it.
std::span<const float> masked_grad(std::string_view fn, std::span<const float> dy,
                                   std::span<const float> y, std::span<const float> x,
                                   const Shape& shape, const Gradients& grads, std::span<float> dz,
                                   std::vector<float>& scratch) {
  check_tensor(fn, "y", y.size(), shape);
  if (!dz.empty()) check_tensor(fn, "dz", dz.size(), shape);
  detail::check_alias(fn, "dz", dz, "dy", dy);
  detail::check_alias(fn, "dz", dz, "y", y);
  // dz is written before x is read and before dx is written.
  detail::check_apart(fn, "dz", dz, "x", x);
  detail::check_apart(fn, "dz", dz, "grads.dx", grads.dx);
  // Without dz the mask goes to dx, which is therefore written while y is read.
  detail::check_alias(fn, "grads.dx", grads.dx, "y", y);
  std::span<float> out = dz;
  if (out.empty()) {
    if (!grads.dx.empty() && grads.dx.data() != x.data()) {
      out = grads.dx;
    } else {
      scratch.resize(shape.numel());
      out = scratch;
    }
  }
  detail::active_partitioned_kernels().relu_mask(dy.data(), y.data(), shape.numel(), out.data());
  return out;
}

}  // namespace

void forward_add_relu_training(std::span<const float> x, std::span<const float> z,
                               const Shape& shape, const NormParams& params, std::span<float> y,
                               std::span<float> save_mean, std::span<float> save_invstd,
                               std::span<float> batch_var) {
  constexpr std::string_view fn = "forward_add_relu_training";
  check_add_relu_forward(fn, x, z, shape, params, y);
  check_channels(fn, "save_mean", save_mean.size(), shape);
  check_channels(fn, "save_invstd", save_invstd.size(), shape);
  check_optional_channels(fn, "batch_var", batch_var.size(), shape.c);
  if (shape.per_channel() == 0) return;
  detail::check_trainable(fn, shape);
  const detail::PartitionedKernels k = detail::active_partitioned_kernels();
  std::span<float> var = batch_var.empty() ? save_invstd : batch_var;
  k.moments_normalize_add_relu(x.data(), z.data(), shape,
                               channel_params(params, save_mean.data(), var.data(), nullptr),
                               y.data(), nullptr, save_mean.data(), var.data());
  for (std::size_t c = 0; c < shape.c; ++c) save_invstd[c] = 1.f / std::sqrt(var[c] + params.eps);
}

void forward_add_relu_inference(std::span<const float> x, std::span<const float> z,
                                const Shape& shape, const NormParams& params,
                                std::span<const float> running_mean,
                                std::span<const float> running_var, std::span<float> y) {
  constexpr std::string_view fn = "forward_add_relu_inference";
  check_add_relu_forward(fn, x, z, shape, params, y);
  check_channels(fn, "running_mean", running_mean.size(), shape);
  check_channels(fn, "running_var", running_var.size(), shape);
  if (shape.per_channel() == 0) return;
  detail::normalize_add_relu_saving_input(x, z, shape, params, running_mean, running_var, y, {});
}

void detail::batch_normalize_saving_input(std::span<const float> x, std::span<const float> z,
                                          const Shape& shape, const NormParams& params,
                                          std::span<float> mean, std::span<float> var,
                                          std::span<float> y, std::span<float> x_copy) {
  const detail::PartitionedKernels k = detail::active_partitioned_kernels();
  const auto p = channel_params(params, mean.data(), var.data(), nullptr);
  float* const copy = x_copy.empty() ? nullptr : x_copy.data();
  if (z.empty()) {
    k.moments_normalize(x.data(), shape, p, params.relu, y.data(), copy, mean.data(), var.data());
  } else {
    k.moments_normalize_add_relu(x.data(), z.data(), shape, p, y.data(), copy, mean.data(),
                                 var.data());
  }
}

void detail::normalize_add_relu_saving_input(std::span<const float> x, std::span<const float> z,
                                             const Shape& shape, const NormParams& params,
                                             std::span<const float> mean,
                                             std::span<const float> var, std::span<float> y,
                                             std::span<float> x_copy) {
  detail::active_partitioned_kernels().normalize_add_relu(
      x.data(), z.data(), shape, channel_params(params, mean.data(), var.data(), nullptr), y.data(),
      x_copy.empty() ? nullptr : x_copy.data());
}

void backward_add_relu_training(std::span<const float> dy, std::span<const float> y,
                                std::span<const float> x, const Shape& shape,
                                const NormParams& params, std::span<const float> save_mean,
                                std::span<const float> save_invstd, const Gradients& grads,
                                std::span<float> dz) {
  constexpr std::string_view fn = "backward_add_relu_training";
  detail::check_backward_training_args(fn, dy, x, shape, params, save_mean, save_invstd, grads);
  std::vector<float> scratch;
  const std::span<const float> g = masked_grad(fn, dy, y, x, shape, grads, dz, scratch);
  backward_training(g, x, shape, params, save_mean, save_invstd, grads);
}

void backward_add_relu_inference(std::span<const float> dy, std::span<const float> y,
                                 std::span<const float> x, const Shape& shape,
                                 const NormParams& params, std::span<const float> running_mean,
                                 std::span<const float> running_var, const Gradients& grads,
                                 std::span<float> dz) {
  constexpr std::string_view fn = "backward_add_relu_inference";
  check_backward_inference_args(fn, dy, x, shape, params, running_mean, running_var, grads);
  std::vector<float> scratch;
  const std::span<const float> g = masked_grad(fn, dy, y, x, shape, grads, dz, scratch);
  backward_inference(g, x, shape, params, running_mean, running_var, grads);
}

// ---- Sync-BN primitives ---------------------------------------------------------------------

std::size_t partial_moments(std::span<const float> x, const Shape& shape, std::span<float> mean,
                            std::span<float> m2) {
  constexpr std::string_view fn = "partial_moments";
  detail::check_shape(fn, shape);
  check_tensor(fn, "x", x.size(), shape);
  check_channels(fn, "mean", mean.size(), shape);
  check_channels(fn, "m2", m2.size(), shape);
  const std::size_t count = shape.per_channel();
  if (count == 0) {
    std::fill(mean.begin(), mean.end(), 0.f);
    std::fill(m2.begin(), m2.end(), 0.f);
    return 0;
  }
  detail::active_partitioned_kernels().moments(x.data(), shape, mean.data(), m2.data());
  // M2 = var·count in double, then one rounding: what the merge needs, without a second pass.
  for (std::size_t c = 0; c < shape.c; ++c) m2[c] = float(double(m2[c]) * double(count));
  return count;
}

std::size_t merge_moments(std::span<const MomentsPart> parts, std::span<float> mean,
                          std::span<float> var) {
  constexpr std::string_view fn = "merge_moments";
  const std::size_t c = mean.size();
  if (c == 0) detail::fail(ErrorCode::shape, fn, "mean", "at least 1 channel", "0 floats");
  check_size(fn, "var", var.size(), c, "as many as mean");
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string at = "parts[" + std::to_string(i) + "]";
    if (parts[i].mean.size() != c)
      check_size(fn, at + ".mean", parts[i].mean.size(), c, "one per channel");
    if (parts[i].m2.size() != c)
      check_size(fn, at + ".m2", parts[i].m2.size(), c, "one per channel");
  }
  std::size_t total = 0;
  for (const MomentsPart& p : parts) total += p.count;
  for (std::size_t ch = 0; ch < c; ++ch) {
    // Chan et al.: merging (n_a, μ_a, M2_a) with (n_b, μ_b, M2_b) adds δ²·n_a·n_b/(n_a + n_b) to
    // M2 for δ = μ_b − μ_a; exact in exact arithmetic for any counts, and an empty part is a no-op.
    double n = 0, mu = 0, m2 = 0;
    for (const MomentsPart& p : parts) {
      if (p.count == 0) continue;
      const double nb = double(p.count), delta = double(p.mean[ch]) - mu;
      const double merged = n + nb;
      mu += delta * nb / merged;
      m2 += double(p.m2[ch]) + delta * delta * n * nb / merged;
      n = merged;
    }
    mean[ch] = float(mu);
    var[ch] = n > 0 ? float(m2 / n) : 0.f;
  }
  return total;
}

void forward_with_stats(std::span<const float> x, const Shape& shape, const NormParams& params,
                        std::span<const float> mean, std::span<const float> var, std::span<float> y,
                        std::span<float> save_invstd) {
  constexpr std::string_view fn = "forward_with_stats";
  check_channels(fn, "save_invstd", save_invstd.size(), shape);
  check_channels(fn, "mean", mean.size(), shape);
  check_channels(fn, "var", var.size(), shape);
  forward_inference(x, shape, params, mean, var, y);
  for (std::size_t c = 0; c < shape.c; ++c) save_invstd[c] = 1.f / std::sqrt(var[c] + params.eps);
}

void partial_grad_sums(std::span<const float> dy, std::span<const float> x, const Shape& shape,
                       const NormParams& params, std::span<const float> mean,
                       std::span<const float> save_invstd, std::span<float> sum_dy,
                       std::span<float> sum_dy_xmu) {
  constexpr std::string_view fn = "partial_grad_sums";
  check_grad_sums_args(fn, dy, x, shape, params, mean, save_invstd, sum_dy, sum_dy_xmu);
  if (shape.per_channel() == 0) {
    std::fill(sum_dy.begin(), sum_dy.end(), 0.f);
    std::fill(sum_dy_xmu.begin(), sum_dy_xmu.end(), 0.f);
    return;
  }
  detail::active_partitioned_kernels().grad_sums(
      dy.data(), x.data(), shape, channel_params(params, mean.data(), nullptr, save_invstd.data()),
      params.relu, sum_dy.data(), sum_dy_xmu.data());
}

void merge_grad_sums(std::span<const GradSumsPart> parts, std::span<float> sum_dy,
                     std::span<float> sum_dy_xmu) {
  constexpr std::string_view fn = "merge_grad_sums";
  const std::size_t c = sum_dy.size();
  check_size(fn, "sum_dy_xmu", sum_dy_xmu.size(), c, "as many as sum_dy");
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string at = "parts[" + std::to_string(i) + "]";
    if (parts[i].sum_dy.size() != c)
      check_size(fn, at + ".sum_dy", parts[i].sum_dy.size(), c, "one per channel");
    if (parts[i].sum_dy_xmu.size() != c)
      check_size(fn, at + ".sum_dy_xmu", parts[i].sum_dy_xmu.size(), c, "one per channel");
  }
  for (std::size_t ch = 0; ch < c; ++ch) {
    double a = 0, b = 0;
    for (const GradSumsPart& p : parts) {
      a += p.sum_dy[ch];
      b += p.sum_dy_xmu[ch];
    }
    sum_dy[ch] = float(a);
    sum_dy_xmu[ch] = float(b);
  }
}

void backward_from_sums(std::span<const float> dy, std::span<const float> x, const Shape& shape,
                        const NormParams& params, std::span<const float> mean,
                        std::span<const float> save_invstd, std::span<const float> sum_dy,
                        std::span<const float> sum_dy_xmu, std::size_t count,
                        const Gradients& grads) {
  constexpr std::string_view fn = "backward_from_sums";
  check_grad_sums_args(fn, dy, x, shape, params, mean, save_invstd, sum_dy, sum_dy_xmu);
  check_gradients(fn, shape, grads, dy, x);
  if (count < shape.per_channel())
    detail::fail(ErrorCode::shape, fn, "count",
                 "at least this shard's N·S = " + std::to_string(shape.per_channel()),
                 std::to_string(count));
  parameter_grads(grads, sum_dy, sum_dy_xmu, save_invstd);
  if (grads.dx.empty() || shape.per_channel() == 0) return;
  // The means divide the merged sums by the merged count, not by this shard's N·S.
  kernels::ChannelParams p = channel_params(params, mean.data(), nullptr, save_invstd.data());
  p.batch_count = count;
  detail::active_partitioned_kernels().grad_input(dy.data(), x.data(), shape, p, params.relu, true,
                                                  sum_dy.data(), sum_dy_xmu.data(),
                                                  grads.dx.data());
}

}  // namespace simdnorm
