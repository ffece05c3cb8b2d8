#pragma once
// The sigmoid written once over xsimd::batch<float, Arch> (nn/activation_kernels.hpp). Included
// only by the files in src/nn/arch.
//
// σ(x) = 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0, with e = e^−|x| ∈ [0, 1]: the exponential
// never overflows, so it needs no range check above, and for x ≪ 0 the result is e^x itself, not
// 1 over a large number. Error against float64: e^t is within ~2 ulp (the polynomial's 1 ulp and
// the reduction's), the sum and the quotient add one rounding each (tests/activation_kernels_test).

#include <cstddef>
#include <cstdint>
#include <xsimd/xsimd.hpp>

#include "arch/xsimd_arch.hpp"
#include "kernels/lanes.hpp"  // core's Arch-templated partial loads/stores
#include "nn/activation_kernels.hpp"

namespace simdnorm::nn::kernels {

namespace activation_detail {

using simdnorm::kernels::batch;
using simdnorm::kernels::for_lanes;
using simdnorm::kernels::load_lanes;
using simdnorm::kernels::store_lanes;

// e^t for t ≤ 0 (Cephes expf): t = n·ln 2 + r with |r| ≤ ln 2 / 2, e^r by a degree-7 polynomial,
// 2^n written straight into the exponent bits. Below ln(FLT_MIN) (2^n would leave the normal
// range) the result is 0, as torch.sigmoid's e^−x overflows to ∞ from −88.72 on; −∞ gives 0 and
// NaN stays NaN.
template <class Arch>
batch<Arch> exp_nonpositive(const batch<Arch>& t) {
  using B = batch<Arch>;
  using I = xsimd::batch<std::int32_t, Arch>;
  // Adding 1.5·2^23 rounds t·log2(e) to the nearest integer n and leaves n in the low mantissa
  // bits: one float add instead of a round and a float-to-int conversion (which SSE2 and
  // Emscripten's SSE4.1 emulate with several instructions).
  const B magic(12582912.f);
  const B shifted = xsimd::fma(t, B(1.44269504088896341f), magic);
  const B n = shifted - magic;
  // ln 2 split in two so that n·ln2_hi is exact (ln2_hi has 9 significant bits, |n| ≤ 126).
  B r = xsimd::fnma(n, B(0.693359375f), t);
  r = xsimd::fnma(n, B(-2.12194440e-4f), r);
  B p(1.9875691500e-4f);
  p = xsimd::fma(p, r, B(1.3981999507e-3f));
  p = xsimd::fma(p, r, B(8.3334519073e-3f));
  p = xsimd::fma(p, r, B(4.1665795894e-2f));
  p = xsimd::fma(p, r, B(1.6666665459e-1f));
  p = xsimd::fma(p, r, B(5.0000001201e-1f));
  p = xsimd::fma(p, r * r, r) + B(1.f);
  const I exponent = xsimd::bitwise_cast<I>(shifted) - xsimd::bitwise_cast<I>(magic) + I(127);
  const B scale = xsimd::bitwise_cast<B>(exponent << 23);
  return xsimd::select(t < B(-87.3365448f), B(0.f), p * scale);
}

template <bool Partial, class Arch>
void sigmoid_lanes(const float* x, float* y, std::size_t i, std::size_t count) {
  using B = batch<Arch>;
  const B v = load_lanes<Partial, Arch>(x + i, count, 0.f);
  const B e = exp_nonpositive<Arch>(-xsimd::abs(v));
  const B one(1.f);
  // NaN fails x ≥ 0 and gives e/(1 + e) = NaN.
  store_lanes<Partial, Arch>(xsimd::select(v >= B(0.f), one, e) / (one + e), y + i, count);
}

template <class Arch>
void sigmoid_forward(std::size_t n, const float* x, float* y) {
  for_lanes<Arch>(n, [&]<bool Partial>(std::size_t i, std::size_t count) {
    sigmoid_lanes<Partial, Arch>(x, y, i, count);
  });
}

template <bool Partial, class Arch>
void sigmoid_backward_lanes(const float* y, const float* dy, float* dx, std::size_t i,
                            std::size_t count) {
  using B = batch<Arch>;
  const B s = load_lanes<Partial, Arch>(y + i, count, 0.f);
  const B g = load_lanes<Partial, Arch>(dy + i, count, 0.f);
  store_lanes<Partial, Arch>(g * s * (B(1.f) - s), dx + i, count);
}

template <class Arch>
void sigmoid_backward(std::size_t n, const float* y, const float* dy, float* dx) {
  for_lanes<Arch>(n, [&]<bool Partial>(std::size_t i, std::size_t count) {
    sigmoid_backward_lanes<Partial, Arch>(y, dy, dx, i, count);
  });
}

}  // namespace activation_detail

template <arch::Isa I>
ActivationKernels activation_table() {
  constexpr const char* isa = arch::name(I);  // a constant: no name() copy built with ISA flags
  return {isa, &activation_detail::sigmoid_forward<arch::xsimd_arch<I>>,
          &activation_detail::sigmoid_backward<arch::xsimd_arch<I>>};
}

}  // namespace simdnorm::nn::kernels
