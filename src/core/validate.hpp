#pragma once
// Argument checks for the public API (core and nn). Each throws simdnorm::Error whose message
// names the function, the argument, what was expected and what was given.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "simdnorm/error.hpp"
#include "simdnorm/functional.hpp"
#include "simdnorm/shape.hpp"

namespace simdnorm::detail {

// The one builder of error messages: throws Error(code,
// "simdnorm: <fn>: <arg>: expected <expected>, got <given>").
[[noreturn]] void fail(ErrorCode code, std::string_view fn, std::string_view arg,
                       std::string_view expected, std::string_view given);
// A float as the messages print it (%g).
std::string str(float v);

// C ≥ 1 and N·C·S representable.
void check_shape(std::string_view fn, const Shape& shape);
// `arg` holds exactly `expected` floats (the message says what the count is made of).
void check_size(std::string_view fn, std::string_view arg, std::size_t given, std::size_t expected,
                std::string_view what);
// `arg` holds the N·C·S floats of `shape`; the message is built only on failure (callers promise
// no allocation).
void check_tensor(std::string_view fn, std::string_view arg, std::size_t given, const Shape& shape);
// `arg` holds one float per channel of `shape`.
void check_channels(std::string_view fn, std::string_view arg, std::size_t given,
                    const Shape& shape);
// Empty, or exactly C floats (weight/bias of a non-affine module may be empty).
void check_optional_channels(std::string_view fn, std::string_view arg, std::size_t given,
                             std::size_t channels);
void check_eps(std::string_view fn, float eps, std::string_view arg = "eps");
void check_momentum(std::string_view fn, float momentum);
// Whether two spans share any memory.
bool overlap(std::span<const float> a, std::span<const float> b);
// An output tensor may be exactly an input (in place) or apart from it. A partial overlap would
// make the kernels read values they have already overwritten, so it is refused.
void check_alias(std::string_view fn, std::string_view out_arg, std::span<const float> out,
                 std::string_view in_arg, std::span<const float> in);
// An output that is written before `in` is read for the last time must not overlap it at all.
void check_apart(std::string_view fn, std::string_view out_arg, std::span<const float> out,
                 std::string_view in_arg, std::span<const float> in);
// params.eps, and params.weight/params.bias empty or one per channel.
void check_norm_params(std::string_view fn, const Shape& shape, const NormParams& params);
// grads.dweight/grads.dbias empty or one per channel, grads.dx empty or N·C·S floats and, like
// any output, the same span as dy (or x) or apart from it.
void check_gradients(std::string_view fn, const Shape& shape, const Gradients& grads,
                     std::span<const float> dy, std::span<const float> x);
// The arguments of a training forward (forward_training and its MPI form), in signature order.
void check_forward_training_args(std::string_view fn, std::span<const float> x, const Shape& shape,
                                 const NormParams& params, std::span<const float> y,
                                 std::span<const float> save_mean,
                                 std::span<const float> save_invstd,
                                 std::span<const float> batch_var);
// The arguments of a training backward (backward_training, backward_add_relu_training and the
// MPI form) but dz and the fused op's y.
void check_backward_training_args(std::string_view fn, std::span<const float> dy,
                                  std::span<const float> x, const Shape& shape,
                                  const NormParams& params, std::span<const float> save_mean,
                                  std::span<const float> save_invstd, const Gradients& grads);
// PyTorch refuses to train on one value per channel: the variance would be 0/0.
void check_trainable(std::string_view fn, const Shape& shape);

}  // namespace simdnorm::detail
