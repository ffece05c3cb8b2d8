// Numerically hard inputs, every ISA, against float64: a channel with mean 1e4 and std 1 (where
// E[x²] − E[x]² in float32 would return noise), the worst case of the moments' sampled shift, a
// constant channel (variance 0), NaN and Inf in
// one channel (they must stay in that channel, as in PyTorch), huge and tiny magnitudes.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "float64_batch_norm.hpp"
#include "isa_scope.hpp"
#include "random_batch.hpp"
#include "simdnorm/simdnorm.hpp"
#include "tolerance.hpp"
#include "tuning_scope.hpp"

namespace simdnorm_test {
namespace {

using simdnorm::NormParams;

constexpr double kU = 0x1p-24;  // float32 unit roundoff

struct Trained {
  std::vector<float> y, mean, invstd, var;
};

Trained train(std::span<const float> x, const Shape& s, const NormParams& p) {
  Trained t{std::vector<float>(s.numel()), std::vector<float>(s.c), std::vector<float>(s.c),
            std::vector<float>(s.c)};
  simdnorm::forward_training(x, s, p, t.y, t.mean, t.invstd, t.var);
  return t;
}

// x[n, c, i] = offset[c] + scale[c]·N(0, 1).
std::vector<float> channels(const Shape& s, const std::vector<double>& offset,
                            const std::vector<double>& scale, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<float> x(s.numel());
  for (std::size_t k = 0; k < x.size(); ++k) {
    const std::size_t c = channel_of(s, k);
    x[k] = float(offset[c] + scale[c] * normal(rng));
  }
  return x;
}

class Numerics : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { simdnorm::set_isa(GetParam()); }

