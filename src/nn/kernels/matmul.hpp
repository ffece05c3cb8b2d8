#pragma once
// Arch-templated matrix products (xsimd). nn and tn read B in place: the engine's matrices are
// small enough (a CNN's im2col block for one sample, a layer's weights) that B's rows stay in
// L1/L2 while a tile of C is computed.
//   nn, tn: C is computed in tiles of 4 rows × 2 vectors (8 independent FMA chains hide the FMA
//           latency; each step loads 2 vectors of a row of B and broadcasts 4 elements of A —
//           A's row/column stride is a parameter, so Aᵀ costs nothing extra).
//   nt:     B's rows are transposed, a panel at a time (4×4 blocks in registers), into a stack
//           buffer, then as `nn`.
// Row and column tails are handled in the same functions by narrower tiles and partial loads.
// Included only by the files in src/nn/arch.

#include <algorithm>
#include <cstddef>
#include <xsimd/xsimd.hpp>

#include "arch/xsimd_arch.hpp"
#include "kernels/lanes.hpp"  // core's Arch-templated partial loads/stores
#include "nn/matmul_kernels.hpp"

namespace simdnorm::nn::kernels {

using simdnorm::kernels::batch;
using simdnorm::kernels::load_lanes;
using simdnorm::kernels::store_lanes;

namespace matmul_detail {

// C[MR rows × V vectors (cols ≤ V·lanes)] (+)= Σ_p A(r, p)·B[p, :], A(r, p) = a[r·a_row + p·a_col].
template <std::size_t MR, std::size_t V, bool Partial, class Arch>
void broadcast_tile(std::size_t k, const float* a, std::size_t a_row, std::size_t a_col,
                    const float* b, std::size_t ldb, float* c, std::size_t ldc, std::size_t cols,
                    bool accumulate) {
  constexpr std::size_t L = batch<Arch>::size;
  batch<Arch> acc[MR][V];
  for (std::size_t r = 0; r < MR; ++r)
    for (std::size_t v = 0; v < V; ++v)
      acc[r][v] = accumulate ? load_lanes<Partial, Arch>(c + r * ldc + v * L, cols - v * L, 0.f)
                             : batch<Arch>(0.f);
  for (std::size_t p = 0; p < k; ++p) {
    batch<Arch> bv[V];
    for (std::size_t v = 0; v < V; ++v)
      bv[v] = load_lanes<Partial, Arch>(b + p * ldb + v * L, cols - v * L, 0.f);
    for (std::size_t r = 0; r < MR; ++r) {
      const batch<Arch> av(a[r * a_row + p * a_col]);
      for (std::size_t v = 0; v < V; ++v) acc[r][v] = xsimd::fma(av, bv[v], acc[r][v]);
    }
  }
  for (std::size_t r = 0; r < MR; ++r)
    for (std::size_t v = 0; v < V; ++v)
      store_lanes<Partial, Arch>(acc[r][v], c + r * ldc + v * L, cols - v * L);
}

template <std::size_t MR, class Arch>
void broadcast_rows(std::size_t n, std::size_t k, const float* a, std::size_t a_row,
                    std::size_t a_col, const float* b, std::size_t ldb, float* c, std::size_t ldc,
                    bool accumulate) {
  constexpr std::size_t L = batch<Arch>::size;
  std::size_t j = 0;
  for (; j + 2 * L <= n; j += 2 * L)
    broadcast_tile<MR, 2, false, Arch>(k, a, a_row, a_col, b + j, ldb, c + j, ldc, 2 * L,
                                       accumulate);
  for (; j + L <= n; j += L)
    broadcast_tile<MR, 1, false, Arch>(k, a, a_row, a_col, b + j, ldb, c + j, ldc, L, accumulate);
  if (j < n)
    broadcast_tile<MR, 1, true, Arch>(k, a, a_row, a_col, b + j, ldb, c + j, ldc, n - j,
                                      accumulate);
}

template <class Arch>
void broadcast_product(std::size_t m, std::size_t n, std::size_t k, const float* a,
                       std::size_t a_row, std::size_t a_col, const float* b, std::size_t ldb,
                       float* c, std::size_t ldc, bool accumulate) {
  std::size_t i = 0;
  for (; i + 4 <= m; i += 4)
    broadcast_rows<4, Arch>(n, k, a + i * a_row, a_row, a_col, b, ldb, c + i * ldc, ldc,
                            accumulate);
  for (; i < m; ++i)
    broadcast_rows<1, Arch>(n, k, a + i * a_row, a_row, a_col, b, ldb, c + i * ldc, ldc,
                            accumulate);
}

// panel[p·ldp + r] = rows[r·ld + p] for r < nr, p < kb. Element by element this is a load and a
// store per float, a third of the MLP's Linear forward natively (each B element then serves only
// m = 60 multiply-adds); 4×4 blocks move through registers with two rounds of unpacks instead.
// xsimd 8.1 has no transpose and its zips stay within 128-bit lanes on AVX, so the blocks are
// SSE registers in every x86 file (VEX/EVEX-encoded there) and in wasm (Emscripten's SSE
// intrinsics are SIMD128 shuffles); other architectures copy element by element.
template <class Arch>
void transpose_into_panel(const float* rows, std::size_t ld, std::size_t nr, std::size_t kb,
                          float* panel, std::size_t ldp) {
  std::size_t r = 0;
#if defined(__SSE2__)
  for (; r + 4 <= nr; r += 4) {
    const float* row = rows + r * ld;
    std::size_t p = 0;
    for (; p + 4 <= kb; p += 4) {
      __m128 r0 = _mm_loadu_ps(row + p), r1 = _mm_loadu_ps(row + ld + p),
             r2 = _mm_loadu_ps(row + 2 * ld + p), r3 = _mm_loadu_ps(row + 3 * ld + p);
      _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
      float* out = panel + p * ldp + r;
      _mm_storeu_ps(out, r0);
      _mm_storeu_ps(out + ldp, r1);
      _mm_storeu_ps(out + 2 * ldp, r2);
      _mm_storeu_ps(out + 3 * ldp, r3);
    }
    for (; p < kb; ++p)
      for (std::size_t q = 0; q < 4; ++q) panel[p * ldp + r + q] = row[q * ld + p];
  }
#endif
  for (; r < nr; ++r)
    for (std::size_t p = 0; p < kb; ++p) panel[p * ldp + r] = rows[r * ld + p];
}

// C (+)= A·Bᵀ: B's rows are copied, one panel of 2 vectors' width and up to KC of k at a time,
// transposed into a stack buffer that the broadcast tiles read like B of `nn`. Forming each C
// element as a dot product instead loads 6 vectors per 8 FMAs and ends in a horizontal sum per
// element, which on the engine's short rows (k = 100 in an MLP) costs as much as the products
// (measured: 2.5× slower per flop than `nn` on the BN MLP). A panel is KC·2·lanes floats (16 KiB
// with AVX-512): it stays in L1 while all m rows of A stream past it.
template <class Arch>
void packed_nt(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
               const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) {
  constexpr std::size_t NR = 2 * batch<Arch>::size, KC = 128;
  alignas(64) float panel[KC * NR];
  for (std::size_t j = 0; j < n; j += NR) {
    const std::size_t nb = std::min(NR, n - j);
    std::size_t p0 = 0;
    do {  // at least once: k = 0 still writes (or keeps, accumulating) C
      const std::size_t kb = std::min(KC, k - p0);
      transpose_into_panel<Arch>(b + j * ldb + p0, ldb, nb, kb, panel, NR);
      broadcast_product<Arch>(m, nb, kb, a + p0, lda, 1, panel, NR, c + j, ldc,
                              accumulate || p0 > 0);
      p0 += kb;
    } while (p0 < k);
  }
}

}  // namespace matmul_detail

struct matmul_nn {
  template <class Arch>
  void operator()(Arch, std::size_t m, std::size_t n, std::size_t k, const float* a,
                  std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
                  bool accumulate) const {
    matmul_detail::broadcast_product<Arch>(m, n, k, a, lda, 1, b, ldb, c, ldc, accumulate);
  }
};

struct matmul_tn {
  template <class Arch>
  void operator()(Arch, std::size_t m, std::size_t n, std::size_t k, const float* a,
                  std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
                  bool accumulate) const {
    matmul_detail::broadcast_product<Arch>(m, n, k, a, 1, lda, b, ldb, c, ldc, accumulate);
  }
};

struct matmul_nt {
  template <class Arch>
  void operator()(Arch, std::size_t m, std::size_t n, std::size_t k, const float* a,
                  std::size_t lda, const float* b, std::size_t ldb, float* c, std::size_t ldc,
                  bool accumulate) const {
    matmul_detail::packed_nt<Arch>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
  }
};

template <class Arch>
MatmulKernels make_matmul_table(const char* isa) {
  return {
      isa,
      [](std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
         const float* b, std::size_t ldb, float* c, std::size_t ldc,
         bool accumulate) { matmul_nn{}(Arch{}, m, n, k, a, lda, b, ldb, c, ldc, accumulate); },
      [](std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
         const float* b, std::size_t ldb, float* c, std::size_t ldc,
         bool accumulate) { matmul_tn{}(Arch{}, m, n, k, a, lda, b, ldb, c, ldc, accumulate); },
      [](std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
         const float* b, std::size_t ldb, float* c, std::size_t ldc,
         bool accumulate) { matmul_nt{}(Arch{}, m, n, k, a, lda, b, ldb, c, ldc, accumulate); },
  };
}

template <arch::Isa I>
MatmulKernels matmul_table() {
  constexpr const char* isa = arch::name(I);  // a constant: no name() copy built with ISA flags
  return make_matmul_table<arch::xsimd_arch<I>>(isa);
}

}  // namespace simdnorm::nn::kernels
