#pragma once
// Element-wise activations. Backward is written in terms of the forward's OUTPUT y (ReLU: y > 0,
// tanh: 1 − y², sigmoid: y·(1 − y)), so the input never has to be kept.

#include <span>
#include <string_view>

namespace simdnorm::nn {

enum class Activation { relu, tanh, sigmoid };

// "relu" | "tanh" | "sigmoid"; throws std::invalid_argument otherwise.
Activation parse_activation(std::string_view name);
std::string_view to_string(Activation a);

// y = f(x); y may be x.
void activation_forward(Activation a, std::span<const float> x, std::span<float> y);
// dx = dy·f'(x) from y = f(x); dx may be dy.
void activation_backward(Activation a, std::span<const float> y, std::span<const float> dy,
                         std::span<float> dx);

}  // namespace simdnorm::nn
