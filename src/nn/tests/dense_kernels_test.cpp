// Every dense kernel table this CPU runs against the double-accumulating reference, with widths
// around the vector width (tails), unaligned pointers and 1-row batches.

#include "nn/dense_kernels.hpp"

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

// Σ|terms| of a float dot product of `len` N(0,1)-sized terms bounds its rounding error by
// len·2⁻²⁴·Σ|terms| (Higham's γ_n); we allow that with Σ|terms| estimated by len.
double tolerance(std::size_t len) {
  return 1e-6 + double(len) * double(len) * 6e-8;
}

TEST(DenseKernels, EveryIsaMatchesReference) {
  const DenseKernels ref = dense_table<arch::Isa::scalar>();
  for (std::string_view isa : available_isas()) {
    const DenseKernels* k = dense_kernels_for(isa);
    ASSERT_NE(k, nullptr) << "no dense kernels for available isa " << isa;
    for (std::size_t out : {1u, 3u, 4u, 5u, 7u, 8u, 9u, 15u, 16u, 17u, 31u, 33u, 64u, 67u, 131u})
      for (std::size_t in : {1u, 2u, 5u, 16u, 33u})
        for (std::size_t n : {1u, 2u, 7u}) {
          Rng rng(out * 131 + in * 7 + n, 1);
          const std::vector<float> x = normals(n * in, rng), wt = normals(in * out, rng),
                                   b = normals(out, rng), dy = normals(n * out, rng);
          std::vector<float> y(n * out), y_ref(n * out), dwt(in * out), dwt_ref(in * out), db(out),
              db_ref(out), dx(n * in), dx_ref(n * in);
          // +1: misaligned inputs (the kernels use unaligned loads).
          k->forward(x.data() + 1, n, in, wt.data() + 1, b.data() + 1, out, y.data());
          ref.forward(x.data() + 1, n, in, wt.data() + 1, b.data() + 1, out, y_ref.data());
          k->grad_weight(x.data() + 1, dy.data() + 1, n, in, out, dwt.data(), db.data());
          ref.grad_weight(x.data() + 1, dy.data() + 1, n, in, out, dwt_ref.data(), db_ref.data());
          k->grad_input(dy.data() + 1, n, out, wt.data() + 1, in, dx.data());
          ref.grad_input(dy.data() + 1, n, out, wt.data() + 1, in, dx_ref.data());
          const auto expect = [&](const std::vector<float>& got, const std::vector<float>& want,
                                  std::size_t len, const char* what) {
            for (std::size_t i = 0; i < got.size(); ++i)
              ASSERT_NEAR(got[i], want[i], tolerance(len))
                  << "isa " << isa << ", " << what << " n=" << n << " in=" << in << " out=" << out
                  << " index " << i;
          };
          expect(y, y_ref, in + 1, "forward");
          expect(dwt, dwt_ref, n, "grad_weight dWt");
          expect(db, db_ref, n, "grad_weight db");
          expect(dx, dx_ref, out, "grad_input");
        }
  }
}

TEST(DenseKernels, FollowTheCoreIsa) {
  for (std::string_view isa : available_isas()) {
    set_isa(isa);
    EXPECT_EQ(std::string_view(active_dense_kernels().isa), isa);
  }
  set_isa(available_isas().front());
}

}  // namespace
}  // namespace simdnorm::nn::kernels
