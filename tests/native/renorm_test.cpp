// Batch renormalization (BatchNorm with Options::renorm) against a float64 reference written
// here: the forward with r and d from the moving μ and σ, the moving-statistics updates, the
// backward against central finite differences of L = Σ w·y with r and d held constant, the
// r = 1, d = 0 case bit-identical to plain BN, ghost batches + renorm as chunked calls, and the
// warm-up schedule. Every ISA, both layouts.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "float64_batch_norm.hpp"
#include "isa_scope.hpp"
#include "random_batch.hpp"
#include "simdnorm/simdnorm.hpp"
#include "tolerance.hpp"

namespace simdnorm_test {
namespace {

using simdnorm::BatchNorm;
using simdnorm::Options;
using simdnorm::Renorm;

// Values here are O(1–10) from ≤ 60 values per channel: float32 sides stay within ~1e-6 of the
// float64 truth; 2e-5·(1 + |expected|) leaves margin and is far below any formula error. Finite
// differences with h = 1e-3 in double add ~1e-7 (truncation), the float r, d ~1e-7.
constexpr double kTol = 2e-5;
constexpr double kGradTol = 5e-5;

::testing::AssertionResult close(std::string_view what, std::span<const float> actual,
                                 const std::vector<double>& expected, double tol = kTol) {
  std::vector<double> m(expected.size());
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = 1.0 + std::abs(expected[i]);
  return all_close(what, actual, expected, m, tol);
}

const Shape kShapes[] = {Shape::nchw(5, 6, 3, 4), Shape::nhwc(5, 3, 4, 19), Shape::nc(12, 17)};

struct Problem {
  Shape shape;
  std::vector<float> x, w, gamma, beta;
  std::vector<double> moving_mean, moving_std;  // before the forward
  double eps = 1e-5, rmax = 1.4, dmax = 0.3;
};

Problem make_problem(const Shape& s, unsigned seed) {
  RandomBatch rng(seed);
  Problem p{s,
            rng.input(s),
            rng.normal(s.numel()),
            rng.weight(s.c),
            rng.uniform_vector(s.c, -0.5, 0.5),
            {},
            {}};
  // Moving statistics near and far from the batch's, so some channels clip r or d and some don't.
  for (std::size_t c = 0; c < s.c; ++c) {
    p.moving_mean.push_back(rng.uniform(-2.5, 2.5));
    p.moving_std.push_back(rng.uniform(0.4, 2.5));
  }
  return p;
}

struct Renormed {
  std::vector<double> y, r, d, mean, sigma;
};

// y = ((x − μ_B)/σ_B · r + d)·γ + β in double; with fixed_rd, r and d are the given constants.
Renormed renorm64(const Problem& p, const std::vector<double>& x, const std::vector<double>& gamma,
                  const std::vector<double>& beta, const Renormed* fixed_rd = nullptr) {
  const Shape& s = p.shape;
  Renormed out{std::vector<double>(x.size()), {}, {}, {}, {}};
  const double count = double(s.per_channel());
  for (std::size_t c = 0; c < s.c; ++c) {
    double sum = 0, sq = 0;
    for (std::size_t n = 0; n < s.n; ++n)
      for (std::size_t i = 0; i < s.s; ++i) sum += x[index_of(s, n, c, i)];
    const double mean = sum / count;
    for (std::size_t n = 0; n < s.n; ++n)
      for (std::size_t i = 0; i < s.s; ++i) sq += std::pow(x[index_of(s, n, c, i)] - mean, 2);
    const double sigma = std::sqrt(sq / count + p.eps);
    const double r =
        fixed_rd ? fixed_rd->r[c] : std::clamp(sigma / p.moving_std[c], 1 / p.rmax, p.rmax);
    const double d = fixed_rd
                         ? fixed_rd->d[c]
                         : std::clamp((mean - p.moving_mean[c]) / p.moving_std[c], -p.dmax, p.dmax);
    out.r.push_back(r);
    out.d.push_back(d);
    out.mean.push_back(mean);
    out.sigma.push_back(sigma);
    for (std::size_t n = 0; n < s.n; ++n)
      for (std::size_t i = 0; i < s.s; ++i) {
        const std::size_t k = index_of(s, n, c, i);
        out.y[k] = ((x[k] - mean) / sigma * r + d) * gamma[c] + beta[c];
      }
  }
  return out;
}

BatchNorm make_module(const Problem& p, float momentum) {
  BatchNorm bn(p.shape.c, Options{.eps = float(p.eps),
                                  .renorm = Renorm{float(p.rmax), float(p.dmax), momentum}});
  std::copy(p.gamma.begin(), p.gamma.end(), bn.weight().begin());
  std::copy(p.beta.begin(), p.beta.end(), bn.bias().begin());
  for (std::size_t c = 0; c < p.shape.c; ++c) {
    bn.renorm_mean()[c] = float(p.moving_mean[c]);
    bn.renorm_std()[c] = float(p.moving_std[c]);
  }
  return bn;
}

std::vector<double> doubles(std::span<const float> v) {
  return {v.begin(), v.end()};
}

class RenormTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { simdnorm::set_isa(GetParam()); }
  IsaScope restore_;
};

TEST_P(RenormTest, ForwardAndMovingStatisticsMatchFloat64) {
  for (const Shape& s : kShapes) {
    SCOPED_TRACE(simdnorm::to_string(s));
    Problem p = make_problem(s, 7);
    // Ensure the reference moving statistics are exactly what the module starts from.
    for (std::size_t c = 0; c < s.c; ++c) {
      p.moving_mean[c] = float(p.moving_mean[c]);
      p.moving_std[c] = float(p.moving_std[c]);
    }
    const float momentum = 0.2f;
    BatchNorm bn = make_module(p, momentum);
    const Renormed ref = renorm64(p, doubles(p.x), doubles(p.gamma), doubles(p.beta));
    std::size_t clipped_r = 0, clipped_d = 0;
    for (std::size_t c = 0; c < s.c; ++c) {
      clipped_r += std::abs(ref.r[c]) == p.rmax || std::abs(ref.r[c]) == 1 / p.rmax;
      clipped_d += std::abs(ref.d[c]) == p.dmax;
    }
    ASSERT_GT(clipped_r, 0u);
    ASSERT_LT(clipped_r, s.c);
    ASSERT_GT(clipped_d, 0u);
    ASSERT_LT(clipped_d, s.c);

    std::vector<float> y(s.numel());
    bn.forward(p.x, s, y);
    EXPECT_TRUE(close("y", y, ref.y));
    std::vector<double> mean(s.c), stdev(s.c);
    for (std::size_t c = 0; c < s.c; ++c) {
      mean[c] = p.moving_mean[c] + momentum * (ref.mean[c] - p.moving_mean[c]);
      stdev[c] = p.moving_std[c] + momentum * (ref.sigma[c] - p.moving_std[c]);
    }
    EXPECT_TRUE(close("renorm_mean", bn.renorm_mean(), mean));
    EXPECT_TRUE(close("renorm_std", bn.renorm_std(), stdev));

    // Eval mode: the running (PyTorch) statistics, not renorm's, and no r or d.
    bn.eval();
    const Moments64 m = moments64(p.x, s);
    std::vector<double> expected(s.numel());
    const double unbias = double(s.per_channel()) / double(s.per_channel() - 1);
    for (std::size_t k = 0; k < expected.size(); ++k) {
      const std::size_t c = channel_of(s, k);
      const double rm = 0.1 * m.mean[c], rv = 0.9 + 0.1 * m.var[c] * unbias;
      expected[k] = (p.x[k] - rm) / std::sqrt(rv + p.eps) * p.gamma[c] + p.beta[c];
    }
    bn.forward(p.x, s, y);
    EXPECT_TRUE(close("eval y", y, expected));
  }
}

// L = Σ w·y with r, d fixed at the forward's values (they are constants in backward).
TEST_P(RenormTest, BackwardMatchesFiniteDifferencesWithRAndDConstant) {
  constexpr double h = 1e-3;
  for (const Shape& s : kShapes) {
    SCOPED_TRACE(simdnorm::to_string(s));
    const Problem p = make_problem(s, 11);
    BatchNorm bn = make_module(p, 0.1f);
    std::vector<float> y(s.numel()), dx(s.numel());
    bn.forward(p.x, s, y);
    bn.backward(p.w, dx);
    // r and d as the module computed them from its float moving statistics.
    Problem q = p;
    for (std::size_t c = 0; c < s.c; ++c) {
      q.moving_mean[c] = float(p.moving_mean[c]);
      q.moving_std[c] = float(p.moving_std[c]);
    }
    std::vector<double> x = doubles(p.x), gamma = doubles(p.gamma), beta = doubles(p.beta);
    const Renormed rd = renorm64(q, x, gamma, beta);
    const auto loss = [&] {
      const Renormed out = renorm64(q, x, gamma, beta, &rd);
      double l = 0;
      for (std::size_t k = 0; k < out.y.size(); ++k) l += p.w[k] * out.y[k];
      return l;
    };
    const auto central = [&](double& v) {
      const double v0 = v;
      v = v0 + h;
      const double up = loss();
      v = v0 - h;
      const double down = loss();
      v = v0;
      return (up - down) / (2 * h);
    };
    std::vector<double> fdx(x.size()), fdg(s.c), fdb(s.c);
    for (std::size_t k = 0; k < x.size(); ++k) fdx[k] = central(x[k]);
    for (std::size_t c = 0; c < s.c; ++c) {
      fdg[c] = central(gamma[c]);
      fdb[c] = central(beta[c]);
    }
    EXPECT_TRUE(close("dx", dx, fdx, kGradTol));
    EXPECT_TRUE(close("dweight", bn.weight_grad(), fdg, kGradTol));
    EXPECT_TRUE(close("dbias", bn.bias_grad(), fdb, kGradTol));
  }
}

// rmax = 1, dmax = 0 force r = 1, d = 0: γ·1 and β + γ·0 are exact, so every output is the
// plain module's bit for bit, over several steps.
TEST_P(RenormTest, NoCorrectionIsPlainBatchNormBitForBit) {
  for (const Shape& s : kShapes) {
    SCOPED_TRACE(simdnorm::to_string(s));
    RandomBatch rng(3);
    BatchNorm plain(s.c), renorm(s.c, Options{.renorm = Renorm{1.f, 0.f, 0.3f}});
    const std::vector<float> gamma = rng.weight(s.c), beta = rng.uniform_vector(s.c, -1, 1);
    for (BatchNorm* bn : {&plain, &renorm}) {
      std::copy(gamma.begin(), gamma.end(), bn->weight().begin());
      std::copy(beta.begin(), beta.end(), bn->bias().begin());
    }
    for (int step = 0; step < 3; ++step) {
      const std::vector<float> x = rng.input(s), dy = rng.normal(s.numel());
      std::vector<float> y1(s.numel()), y2(s.numel()), dx1(s.numel()), dx2(s.numel());
      plain.forward(x, s, y1);
      renorm.forward(x, s, y2);
      plain.backward(dy, dx1);
      renorm.backward(dy, dx2);
      const auto same = [](std::span<const float> a, std::span<const float> b) {
        return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size_bytes()) == 0;
      };
      EXPECT_TRUE(same(y1, y2));
      EXPECT_TRUE(same(dx1, dx2));
      EXPECT_TRUE(same(plain.weight_grad(), renorm.weight_grad()));
      EXPECT_TRUE(same(plain.bias_grad(), renorm.bias_grad()));
      EXPECT_TRUE(same(plain.running_mean(), renorm.running_mean()));
      EXPECT_TRUE(same(plain.running_var(), renorm.running_var()));
    }
  }
}

