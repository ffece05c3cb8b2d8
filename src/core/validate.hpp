#pragma once
// Argument checks for the public API (core and nn). Each throws simdnorm::Error whose message
// names the function, the argument, what was expected and what was given.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "simdnorm/error.hpp"
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
// Empty, or exactly C floats (weight/bias of a non-affine module may be empty).
void check_optional_channels(std::string_view fn, std::string_view arg, std::size_t given,
                             std::size_t channels);
void check_eps(std::string_view fn, float eps, std::string_view arg = "eps");
void check_momentum(std::string_view fn, float momentum);
// An output tensor may be exactly an input (in place) or apart from it. A partial overlap would
// make the kernels read values they have already overwritten, so it is refused.
void check_alias(std::string_view fn, std::string_view out_arg, std::span<const float> out,
                 std::string_view in_arg, std::span<const float> in);
// An output that is written before `in` is read for the last time must not overlap it at all.
void check_apart(std::string_view fn, std::string_view out_arg, std::span<const float> out,
                 std::string_view in_arg, std::span<const float> in);
// PyTorch refuses to train on one value per channel: the variance would be 0/0.
void check_trainable(std::string_view fn, const Shape& shape);

}  // namespace simdnorm::detail
