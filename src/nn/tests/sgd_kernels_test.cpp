// Every SGD update table this CPU runs (and the scalar one) against torch.optim.SGD's formula in
// float64: every combination of weight decay, momentum, nesterov and first step, lengths around
// the vector widths (tails), unaligned pointers, and nothing written past the end.

#include "nn/optim/sgd_kernels.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "nn/random.hpp"
#include "simdnorm/isa.hpp"

namespace simdnorm::nn::optim {
namespace {

std::vector<float> normals(std::size_t n, Rng& rng) {
  std::vector<float> v(n + 2);  // starts at offset 1 (unaligned), one guard float at the end
  for (float& f : v) f = float(rng.normal());
  return v;
}

TEST(SgdKernels, EveryIsaMatchesTheFormula) {
  std::vector<std::string_view> isas(available_isas().begin(), available_isas().end());
  isas.push_back("scalar");
  for (const std::string_view isa : isas) {
    const SgdKernels* k = sgd_kernels_for(isa);
    ASSERT_NE(k, nullptr) << "no SGD kernels for available isa " << isa;
    for (int options = 0; options < 16; ++options) {
      const bool decay = options & 1, momentum = options & 2, nesterov = options & 4,
                 first = options & 8;
      if (nesterov && !momentum) continue;
      const SgdUpdate u{
          0.05f, decay ? 0.1f : 0.f, momentum ? 0.9f : 0.f, 0.75f, decay, momentum, nesterov,
          first};
      for (std::size_t n : {0u, 1u, 3u, 4u, 5u, 7u, 8u, 9u, 15u, 16u, 17u, 31u, 33u, 100u}) {
        Rng rng(n * 100 + std::size_t(options), 4);
        const std::vector<float> v0 = normals(n, rng), grad = normals(n, rng), b0 = normals(n, rng);
        std::vector<float> v = v0, b = b0;
        k->update(u, n, v.data() + 1, grad.data() + 1, momentum ? b.data() + 1 : nullptr);
        for (std::size_t i = 1; i <= n; ++i) {
          double g = grad[i];
          if (decay) g += double(u.weight_decay) * v0[i];
          if (momentum) {
            const double m = first ? g : double(u.momentum) * b0[i] + double(u.keep) * g;
            EXPECT_NEAR(b[i], m, 4e-7 * (std::abs(m) + 1)) << isa << " buffer, options " << options;
            g = nesterov ? g + double(u.momentum) * m : m;
          }
          const double want = v0[i] - double(u.lr) * g;
          EXPECT_NEAR(v[i], want, 4e-7 * (std::abs(want) + 1))
              << isa << " value " << i << " of " << n << ", options " << options;
        }
        EXPECT_EQ(v[0], v0[0]) << isa;
        EXPECT_EQ(v[n + 1], v0[n + 1]) << isa << " wrote past " << n;
        EXPECT_EQ(b[n + 1], b0[n + 1]) << isa << " wrote past " << n;
      }
    }
  }
}

}  // namespace
}  // namespace simdnorm::nn::optim
