#pragma once
// PyTorch's default initialization of nn.Linear and nn.Conv2d (reset_parameters): the weight is
// kaiming_uniform_(a=√5), i.e. U(−b, b) with b = gain·√3/√fan_in, gain = √(2/(1 + a²)) = √(1/3),
// so b = 1/√fan_in; the bias is U(−1/√fan_in, 1/√fan_in). Same distributions as PyTorch, drawn
// from our own seeded generator (the values cannot match torch's RNG stream).

#include <cstddef>
#include <span>

#include "nn/random.hpp"

namespace simdnorm::nn {

// 1/√fan_in (0 for fan_in = 0, where torch leaves the bias bound at 0).
double default_init_bound(std::size_t fan_in);

// Fills `values` with U(−bound, bound) draws from `rng`, in order.
void fill_uniform(std::span<float> values, double bound, Rng& rng);

}  // namespace simdnorm::nn