 private:
  IsaScope restore_;
};

// Mean 1e4, std 1 in channel 1 (channels 0 and 2 ordinary). Bounds = float32 accuracy:
//   mean: within one ulp, |Δmean| ≤ 2⁻²³·|mean| (1.2e-3 here; observed ≤ 0.45 ulp);
//   var: relative 2e-6, i.e. ~30 float ulps (observed ≤ 5.3e-7 on every ISA). A float
//     E[x²] − E[x]² is off by ~1e8·2⁻²⁴ ≈ 6 (600 % of the variance); a plain two-pass over float
//     block means by n·δ² ≈ 2.5e-4 (what this test caught before moments.hpp used the corrected
//     two-pass form);
//   y: the mean's rounding moves every y by |Δmean|·invstd·|γ|; plus kRelTol·magnitude.
// The last two shapes are cut into pieces whose moments are merged (core/partition.hpp).
TEST_P(Numerics, LargeMeanSmallStd) {
  for (const Shape& s :
       {Shape::nchw(4, 3, 32, 32), Shape::nhwc(4, 32, 32, 3), Shape::nc(5000, 3),
        Shape::ncl(2, 3, 5000), Shape::nchw(64, 3, 32, 32), Shape::nhwc(64, 32, 32, 3)}) {
    SCOPED_TRACE(to_string(s));
    const std::vector<float> x = channels(s, {0.5, 1e4, -3}, {1, 1, 2}, 21);
    const Moments64 m = moments64(x, s);
    const Trained t = train(x, s, {});
    for (std::size_t c = 0; c < 3; ++c) {
      SCOPED_TRACE("channel " + std::to_string(c));
      EXPECT_NEAR(t.mean[c], m.mean[c], 2 * kU * std::abs(m.mean[c]) + 1e-6);
      EXPECT_NEAR(t.var[c], m.var[c], 2e-6 * m.var[c]);
    }
    std::vector<double> mean_rounding(3);
    for (std::size_t c = 0; c < 3; ++c) mean_rounding[c] = 2 * kU * std::abs(m.mean[c]);
    const Forward64 f =
        forward64(x, s, channel64(m.mean, invstd_from_var(m.var, 1e-5), {}, {}), false);
    std::vector<double> bound(x.size());
    for (std::size_t k = 0; k < x.size(); ++k) {
      const std::size_t c = channel_of(s, k);
      // Expressed as a magnitude for all_close: kRelTol·bound = allowed error.
      bound[k] = mean_rounding[c] / std::sqrt(m.var[c]) / kRelTol + (1 + std::abs(f.y[k]));
    }
    EXPECT_TRUE(all_close("y", t.y, f.y, bound));
  }
}

// The bound the sampled shifts' worst cases below are held to: the mean within a float sum's
// rounding, the variance within 4× LargeMeanSmallStd's bound (relative 8e-6).
void expect_within_sampled_shift_bound(const std::vector<float>& x, const Shape& s) {
  const Moments64 m = moments64(x, s);
  const Trained t = train(x, s, {});
  for (std::size_t c = 0; c < s.c; ++c) {
    SCOPED_TRACE("channel " + std::to_string(c));
    EXPECT_NEAR(t.mean[c], m.mean[c], 2 * kU * std::abs(m.mean[c]) + 1e-6);
    EXPECT_NEAR(t.var[c], m.var[c], 8e-6 * m.var[c]);
  }
}

// Channels-first blocks of short runs are shifted by the mean of each run's first
// max(lanes, S/4) floats, not the block's exact mean (kernels/moments.hpp); a head of
// max(16, S/4), AVX-512's lanes, covers what every ISA samples. Two-valued runs whose sampled head
// sits on one value and the rest on the other are that shift's worst case: (mean − shift)² is
// (1 − f)/f of the variance for a sampled fraction f, the most any data allows. The variance must
// still be within 4× LargeMeanSmallStd's bound (relative 8e-6), at mean 1e4 where an error of
// Σd² shows most.
TEST_P(Numerics, SampledShiftWorstCase) {
  for (const Shape& s :
       {Shape::nchw(8, 3, 7, 7), Shape::nchw(5, 17, 14, 14), Shape::nchw(2, 3, 33, 33)}) {
    SCOPED_TRACE(to_string(s));
    const std::size_t head = std::min<std::size_t>(s.s, std::max<std::size_t>(16, (s.s + 3) / 4));
    std::vector<float> x =
        channels(s, std::vector<double>(s.c, 1e4), std::vector<double>(s.c, 0.01), 31);
    for (std::size_t n = 0; n < s.n; ++n)
      for (std::size_t c = 0; c < s.c; ++c)
        for (std::size_t i = 0; i < s.s; ++i) x[index_of(s, n, c, i)] += i < head ? 1.f : -1.f;
    expect_within_sampled_shift_bound(x, s);
  }
}

// Runs longer than a block are cut into blocks of tuning().block_floats, each shifted by the mean
// of its own first quarter (max(lanes, ⌈len/4⌉) floats): the same worst case, block by block, under
// the smallest tuning (blocks of 256 floats; the last block of a 33×33 run holds 65).
TEST_P(Numerics, SampledShiftWorstCaseLongRuns) {
  const simdnorm_test::TuningScope tuning(simdnorm_test::smallest_tuning());
  const std::size_t block = simdnorm_test::smallest_tuning().block_floats;
  for (const Shape& s : {Shape::nchw(3, 5, 32, 32), Shape::nchw(2, 3, 33, 33)}) {
    SCOPED_TRACE(to_string(s));
    std::vector<float> x =
        channels(s, std::vector<double>(s.c, 1e4), std::vector<double>(s.c, 0.01), 33);
    for (std::size_t n = 0; n < s.n; ++n)
      for (std::size_t c = 0; c < s.c; ++c)
        for (std::size_t i = 0; i < s.s; ++i) {
          const std::size_t len = std::min(block, s.s - i / block * block);
          const std::size_t head = std::max<std::size_t>(16, (len + 3) / 4);
          x[index_of(s, n, c, i)] += i % block < head ? 1.f : -1.f;
        }
    expect_within_sampled_shift_bound(x, s);
  }
}

// Rows of channels (NHWC, NC) take each band's shift from its first quarter of rows or more
// (kernels/moments.hpp: rows): 32-row bands for 4 KiB rows (C = 1024), 256-row bands for C = 64.
// Channels that sit on one value in each band's first quarter and on another in the rest are the
// worst case, held to the same 4× bound as above: in one piece, and in several (core/partition.hpp)
// merged in double (merged from float means they were off by up to 2.8e-5 of the variance).
TEST_P(Numerics, SampledRowShiftWorstCase) {
  const std::pair<Shape, std::size_t> cases[] = {{Shape::nhwc(2, 4, 7, 1024), 32},
                                                 {Shape::nhwc(8, 7, 7, 1024), 32},
                                                 {Shape::nc(1000, 64), 256}};
  for (const auto& [s, band] : cases) {
    SCOPED_TRACE(to_string(s));
    std::vector<float> x =
        channels(s, std::vector<double>(s.c, 1e4), std::vector<double>(s.c, 0.01), 32);
    for (std::size_t n = 0; n < s.n; ++n)
      for (std::size_t c = 0; c < s.c; ++c)
        for (std::size_t i = 0; i < s.s; ++i)
          x[index_of(s, n, c, i)] += (n * s.s + i) % band < band / 4 ? 1.f : -1.f;
    expect_within_sampled_shift_bound(x, s);
  }
}

// A constant channel: var 0 → y = β exactly in float64; in float32 the computed mean can differ
// from the constant by a few ulps, which invstd = 1/sqrt(eps) ≈ 316 magnifies:
// |y − β| ≤ |γ|·316·4·ulp(x). Always finite; the backward is finite too.
TEST_P(Numerics, ConstantChannel) {
  for (const Shape& s : {Shape::nchw(3, 2, 7, 9), Shape::nhwc(3, 7, 9, 2), Shape::nc(1000, 2)}) {
    SCOPED_TRACE(to_string(s));
    std::vector<float> x = channels(s, {1, 0}, {1, 0}, 22);  // channel 1: all 3.1f below
    for (std::size_t k = 0; k < x.size(); ++k)
      if (channel_of(s, k) == 1) x[k] = 3.1f;
    const std::vector<float> w{1.5f, -0.75f}, b{0.25f, 0.7f};
    const Trained t = train(x, s, {w, b, 1e-5f, false});
    const double ulp = std::nextafter(3.1f, 4.f) - 3.1f;
    EXPECT_LE(t.var[1], (4 * ulp) * (4 * ulp));
    const double allowed = 0.75 / std::sqrt(1e-5) * 4 * ulp;
    for (std::size_t k = 0; k < x.size(); ++k) {
      ASSERT_TRUE(std::isfinite(t.y[k])) << "index " << k;
      if (channel_of(s, k) == 1) ASSERT_NEAR(t.y[k], 0.7, allowed) << "index " << k;
    }
    std::vector<float> dx(x.size()), dw(2), db(2);
    const std::vector<float> dy = RandomBatch(23).normal(x.size());
    simdnorm::backward_training(dy, x, s, {w, b, 1e-5f, false}, t.mean, t.invstd, {dx, dw, db});
    for (float v : dx) ASSERT_TRUE(std::isfinite(v));
    EXPECT_TRUE(std::isfinite(dw[1]) && std::isfinite(db[1]));
  }
}

// PyTorch (checked with torch 1.13, see tests/fixtures/nonfinite.txt): a NaN or ±Inf in a channel
// makes that channel's y, save_invstd and dγ NaN, and its dx NaN; dβ = Σdy stays finite; the
// other channels are unaffected. Checked for each position of the bad value in the channel, so
// every block/lane/tail position of the kernels sees it.
TEST_P(Numerics, NonFiniteStaysInItsChannel) {
  const float nan = std::numeric_limits<float>::quiet_NaN(),
              inf = std::numeric_limits<float>::infinity();
  // nc(40, 1024): the reductions' memory-order walk (kernels/lanes.hpp: reduce_in_memory_order);
  // nc(20, 144): the backward sums' one-row walk (kernels/grad_sums.hpp: sums_in_memory_order).
  for (const Shape& s : {Shape::nchw(2, 3, 3, 7), Shape::nhwc(2, 3, 7, 3), Shape::nc(21, 3),
                         Shape::nchw(2, 19, 2, 3), Shape::nhwc(2, 3, 2, 19), Shape::nc(40, 1024),
                         Shape::nc(20, 144)}) {
    for (float bad : {nan, inf, -inf}) {
      const std::vector<float> clean = RandomBatch(24).input(s),
                               dy = RandomBatch(25).normal(s.numel());
      // Reference results of the clean tensor for the unaffected channels.
      const Trained ref = train(clean, s, {});
      for (std::size_t pos = 0; pos < s.per_channel(); pos += 5) {
        const std::size_t bad_channel = 1;
        SCOPED_TRACE(to_string(s) + " value " + std::to_string(bad) + " at position " +
                     std::to_string(pos) + " of channel 1");
        std::vector<float> x = clean;
        x[index_of(s, pos / s.s, bad_channel, pos % s.s)] = bad;
        const Trained t = train(x, s, {});
        EXPECT_TRUE(std::isnan(t.invstd[bad_channel]));
        if (std::isinf(bad)) {
          // PyTorch's batch mean is ±Inf here; a non-finite mean is what matters for y.
          EXPECT_FALSE(std::isfinite(t.mean[bad_channel]));
        } else {
          EXPECT_TRUE(std::isnan(t.mean[bad_channel]));
        }
        std::vector<float> dx(x.size()), dw(s.c), db(s.c);
        simdnorm::backward_training(dy, x, s, {}, t.mean, t.invstd, {dx, dw, db});
        EXPECT_TRUE(std::isnan(dw[bad_channel]));
        EXPECT_TRUE(std::isfinite(db[bad_channel]));
        for (std::size_t k = 0; k < x.size(); ++k) {
          const std::size_t c = channel_of(s, k);
          if (c == bad_channel) {
            ASSERT_TRUE(std::isnan(t.y[k])) << "y index " << k;
            ASSERT_TRUE(std::isnan(dx[k])) << "dx index " << k;
          } else {
            ASSERT_EQ(t.y[k], ref.y[k]) << "y index " << k << " (other channel changed)";
            ASSERT_TRUE(std::isfinite(dx[k])) << "dx index " << k;
          }
        }
        for (std::size_t c = 0; c < s.c; ++c)
          if (c != bad_channel) ASSERT_EQ(t.mean[c], ref.mean[c]);
      }
    }
  }
}

// PyTorch keeps the +Inf channel's batch mean at +Inf (running_mean Infinity in
// tests/fixtures/nonfinite.txt), wherever the Inf sits; checked with the Inf first in the channel,
// followed by finite blocks, which a careless block merge turns into Inf − Inf = NaN.
TEST_P(Numerics, InfinityMeanIsInfinite) {
  for (const Shape& s : {Shape::ncl(3, 2, 2100), Shape::nc(3000, 2), Shape::nlc(3, 1000, 2)}) {
    SCOPED_TRACE(to_string(s));
    std::vector<float> x = RandomBatch(26).input(s);
    x[index_of(s, 0, 0, 0)] = std::numeric_limits<float>::infinity();
    std::vector<float> mean(2), var(2);
    simdnorm::batch_moments(x, s, mean, var);
    EXPECT_EQ(mean[0], std::numeric_limits<float>::infinity());
    EXPECT_TRUE(std::isnan(var[0]));
    EXPECT_TRUE(std::isfinite(mean[1]) && std::isfinite(var[1]));
  }
}

// +Inf in a block's sampled head and a NaN or −Inf after it in the same block: the mean is NaN, as
// PyTorch's sum is, in runs longer than a block (blocks of 256 floats under the smallest tuning)
// and shorter ones; a shift taken as the head's +Inf would keep it +Inf.
TEST_P(Numerics, InfinityThenNanOrMinusInfinityIsNan) {
  const float inf = std::numeric_limits<float>::infinity();
  const simdnorm_test::TuningScope tuning(simdnorm_test::smallest_tuning());
  for (const Shape& s : {Shape::ncl(3, 2, 1000), Shape::ncl(3, 2, 100)})
    for (const float later : {std::numeric_limits<float>::quiet_NaN(), -inf}) {
      SCOPED_TRACE(to_string(s) + " then " + std::to_string(later));
      std::vector<float> x = RandomBatch(28).input(s);
      x[index_of(s, 1, 0, 0)] = inf;
      x[index_of(s, 1, 0, 80)] = later;
      std::vector<float> mean(2), var(2);
      simdnorm::batch_moments(x, s, mean, var);
      EXPECT_TRUE(std::isnan(mean[0])) << mean[0];
      EXPECT_TRUE(std::isnan(var[0])) << var[0];
      EXPECT_TRUE(std::isfinite(mean[1]) && std::isfinite(var[1]));
    }
}

// Eval mode: the statistics are constants, so a NaN only poisons its own element.
TEST_P(Numerics, NonFiniteInEvalStaysInItsElement) {
  const Shape s = Shape::nhwc(2, 3, 3, 5);
  std::vector<float> x = RandomBatch(27).input(s);
  x[7] = std::numeric_limits<float>::quiet_NaN();
  x[11] = std::numeric_limits<float>::infinity();
  const std::vector<float> rm(5, 0.5f), rv(5, 2.f), w{1, -1, 2, 0.5f, 1}, b(5, 0.1f);
  for (bool relu : {false, true}) {
    std::vector<float> y(x.size());
    simdnorm::forward_inference(x, s, {w, b, 1e-5f, relu}, rm, rv, y);
    for (std::size_t k = 0; k < x.size(); ++k) {
      if (k == 7) {
        EXPECT_TRUE(std::isnan(y[k])) << "relu keeps NaN, as torch.relu";
      } else if (k == 11) {
        // channel 1 has γ = −1: −Inf, which ReLU clamps to 0
        EXPECT_EQ(y[k], relu ? 0.f : -std::numeric_limits<float>::infinity());
      } else {
        EXPECT_TRUE(std::isfinite(y[k])) << k;
      }
    }
  }
}

// Huge (1e18 ± 1e17: variance 1e34, near float's 3.4e38 limit) and tiny (1e-20 ± 1e-21:
// variance 1e-42, subnormal, ≪ eps) channels: no overflow or underflow to garbage. Huge: y = x̂ to
// kRelTol. Tiny: var + eps = eps, so y ≈ (x − mean)/sqrt(eps), still ≈ 1e-19·316; compared
// with the float64 truth relative to |x|·invstd.
TEST_P(Numerics, HugeAndTinyMagnitudes) {
  for (const Shape& s : {Shape::nchw(2, 2, 5, 5), Shape::nhwc(2, 5, 5, 2), Shape::nc(50, 2)}) {
    SCOPED_TRACE(to_string(s));
    const std::vector<float> x = channels(s, {1e18, 1e-20}, {1e17, 1e-21}, 28);
    const Moments64 m = moments64(x, s);
    const Trained t = train(x, s, {});
    EXPECT_NEAR(t.var[0], m.var[0], kRelTol * m.var[0]);
    EXPECT_TRUE(std::isfinite(t.var[0]));
    const Forward64 f =
        forward64(x, s, channel64(m.mean, invstd_from_var(m.var, 1e-5), {}, {}), false, m.mean_abs);
    EXPECT_TRUE(all_close("y", t.y, f.y, f.magnitude));
  }
}

INSTANTIATE_TEST_SUITE_P(Isa, Numerics, ::testing::ValuesIn(all_isas()),
                         isa_test_name<::testing::TestParamInfo<std::string>>);

}  // namespace
}  // namespace simdnorm_test
