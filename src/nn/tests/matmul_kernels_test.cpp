// Every matmul kernel table this CPU runs against the double-accumulating reference: row counts
// around the 4-row tile, column counts around the vector width and its 2-vector tile (tails),
// k from 0, leading dimensions larger than the rows (sub-blocks), unaligned pointers, overwrite
// and accumulate.

#include "nn/matmul_kernels.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "nn/random.hpp"
#include "simdnorm/isa.hpp"

namespace simdnorm::nn::kernels {
namespace {

std::vector<float> normals(std::size_t n, Rng& rng) {
  std::vector<float> v(n + 1);  // +1: callers start at offset 1 for unaligned pointers
  for (float& f : v) f = float(rng.normal());
  return v;
}

// A float sum of k products of N(0,1) values (plus C when accumulating) has rounding error of at
// most about k·2⁻²⁴·Σ|terms| (Higham's γ_k); Σ|terms| ≈ k for these data, so we allow
// (k + 1)²·6e-8 with a small absolute floor.
double tolerance(std::size_t k) {
  return 1e-6 + double(k + 1) * double(k + 1) * 6e-8;
}

enum class Op { nn, tn, nt };

TEST(MatmulKernels, EveryIsaMatchesReference) {
  const MatmulKernels ref = matmul_table<arch::Isa::scalar>();
  for (std::string_view isa : available_isas()) {
    const MatmulKernels* k = matmul_kernels_for(isa);
    ASSERT_NE(k, nullptr) << "no matmul kernels for available isa " << isa;
    for (const Op op : {Op::nn, Op::tn, Op::nt})
      for (std::size_t m : {1u, 2u, 3u, 4u, 5u, 9u})
        for (std::size_t n : {1u, 3u, 4u, 5u, 8u, 15u, 16u, 17u, 31u, 32u, 33u, 67u})
          for (std::size_t kk : {0u, 1u, 3u, 16u, 17u, 40u, 130u, 261u})
            for (const bool accumulate : {false, true}) {
              Rng rng(m * 1000 + n * 10 + kk, 3);
              // Leading dimensions 2 wider than needed: the kernels must use them, not the width.
              const std::size_t a_rows = op == Op::tn ? kk : m, a_cols = op == Op::tn ? m : kk;
              const std::size_t b_rows = op == Op::nt ? n : kk, b_cols = op == Op::nt ? kk : n;
              const std::size_t lda = a_cols + 2, ldb = b_cols + 2, ldc = n + 2;
              const std::vector<float> a = normals(a_rows * lda, rng),
                                       b = normals(b_rows * ldb, rng), c0 = normals(m * ldc, rng);
              std::vector<float> c = c0, c_ref = c0;
              const auto fn = op == Op::nn ? k->nn : op == Op::tn ? k->tn : k->nt;
              const auto fn_ref = op == Op::nn ? ref.nn : op == Op::tn ? ref.tn : ref.nt;
              fn(m, n, kk, a.data() + 1, lda, b.data() + 1, ldb, c.data() + 1, ldc, accumulate);
              fn_ref(m, n, kk, a.data() + 1, lda, b.data() + 1, ldb, c_ref.data() + 1, ldc,
                     accumulate);
              for (std::size_t i = 0; i < m; ++i)
                for (std::size_t j = 0; j < ldc; ++j) {
                  const std::size_t at = 1 + i * ldc + j;
                  if (at >= c.size()) continue;
                  if (j >= n) {
                    // Padding columns between rows stay untouched.
                    ASSERT_EQ(c[at], c0[at]) << isa << " wrote past column " << n;
                    continue;
                  }
                  ASSERT_NEAR(c[at], c_ref[at], tolerance(kk))
                      << isa << " op " << int(op) << " m=" << m << " n=" << n << " k=" << kk
                      << " accumulate=" << accumulate << " at (" << i << ", " << j << ")";
                }
            }
  }
}

TEST(MatmulKernels, ScalarIsTheReference) {
  const MatmulKernels* k = matmul_kernels_for("scalar");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->nn, matmul_table<arch::Isa::scalar>().nn);
}

}  // namespace
}  // namespace simdnorm::nn::kernels
