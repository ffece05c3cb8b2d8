// The public stateless API: validation, then the active ISA's kernels.

#include "simdnorm/functional.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "core/dispatch.hpp"
#include "core/validate.hpp"

namespace simdnorm {
namespace {

using detail::check_optional_channels;
using detail::check_size;

void check_params(std::string_view fn, const Shape& shape, const NormParams& p) {
  detail::check_eps(fn, p.eps);
  check_optional_channels(fn, "params.weight", p.weight.size(), shape.c);
  check_optional_channels(fn, "params.bias", p.bias.size(), shape.c);
}

void check_tensor(std::string_view fn, std::string_view arg, std::size_t given, const Shape& s) {
  // The message is built only on failure: the header promises callers no allocation.
  if (given != s.numel()) check_size(fn, arg, given, s.numel(), "N·C·S of shape " + to_string(s));
}

void check_channels(std::string_view fn, std::string_view arg, std::size_t given, const Shape& s) {
  check_size(fn, arg, given, s.c, "one per channel");
}

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

void check_grads(std::string_view fn, const Shape& s, const Gradients& g) {
  check_optional_channels(fn, "grads.dweight", g.dweight.size(), s.c);
  check_optional_channels(fn, "grads.dbias", g.dbias.size(), s.c);
  if (!g.dx.empty()) check_tensor(fn, "grads.dx", g.dx.size(), s);
}

void check_dx_alias(std::string_view fn, const Gradients& g, std::span<const float> dy,
                    std::span<const float> x) {
  detail::check_alias(fn, "grads.dx", g.dx, "dy", dy);
  detail::check_alias(fn, "grads.dx", g.dx, "x", x);
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
  detail::active_kernels().moments(x.data(), shape, mean.data(), var.data());
}

void forward_training(std::span<const float> x, const Shape& shape, const NormParams& params,
                      std::span<float> y, std::span<float> save_mean, std::span<float> save_invstd,
                      std::span<float> batch_var) {
  constexpr std::string_view fn = "forward_training";
  detail::check_shape(fn, shape);
  check_tensor(fn, "x", x.size(), shape);
  check_tensor(fn, "y", y.size(), shape);
  detail::check_alias(fn, "y", y, "x", x);
  check_params(fn, shape, params);
  check_channels(fn, "save_mean", save_mean.size(), shape);
  check_channels(fn, "save_invstd", save_invstd.size(), shape);
  check_optional_channels(fn, "batch_var", batch_var.size(), shape.c);
  if (shape.per_channel() == 0) return;
  detail::check_trainable(fn, shape);

  const kernels::KernelTable& k = detail::active_kernels();
  // The variance goes to batch_var if wanted, else temporarily into save_invstd.
  std::span<float> var = batch_var.empty() ? save_invstd : batch_var;
  k.moments(x.data(), shape, save_mean.data(), var.data());
  k.normalize(x.data(), shape, channel_params(params, save_mean.data(), var.data(), nullptr),
              params.relu, y.data());
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
  check_params(fn, shape, params);
  check_channels(fn, "running_mean", running_mean.size(), shape);
  check_channels(fn, "running_var", running_var.size(), shape);
  if (shape.per_channel() == 0) return;
  detail::active_kernels().normalize(
      x.data(), shape, channel_params(params, running_mean.data(), running_var.data(), nullptr),
      params.relu, y.data());
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
  detail::check_shape(fn, shape);
  check_tensor(fn, "dy", dy.size(), shape);
  check_tensor(fn, "x", x.size(), shape);
  check_params(fn, shape, params);
  check_channels(fn, "save_mean", save_mean.size(), shape);
  check_channels(fn, "save_invstd", save_invstd.size(), shape);
  check_grads(fn, shape, grads);
  check_dx_alias(fn, grads, dy, x);
  if (shape.per_channel() == 0) {
    for (float& v : grads.dweight) v = 0.f;
    for (float& v : grads.dbias) v = 0.f;
    return;
  }
  const kernels::KernelTable& k = detail::active_kernels();
  const auto p = channel_params(params, save_mean.data(), nullptr, save_invstd.data());
  SumBuffers sums(grads, shape.c);
  k.grad_sums(dy.data(), x.data(), shape, p, params.relu, sums.dy.data(), sums.dy_xmu.data());
  if (!grads.dx.empty())
    k.grad_input(dy.data(), x.data(), shape, p, params.relu, true, sums.dy.data(),
                 sums.dy_xmu.data(), grads.dx.data());
  parameter_grads(grads, sums.dy, sums.dy_xmu, save_invstd);
}

void backward_inference(std::span<const float> dy, std::span<const float> x, const Shape& shape,
                        const NormParams& params, std::span<const float> running_mean,
                        std::span<const float> running_var, const Gradients& grads) {
  constexpr std::string_view fn = "backward_inference";
  detail::check_shape(fn, shape);
  check_tensor(fn, "dy", dy.size(), shape);
  check_tensor(fn, "x", x.size(), shape);
  check_params(fn, shape, params);
  check_channels(fn, "running_mean", running_mean.size(), shape);
  check_channels(fn, "running_var", running_var.size(), shape);
  check_grads(fn, shape, grads);
  check_dx_alias(fn, grads, dy, x);
  if (shape.per_channel() == 0) {
    for (float& v : grads.dweight) v = 0.f;
    for (float& v : grads.dbias) v = 0.f;
    return;
  }
  const kernels::KernelTable& k = detail::active_kernels();
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

}  // namespace simdnorm
