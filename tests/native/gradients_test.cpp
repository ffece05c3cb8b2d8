// BatchNorm::backward against central finite differences of a scalar loss L = Σ w_i·y_i, with
// the forward pass written here in double (batch statistics as functions of x in training mode,
// fixed running statistics in eval mode). dL/dy = w, so backward(w) must return dL/dx, dL/dγ and
// dL/dβ. Every ISA, both layouts, ReLU on/off (values kept away from the kink), affine on/off.

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "float64_batch_norm.hpp"
#include "isa_scope.hpp"
#include "random_batch.hpp"
#include "simdnorm/simdnorm.hpp"
#include "tolerance.hpp"

namespace simdnorm_test {
namespace {

// Tolerance for backward vs finite differences, relative to the per-element magnitude of the
// gradient's terms (float64_batch_norm.hpp):
//   * the float backward itself: ≤ kRelTol (tolerance.hpp);
//   * it runs on float statistics: invstd is rounded (and computed in float, ~1e-6 relative) and
//     enters dx up to its cube, so ≤ 3·1e-6 more;
//   * central differences with h = 1e-3 in double: truncation h²/6·|L'''| ≈ 1e-7 of the scale
//     of L for these small O(1) batches, rounding 2⁻⁵³·|L|/h ≈ 1e-13.
// 3e-5 covers the sum with margin; formula errors (a missing mean term, a wrong power of invstd,
// a mask on the wrong side) are O(1e-1) of the magnitude.
constexpr double kGradTol = 3e-5;
constexpr double kStep = 1e-3;

struct Problem {
  Shape shape;
  bool training, relu, affine;
  std::vector<float> x, w;  // input and dL/dy
  std::vector<double> gamma, beta, running_mean, running_var;
  double eps = 1e-5;
};

// L = Σ w·y with y = relu?((x − μ)/sqrt(σ² + eps)·γ + β), all in double.
double loss(const Problem& p, const std::vector<double>& x, const std::vector<double>& gamma,
            const std::vector<double>& beta) {
  const Shape& s = p.shape;
  std::vector<double> mean = p.running_mean, var = p.running_var;
  if (p.training) {
    const double count = double(s.per_channel());
    for (std::size_t c = 0; c < s.c; ++c) {
      double sum = 0, sq = 0;
      for (std::size_t n = 0; n < s.n; ++n)
        for (std::size_t i = 0; i < s.s; ++i) sum += x[index_of(s, n, c, i)];
      mean[c] = sum / count;
      for (std::size_t n = 0; n < s.n; ++n)
        for (std::size_t i = 0; i < s.s; ++i) {
          const double d = x[index_of(s, n, c, i)] - mean[c];
          sq += d * d;
        }
      var[c] = sq / count;
    }
  }
  double l = 0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    const std::size_t c = channel_of(s, k);
    double y = (x[k] - mean[c]) / std::sqrt(var[c] + p.eps) * gamma[c] + beta[c];
    if (p.relu && y < 0) y = 0;
    l += p.w[k] * y;
  }
  return l;
}

struct Numeric {
  std::vector<double> dx, dgamma, dbeta;
};

Numeric finite_differences(const Problem& p) {
  std::vector<double> x(p.x.begin(), p.x.end()), gamma = p.gamma, beta = p.beta;
  auto central = [&](double& v) {
    const double saved = v;
    v = saved + kStep;
    const double up = loss(p, x, gamma, beta);
    v = saved - kStep;
    const double down = loss(p, x, gamma, beta);
    v = saved;
    return (up - down) / (2 * kStep);
  };
  Numeric g{std::vector<double>(x.size()), std::vector<double>(p.shape.c),
            std::vector<double>(p.shape.c)};
  for (std::size_t k = 0; k < x.size(); ++k) g.dx[k] = central(x[k]);
  for (std::size_t c = 0; c < p.shape.c; ++c) {
    g.dgamma[c] = central(gamma[c]);
    g.dbeta[c] = central(beta[c]);
  }
  return g;
}

Problem make_problem(const Shape& s, bool training, bool relu, bool affine, unsigned seed) {
  RandomBatch rnd(seed);
  Problem p{s, training, relu, affine, rnd.input(s), rnd.normal(s.numel()), {}, {}, {}, {}};
  p.gamma.assign(s.c, 1.0);
  p.beta.assign(s.c, 0.0);
  if (affine) {
    const std::vector<float> w = rnd.weight(s.c), b = rnd.uniform_vector(s.c, -0.5, 0.5);
    p.gamma.assign(w.begin(), w.end());
    p.beta.assign(b.begin(), b.end());
  }
  const std::vector<float> rm = rnd.uniform_vector(s.c, -1, 1),
                           rv = rnd.uniform_vector(s.c, 0.3, 3);
  p.running_mean.assign(rm.begin(), rm.end());
  p.running_var.assign(rv.begin(), rv.end());
  if (relu) {
    // Keep every pre-activation ≥ 0.05 from the kink: a step of 1e-3 in x (or γ, β) moves it by
    // less than 0.01 (|γ|·invstd ≤ 3 here), so finite differences never straddle it.
    const Moments64 m = moments64(p.x, s);
    const Channel64 k =
        training ? channel64(m.mean, invstd_from_var(m.var, p.eps), {}, {})
                 : channel64(p.running_mean, invstd_from_var(p.running_var, p.eps), {}, {});
    auto pre = [&](std::size_t j, float v) {
      const std::size_t c = channel_of(s, j);
      return (v - k.mean[c]) * k.invstd[c] * p.gamma[c] + p.beta[c];
    };
    EXPECT_TRUE(move_off_relu_kink(p.x, {pre}, 0.1, 0.05));
    if (training) {
      // The move shifted the batch statistics: re-check the margin with the final ones.
      const Moments64 f = moments64(p.x, s);
      for (std::size_t j = 0; j < p.x.size(); ++j) {
        const std::size_t c = channel_of(s, j);
        const double v =
            (p.x[j] - f.mean[c]) / std::sqrt(f.var[c] + p.eps) * p.gamma[c] + p.beta[c];
        if (std::abs(v) < 0.05) ADD_FAILURE() << "test data: x[" << j << "] near the ReLU kink";
      }
    }
  }
  return p;
}

void check_gradients(const Shape& s, unsigned seed) {
  IsaScope restore;
  for (bool training : {true, false}) {
    for (bool relu : {false, true}) {
      for (bool affine : {true, false}) {
        const Problem p = make_problem(s, training, relu, affine, seed++);
        const Numeric fd = finite_differences(p);
        // Magnitudes of the gradient terms, from the float64 formulas at the same point.
        const Moments64 m = moments64(p.x, s);
        const std::vector<float> wf(p.gamma.begin(), p.gamma.end()),
            bf(p.beta.begin(), p.beta.end());
        const Channel64 k =
            training ? channel64(m.mean, invstd_from_var(m.var, p.eps), wf, bf)
                     : channel64(p.running_mean, invstd_from_var(p.running_var, p.eps), wf, bf);
        const Backward64 mag = backward64(p.w, p.x, s, k, relu, training);

        for (const std::string& isa : all_isas()) {
          SCOPED_TRACE("isa=" + isa + " shape=" + to_string(s) + (training ? " train" : " eval") +
                       " relu=" + std::to_string(relu) + " affine=" + std::to_string(affine));
          simdnorm::set_isa(isa);
          simdnorm::BatchNorm bn(s.c, {.eps = float(p.eps),
                                       .momentum = 0.1f,
                                       .affine = affine,
                                       .track_running_stats = true,
                                       .relu = relu});
          if (affine) {
            std::copy(wf.begin(), wf.end(), bn.weight().begin());
            std::copy(bf.begin(), bf.end(), bn.bias().begin());
          }
          for (std::size_t c = 0; c < s.c; ++c) {
            bn.running_mean()[c] = float(p.running_mean[c]);
            bn.running_var()[c] = float(p.running_var[c]);
          }
          bn.train(training);
          std::vector<float> y(s.numel()), dx(s.numel());
          bn.forward(p.x, s, y);
          bn.backward(p.w, dx);
          EXPECT_TRUE(all_close("dx", dx, fd.dx, mag.dx_magnitude, kGradTol));
          if (affine) {
            EXPECT_TRUE(
                all_close("dweight", bn.weight_grad(), fd.dgamma, mag.dgamma_magnitude, kGradTol));
            EXPECT_TRUE(
                all_close("dbias", bn.bias_grad(), fd.dbeta, mag.dbeta_magnitude, kGradTol));
          }
          if (::testing::Test::HasFailure()) return;
        }
      }
    }
  }
}

TEST(Gradients, ChannelsFirstNCL) {
  check_gradients(Shape::ncl(3, 4, 5), 11);
}
TEST(Gradients, ChannelsFirstNC) {
  check_gradients(Shape::nc(7, 3), 12);
}
TEST(Gradients, ChannelsFirstManyChannels) {
  check_gradients(Shape::nchw(2, 19, 2, 3), 13);
}
TEST(Gradients, ChannelsLastNHWC) {
  check_gradients(Shape::nhwc(2, 3, 2, 5), 14);
}
TEST(Gradients, ChannelsLastWideC) {
  check_gradients(Shape::nlc(3, 2, 21), 15);
}

}  // namespace
}  // namespace simdnorm_test
