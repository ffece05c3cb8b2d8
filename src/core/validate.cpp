#include "core/validate.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

namespace simdnorm {

std::string to_string(const Shape& s) {
  const bool first = s.layout == Layout::ChannelsFirst;
  std::string text = "[";
  for (std::size_t d : {s.n, first ? s.c : s.s, first ? s.s : s.c})
    (text += std::to_string(d)) += ", ";
  text.resize(text.size() - 2);
  return text + (first ? "] channels-first" : "] channels-last");
}

namespace detail {

void fail(ErrorCode code, std::string_view fn, std::string_view arg, std::string_view expected,
          std::string_view given) {
  std::string what = "simdnorm: ";
  (what += fn) += ": ";
  (what += arg) += ": expected ";
  (what += expected) += ", got ";
  what += given;
  throw Error(code, what);
}

std::string str(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", double(v));
  return buf;
}

void check_shape(std::string_view fn, const Shape& shape) {
  if (shape.c == 0) fail(ErrorCode::shape, fn, "shape.c", "at least 1 channel", "0");
  constexpr std::size_t max = std::numeric_limits<std::size_t>::max();
  const bool overflow = (shape.n != 0 && shape.c > max / shape.n) ||
                        (shape.s != 0 && shape.n * shape.c > max / shape.s);
  if (overflow) fail(ErrorCode::shape, fn, "shape", "N·C·S to fit in size_t", to_string(shape));
}

void check_size(std::string_view fn, std::string_view arg, std::size_t given, std::size_t expected,
                std::string_view what) {
  if (given != expected)
    fail(ErrorCode::shape, fn, arg,
         std::to_string(expected) + " floats (" + std::string(what) + ")", std::to_string(given));
}

void check_tensor(std::string_view fn, std::string_view arg, std::size_t given,
                  const Shape& shape) {
  if (given != shape.numel())
    check_size(fn, arg, given, shape.numel(), "N·C·S of shape " + to_string(shape));
}

void check_channels(std::string_view fn, std::string_view arg, std::size_t given,
                    const Shape& shape) {
  check_size(fn, arg, given, shape.c, "one per channel");
}

void check_optional_channels(std::string_view fn, std::string_view arg, std::size_t given,
                             std::size_t channels) {
  if (given != 0 && given != channels)
    fail(ErrorCode::shape, fn, arg, std::to_string(channels) + " floats (one per channel) or none",
         std::to_string(given));
}

void check_eps(std::string_view fn, float eps, std::string_view arg) {
  if (!(eps > 0.f) || !std::isfinite(eps))
    fail(ErrorCode::range, fn, arg, "a finite value > 0", str(eps));
}

void check_momentum(std::string_view fn, float momentum) {
  if (!(momentum >= 0.f && momentum <= 1.f))
    fail(ErrorCode::range, fn, "momentum", "a value in [0, 1]", str(momentum));
}

bool overlap(std::span<const float> a, std::span<const float> b) {
  // Compared as integers: relational operators on pointers into different arrays are unspecified.
  const auto begin = [](std::span<const float> s) {
    return reinterpret_cast<std::uintptr_t>(s.data());
  };
  const auto end = [&](std::span<const float> s) { return begin(s) + s.size_bytes(); };
  return !a.empty() && !b.empty() && begin(a) < end(b) && begin(b) < end(a);
}

void check_alias(std::string_view fn, std::string_view out_arg, std::span<const float> out,
                 std::string_view in_arg, std::span<const float> in) {
  if (out.data() != in.data() && overlap(out, in))
    fail(ErrorCode::range, fn, out_arg,
         "the same span as " + std::string(in_arg) + " or memory apart from it",
         "a partial overlap");
}

void check_apart(std::string_view fn, std::string_view out_arg, std::span<const float> out,
                 std::string_view in_arg, std::span<const float> in) {
  if (overlap(out, in))
    fail(ErrorCode::range, fn, out_arg, "memory apart from " + std::string(in_arg),
         "an overlapping span");
}

void check_norm_params(std::string_view fn, const Shape& shape, const NormParams& params) {
  check_eps(fn, params.eps, "params.eps");
  check_optional_channels(fn, "params.weight", params.weight.size(), shape.c);
  check_optional_channels(fn, "params.bias", params.bias.size(), shape.c);
}

void check_gradients(std::string_view fn, const Shape& shape, const Gradients& grads,
                     std::span<const float> dy, std::span<const float> x) {
  check_optional_channels(fn, "grads.dweight", grads.dweight.size(), shape.c);
  check_optional_channels(fn, "grads.dbias", grads.dbias.size(), shape.c);
  if (!grads.dx.empty()) check_tensor(fn, "grads.dx", grads.dx.size(), shape);
  check_alias(fn, "grads.dx", grads.dx, "dy", dy);
  check_alias(fn, "grads.dx", grads.dx, "x", x);
}

void check_forward_training_args(std::string_view fn, std::span<const float> x, const Shape& shape,
                                 const NormParams& params, std::span<const float> y,
                                 std::span<const float> save_mean,
                                 std::span<const float> save_invstd,
                                 std::span<const float> batch_var) {
  check_shape(fn, shape);
  check_tensor(fn, "x", x.size(), shape);
  check_tensor(fn, "y", y.size(), shape);
  check_alias(fn, "y", y, "x", x);
  check_norm_params(fn, shape, params);
  check_channels(fn, "save_mean", save_mean.size(), shape);
  check_channels(fn, "save_invstd", save_invstd.size(), shape);
  check_optional_channels(fn, "batch_var", batch_var.size(), shape.c);
}

void check_backward_training_args(std::string_view fn, std::span<const float> dy,
                                  std::span<const float> x, const Shape& shape,
                                  const NormParams& params, std::span<const float> save_mean,
                                  std::span<const float> save_invstd, const Gradients& grads) {
  check_shape(fn, shape);
  check_tensor(fn, "dy", dy.size(), shape);
  check_tensor(fn, "x", x.size(), shape);
  check_norm_params(fn, shape, params);
  check_channels(fn, "save_mean", save_mean.size(), shape);
  check_channels(fn, "save_invstd", save_invstd.size(), shape);
  check_gradients(fn, shape, grads, dy, x);
}

void check_trainable(std::string_view fn, const Shape& shape) {
  if (shape.per_channel() == 1)
    fail(ErrorCode::shape, fn, "x", "more than 1 value per channel when training",
         "input of shape " + to_string(shape));
}

}  // namespace detail
}  // namespace simdnorm
