#pragma once
// Arch-templated dense-layer kernels (xsimd). Every product walks `out` (the layer width) across
// the vector lanes in blocks of four vectors — four independent FMA chains hide the FMA latency —
// then single vectors, then one partial vector for the tail, all in the same function.
// Included only by the files in src/nn/arch.

#include <cstddef>
#include <xsimd/xsimd.hpp>

#include "arch/xsimd_arch.hpp"
#include "kernels/lanes.hpp"  // core's Arch-templated partial loads/stores
#include "nn/dense_kernels.hpp"

namespace simdnorm::nn::kernels {

using simdnorm::kernels::batch;
using simdnorm::kernels::load_lanes;
using simdnorm::kernels::store_lanes;

namespace dense_detail {

// dst[o0 .. o0+count) = init + Σ_t coef[t·stride]·rows[t·row_len + o]: the shared inner product
// of forward (coef = a row of x, rows = Wt) and grad_weight (coef = a column of x, rows = dy).
// UnitCoef: every coef is 1 (the bias gradient, a column sum).
template <std::size_t K, bool Partial, bool UnitCoef, class Arch>
void combine_rows(const float* coef, std::size_t stride, std::size_t terms, const float* rows,
                  std::size_t row_len, const float* init, std::size_t o0, std::size_t count,
                  float* dst) {
  constexpr std::size_t L = batch<Arch>::size;
  batch<Arch> acc[K];
  for (std::size_t k = 0; k < K; ++k)
    acc[k] =
        init ? load_lanes<Partial, Arch>(init + o0 + k * L, count - k * L, 0.f) : batch<Arch>(0.f);
  for (std::size_t t = 0; t < terms; ++t) {
    const float* row = rows + t * row_len + o0;
    if constexpr (UnitCoef) {
      for (std::size_t k = 0; k < K; ++k)
        acc[k] += load_lanes<Partial, Arch>(row + k * L, count - k * L, 0.f);
    } else {
      const batch<Arch> c(coef[t * stride]);
      for (std::size_t k = 0; k < K; ++k)
        acc[k] = xsimd::fma(c, load_lanes<Partial, Arch>(row + k * L, count - k * L, 0.f), acc[k]);
    }
  }
  for (std::size_t k = 0; k < K; ++k)
    store_lanes<Partial, Arch>(acc[k], dst + o0 + k * L, count - k * L);
}

template <bool UnitCoef, class Arch>
void combine_rows_all(const float* coef, std::size_t stride, std::size_t terms, const float* rows,
                      std::size_t row_len, const float* init, float* dst) {
  constexpr std::size_t L = batch<Arch>::size;
  std::size_t o0 = 0;
  for (; o0 + 4 * L <= row_len; o0 += 4 * L)
    combine_rows<4, false, UnitCoef, Arch>(coef, stride, terms, rows, row_len, init, o0, 4 * L,
                                           dst);
  for (; o0 + L <= row_len; o0 += L)
    combine_rows<1, false, UnitCoef, Arch>(coef, stride, terms, rows, row_len, init, o0, L, dst);
  if (o0 < row_len)
    combine_rows<1, true, UnitCoef, Arch>(coef, stride, terms, rows, row_len, init, o0,
                                          row_len - o0, dst);
}

// Σ_o a[o]·b[o] with one vector accumulator and a partial tail.
template <class Arch>
float dot(const float* a, const float* b, std::size_t len) {
  constexpr std::size_t L = batch<Arch>::size;
  batch<Arch> acc(0.f);
  std::size_t o = 0;
  for (; o + L <= len; o += L)
    acc = xsimd::fma(batch<Arch>::load_unaligned(a + o), batch<Arch>::load_unaligned(b + o), acc);
  if (o < len)
    acc = xsimd::fma(load_lanes<true, Arch>(a + o, len - o, 0.f),
                     load_lanes<true, Arch>(b + o, len - o, 0.f), acc);
  return xsimd::hadd(acc);
}

}  // namespace dense_detail

struct dense_forward {
  template <class Arch>
  void operator()(Arch, const float* x, std::size_t n, std::size_t in, const float* wt,
                  const float* b, std::size_t out, float* y) const {
    for (std::size_t r = 0; r < n; ++r)
      dense_detail::combine_rows_all<false, Arch>(x + r * in, 1, in, wt, out, b, y + r * out);
  }
};

struct dense_grad_weight {
  template <class Arch>
  void operator()(Arch, const float* x, const float* dy, std::size_t n, std::size_t in,
                  std::size_t out, float* dwt, float* db) const {
    for (std::size_t i = 0; i < in; ++i)
      dense_detail::combine_rows_all<false, Arch>(x + i, in, n, dy, out, nullptr, dwt + i * out);
    dense_detail::combine_rows_all<true, Arch>(nullptr, 0, n, dy, out, nullptr, db);
  }
};

struct dense_grad_input {
  template <class Arch>
  void operator()(Arch, const float* dy, std::size_t n, std::size_t out, const float* wt,
                  std::size_t in, float* dx) const {
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t i = 0; i < in; ++i)
        dx[r * in + i] = dense_detail::dot<Arch>(dy + r * out, wt + i * out, out);
  }
};

template <class Arch>
DenseKernels make_dense_table(const char* isa) {
  return {
      isa,
      [](const float* x, std::size_t n, std::size_t in, const float* wt, const float* b,
         std::size_t out, float* y) { dense_forward{}(Arch{}, x, n, in, wt, b, out, y); },
      [](const float* x, const float* dy, std::size_t n, std::size_t in, std::size_t out,
         float* dwt, float* db) { dense_grad_weight{}(Arch{}, x, dy, n, in, out, dwt, db); },
      [](const float* dy, std::size_t n, std::size_t out, const float* wt, std::size_t in,
         float* dx) { dense_grad_input{}(Arch{}, dy, n, out, wt, in, dx); },
  };
}

template <arch::Isa I>
DenseKernels dense_table() {
  constexpr const char* isa = arch::name(I);  // a constant: no name() copy built with ISA flags
  return make_dense_table<arch::xsimd_arch<I>>(isa);
}

}  // namespace simdnorm::nn::kernels
