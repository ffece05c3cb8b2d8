#pragma once
// F = Σ h(bits(x[i]))·(2·a[i] + 1) mod 2³², a[i] = x + i's address in floats: what a module that
// borrows x rather than copying it (BatchNorm::forward_borrowed) takes in forward and compares in
// backward. h(b) = b ^ (b >> 23) ^ (b >> 31) is a bijection, and the weights are odd, so a change
// of one float always changes F. h brings the sign and exponent bits down to bit 0: a sum mod 2³²
// of the raw bits sees a change of 2ᵏ only in its top 32 − k bits, so negating a whole tensor
// (2³¹ added to every float) or doubling it (2²³ added) would leave F unchanged on every size
// with enough factors of two. The weights depend on
// the address alone, so any split of a tensor into ranges sums to the same F, whatever the pieces
// or threads. It is a checksum: two or more changed floats can still collide, with no bound
// proven here; tests/native/fingerprint_test.cpp checks that the usual in-place changes show.
//
// The address weights cost no multiply per vector: over the vectors v = 0…V−1 from p (index a₀),
// lane l of vector v weighs 2·(a₀ + v·L + l) + 1, and with the lane sums A_l = Σ_v h and Fletcher's
// running sums B_l = Σ_v (A_l after vector v) = Σ_v h·(V − v), Σ_v h·v is V·A_l − B_l: a few
// integer operations per vector, the weights applied once per call.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/lanes.hpp"

namespace simdnorm::kernels {

struct fingerprint {
  template <class Arch>
  std::uint32_t operator()(Arch, const float* x, std::size_t count) const;
};

template <class Arch>
std::uint32_t fingerprint::operator()(Arch, const float* x, std::size_t count) const {
  using U = xsimd::batch<std::uint32_t, Arch>;
  constexpr std::size_t L = U::size;
  const auto mix = [](const auto& b) { return b ^ (b >> 23) ^ (b >> 31); };
  const auto index_of = [](const float* p) {
    return std::uint32_t(reinterpret_cast<std::uintptr_t>(p) / sizeof(float));
  };
  // Two vectors a step, each with its own sums: the chains of adds then overlap. Step t's vector k
  // is vector 2t + k, so Σ_v h·v = 2·(T·A_k − B_k) + k·A_k over the T steps.
  U a0(0u), a1(0u), b0(0u), b1(0u);
  std::size_t i = 0;
  for (; i + 2 * L <= count; i += 2 * L) {
    a0 += mix(xsimd::bitwise_cast<U>(batch<Arch>::load_unaligned(x + i)));
    a1 += mix(xsimd::bitwise_cast<U>(batch<Arch>::load_unaligned(x + i + L)));
    b0 += a0;
    b1 += a1;
  }
  const auto steps = std::uint32_t(i / (2 * L));
  alignas(Arch::alignment()) std::uint32_t sa[2][L], sb[2][L];
  a0.store_aligned(sa[0]);
  a1.store_aligned(sa[1]);
  b0.store_aligned(sb[0]);
  b1.store_aligned(sb[1]);
  const std::uint32_t base = 2 * index_of(x) + 1;  // vector 0, lane 0
  std::uint32_t f = 0;
  for (std::uint32_t k = 0; k < 2; ++k) {
    for (std::uint32_t l = 0; l < L; ++l) {
      const std::uint32_t a = sa[k][l];
      const std::uint32_t vector_sum = 2 * (steps * a - sb[k][l]) + k * a;  // Σ h·v
      f += a * (base + 2 * l) + 2 * std::uint32_t(L) * vector_sum;
    }
  }
  for (const float* p = x + i; p < x + count; ++p) {
    std::uint32_t b;
    std::memcpy(&b, p, sizeof b);
    f += mix(b) * (2 * index_of(p) + 1);
  }
  return f;
}

}  // namespace simdnorm::kernels
