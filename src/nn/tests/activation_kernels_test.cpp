// Every sigmoid table this CPU runs (and the scalar one) against float64: the forward over a
// sweep of the whole float range (every 4099th bit pattern, both signs, subnormals, ±0, ±∞, NaN,
// the saturation edges), lengths around the vector widths, unaligned, in place, and nothing
// written past the end; the backward against dy·y·(1 − y) in float64.

#include "nn/activation_kernels.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "nn/random.hpp"
#include "simdnorm/isa.hpp"

namespace simdnorm::nn::kernels {
namespace {

std::vector<std::string_view> isas_with_scalar() {
  std::vector<std::string_view> isas(available_isas().begin(), available_isas().end());
  if (std::find(isas.begin(), isas.end(), "scalar") == isas.end()) isas.push_back("scalar");
  return isas;
}

// Every 4099th bit pattern (odd, so every exponent and both signs are hit with varied mantissas)
// plus the values where the kernels change regime.
std::vector<float> sweep() {
  constexpr float inf = std::numeric_limits<float>::infinity();
  std::vector<float> v = {0.f,
                          -0.f,
                          inf,
                          -inf,
                          std::numeric_limits<float>::quiet_NaN(),
                          1e-45f,
                          -1e-45f,
                          1.17549435e-38f,
                          -1.17549435e-38f,
                          87.33f,
                          -87.33f,
                          87.34f,
                          -87.34f,
                          88.72f,
                          -88.72f,
                          88.73f,
                          -88.73f,
                          103.9f,
                          -103.9f,
                          104.f,
                          -104.f,
                          16.64f,
                          -16.64f,
                          0.34657f,
                          -0.34657f,
                          1e30f,
                          -1e30f,
                          std::numeric_limits<float>::max(),
                          -std::numeric_limits<float>::max()};
  for (std::uint64_t bits = 0; bits < (std::uint64_t(1) << 32); bits += 4099)
    v.push_back(std::bit_cast<float>(std::uint32_t(bits)));
  return v;
}

double sigmoid64(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

// The SIMD path: e^−|x| within ~2 ulp, then 1 + e and the quotient (one rounding each), ≤ 4 ulp
// in all; measured 1.72e-7 relative on every ISA over this sweep, libm's expf 1.17e-7. Results
// below FLT_MIN (x < ln FLT_MIN ≈ −87.34) are 0, as torch.sigmoid's (e^−x overflows to ∞ there),
// where float64 gives a subnormal: hence the absolute floor of FLT_MIN.
constexpr double kRelative = 4.8e-7;  // 8·2^−24: 4 ulp of a result in [2^k, 2^(k+1))
constexpr double kAbsolute = 1.17549435e-38;

TEST(ActivationKernels, SigmoidForwardMatchesFloat64OverTheFloatRange) {
  const std::vector<float> x = sweep();
  for (const std::string_view isa : isas_with_scalar()) {
    const ActivationKernels* k = activation_kernels_for(isa);
    ASSERT_NE(k, nullptr) << "no activation kernels for available isa " << isa;
    EXPECT_EQ(std::string_view(k->isa), isa);
    std::vector<float> y(x.size());
    k->sigmoid_forward(x.size(), x.data(), y.data());
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (std::isnan(x[i])) {
        EXPECT_TRUE(std::isnan(y[i])) << isa << ": sigmoid(NaN) = " << y[i];
        continue;
      }
      const double want = sigmoid64(x[i]);
      const double err = std::abs(y[i] - want);
      ASSERT_LE(err, kRelative * want + kAbsolute)
          << isa << ": sigmoid(" << x[i] << ") = " << y[i] << ", float64 " << want;
    }
    EXPECT_EQ(y[2], 1.f) << isa << ": sigmoid(+inf)";
    EXPECT_EQ(y[3], 0.f) << isa << ": sigmoid(-inf)";
    EXPECT_EQ(y[0], 0.5f) << isa;
    EXPECT_EQ(y[1], 0.5f) << isa;
  }
}

TEST(ActivationKernels, SigmoidTailsUnalignedInPlaceAndNothingPastTheEnd) {
  for (const std::string_view isa : isas_with_scalar()) {
    const ActivationKernels* k = activation_kernels_for(isa);
    ASSERT_NE(k, nullptr) << isa;
    for (std::size_t n : {0u, 1u, 3u, 4u, 5u, 7u, 8u, 9u, 15u, 16u, 17u, 31u, 33u, 100u}) {
      Rng rng(n, 4);
      std::vector<float> x(n + 2), y(n + 2, -7.f);  // data from offset 1: unaligned, guards
      for (float& f : x) f = float(8 * rng.normal());
      std::vector<float> in_place = x;
      k->sigmoid_forward(n, x.data() + 1, y.data() + 1);
      k->sigmoid_forward(n, in_place.data() + 1, in_place.data() + 1);
      for (std::size_t i = 1; i <= n; ++i) {
        const double want = sigmoid64(x[i]);
        EXPECT_NEAR(y[i], want, kRelative * want + kAbsolute) << isa << " " << i << " of " << n;
        EXPECT_EQ(in_place[i], y[i]) << isa << " in place, " << i << " of " << n;
      }
      EXPECT_EQ(y[0], -7.f) << isa;
      EXPECT_EQ(y[n + 1], -7.f) << isa << " wrote past " << n;
      EXPECT_EQ(in_place[n + 1], x[n + 1]) << isa << " wrote past " << n;

      std::vector<float> s(n + 2), dy(n + 2), dx(n + 2, -7.f);
      for (float& f : s) f = float(rng.uniform());
      for (float& f : dy) f = float(rng.normal());
      if (n > 2) dy[2] = std::numeric_limits<float>::quiet_NaN();
      std::vector<float> dy_in_place = dy;
      k->sigmoid_backward(n, s.data() + 1, dy.data() + 1, dx.data() + 1);
      k->sigmoid_backward(n, s.data() + 1, dy_in_place.data() + 1, dy_in_place.data() + 1);
      for (std::size_t i = 1; i <= n; ++i) {
        const double want = double(dy[i]) * s[i] * (1.0 - s[i]);
        if (std::isnan(dy[i])) {
          EXPECT_TRUE(std::isnan(dx[i])) << isa << ": NaN gradient lost";
        } else {
          // Three roundings: the two products and 1 − y (exact for y ≥ 1/2).
          EXPECT_NEAR(dx[i], want, 1.8e-7 * std::abs(want)) << isa << " " << i << " of " << n;
        }
        EXPECT_EQ(std::bit_cast<std::uint32_t>(dy_in_place[i]), std::bit_cast<std::uint32_t>(dx[i]))
            << isa << " in place";
      }
      EXPECT_EQ(dx[0], -7.f) << isa;
      EXPECT_EQ(dx[n + 1], -7.f) << isa << " wrote past " << n;
    }
  }
}

}  // namespace
}  // namespace simdnorm::nn::kernels