// Ghost batches with renorm: each ghost batch renormalized with the moving statistics its
// predecessors left, exactly as a module without ghost batches called on each chunk in order.
TEST_P(RenormTest, GhostBatchesAreSequentialChunkCalls) {
  for (const Shape& s : {Shape::nchw(6, 4, 2, 3), Shape::nhwc(6, 2, 3, 9)}) {
    SCOPED_TRACE(simdnorm::to_string(s));
    const Problem p = make_problem(s, 5);
    BatchNorm ghost(s.c, Options{.virtual_batch_size = 2, .renorm = Renorm{1.4f, 0.3f, 0.25f}});
    BatchNorm chunked = make_module(p, 0.25f);
    std::copy(chunked.weight().begin(), chunked.weight().end(), ghost.weight().begin());
    std::copy(chunked.bias().begin(), chunked.bias().end(), ghost.bias().begin());
    std::copy(chunked.renorm_mean().begin(), chunked.renorm_mean().end(),
              ghost.renorm_mean().begin());
    std::copy(chunked.renorm_std().begin(), chunked.renorm_std().end(), ghost.renorm_std().begin());
    std::vector<float> y(s.numel()), dx(s.numel());
    ghost.forward(p.x, s, y);
    ghost.backward(p.w, dx);
    const Shape part{2, s.c, s.s, s.layout};
    const std::size_t m = part.numel();
    std::vector<double> dg(s.c), db(s.c);
    for (std::size_t g = 0; g < 3; ++g) {
      std::vector<float> yc(m), dxc(m);
      chunked.forward(std::span(p.x).subspan(g * m, m), part, yc);
      chunked.backward(std::span(p.w).subspan(g * m, m), dxc);
      EXPECT_TRUE(close("y", std::span(y).subspan(g * m, m), doubles(yc)));
      EXPECT_TRUE(close("dx", std::span(dx).subspan(g * m, m), doubles(dxc)));
      for (std::size_t c = 0; c < s.c; ++c) {
        dg[c] += chunked.weight_grad()[c];
        db[c] += chunked.bias_grad()[c];
      }
    }
    EXPECT_TRUE(close("dweight", ghost.weight_grad(), dg));
    EXPECT_TRUE(close("dbias", ghost.bias_grad(), db));
    EXPECT_TRUE(close("renorm_mean", ghost.renorm_mean(), doubles(chunked.renorm_mean())));
    EXPECT_TRUE(close("renorm_std", ghost.renorm_std(), doubles(chunked.renorm_std())));
    EXPECT_TRUE(close("running_var", ghost.running_var(), doubles(chunked.running_var())));
    EXPECT_EQ(ghost.num_batches_tracked(), 3);
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, RenormTest, ::testing::ValuesIn(all_isas()),
                         isa_test_name<::testing::TestParamInfo<std::string>>);

TEST(RenormSchedule, PaperWarmUpAndLinearRamps) {
  const simdnorm::RenormSchedule paper;  // 5k steps plain, rmax 3 at 40k, dmax 5 at 25k
  const auto at = [&](std::int64_t step) { return simdnorm::renorm_limits(step, paper); };
  EXPECT_EQ(at(0).rmax, 1.f);
  EXPECT_EQ(at(0).dmax, 0.f);
  EXPECT_EQ(at(5000).rmax, 1.f);
  EXPECT_EQ(at(5000).dmax, 0.f);
  EXPECT_NEAR(at(15000).dmax, 5.0 * 10000 / 20000, 1e-6);
  EXPECT_NEAR(at(15000).rmax, 1.0 + 2.0 * 10000 / 35000, 1e-6);
  EXPECT_EQ(at(25000).dmax, 5.f);
  EXPECT_EQ(at(40000).rmax, 3.f);
  EXPECT_EQ(at(1000000).rmax, 3.f);
  EXPECT_THROW(simdnorm::renorm_limits(0, {.warmup_steps = 10, .rmax_steps = 5}),
               std::invalid_argument);
}

}  // namespace
}  // namespace simdnorm_test
