// Gradients of the trainer's whole model (Linear, BatchNorm1d, activations on the engine, softmax
// cross-entropy) against central finite differences of an independent float64 re-implementation
// of the same function, written here from the textbook formulas.

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "nn/random.hpp"
#include "nn/sequential.hpp"
#include "nn/softmax_cross_entropy.hpp"
#include "nn/trainer.hpp"
#include "simdnorm/isa.hpp"

namespace simdnorm::nn {
namespace {

using Vec = std::vector<double>;

std::vector<float> random_floats(std::size_t n, Rng& rng, double scale = 1) {
  std::vector<float> v(n);
  for (float& f : v) f = float(scale * rng.normal());
  return v;
}

double act(Activation a, double x) {
  switch (a) {
    case Activation::relu:
      return x > 0 ? x : 0;
    case Activation::tanh:
      return std::tanh(x);
    case Activation::sigmoid:
      return 1 / (1 + std::exp(-x));
  }
  return 0;
}

// Mean softmax cross-entropy of [n, k] logits.
double cross_entropy(const Vec& logits, std::size_t n, std::size_t k,
                     const std::vector<std::uint8_t>& labels) {
  double total = 0;
  for (std::size_t r = 0; r < n; ++r) {
    double m = logits[r * k];
    for (std::size_t c = 1; c < k; ++c) m = std::max(m, logits[r * k + c]);
    double s = 0;
    for (std::size_t c = 0; c < k; ++c) s += std::exp(logits[r * k + c] - m);
    total += std::log(s) + m - logits[r * k + labels[r]];
  }
  return total / double(n);
}

// y = x·Wᵀ + b in double; W is [out, in].
Vec dense(const Vec& x, std::size_t n, std::size_t in, const Vec& w, const Vec& b,
          std::size_t out) {
  Vec y(n * out);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t o = 0; o < out; ++o) {
      double acc = b[o];
      for (std::size_t i = 0; i < in; ++i) acc += x[r * in + i] * w[o * in + i];
      y[r * out + o] = acc;
    }
  return y;
}

// The whole model's parameters as double vectors, in Sequential::parameters() order:
// per hidden layer W, b[, γ, β], then the output layer's W, b.
struct Params {
  std::vector<Vec> p;
};

// Training-mode loss of the model in double: BN with the batch's mean and biased variance.
double reference_loss(const TrainerConfig& spec, std::size_t classes, const Params& ps,
                      const Vec& x, std::size_t n, const std::vector<std::uint8_t>& labels) {
  Vec a = x;
  std::size_t in = 2, slot = 0;
  for (std::size_t w : spec.hidden) {
    Vec z = dense(a, n, in, ps.p[slot], ps.p[slot + 1], w);
    slot += 2;
    if (spec.batch_norm) {
      const Vec& gamma = ps.p[slot];
      const Vec& beta = ps.p[slot + 1];
      slot += 2;
      for (std::size_t c = 0; c < w; ++c) {
        double mean = 0, var = 0;
        for (std::size_t r = 0; r < n; ++r) mean += z[r * w + c];
        mean /= double(n);
        for (std::size_t r = 0; r < n; ++r) var += (z[r * w + c] - mean) * (z[r * w + c] - mean);
        var /= double(n);
        for (std::size_t r = 0; r < n; ++r)
          z[r * w + c] =
              (z[r * w + c] - mean) / std::sqrt(var + double(spec.bn_eps)) * gamma[c] + beta[c];
      }
    }
    for (double& v : z) v = act(spec.activation, v);
    a = std::move(z);
    in = w;
  }
  const Vec logits = dense(a, n, in, ps.p[slot], ps.p[slot + 1], classes);
  return cross_entropy(logits, n, classes, labels);
}

struct Case {
  Activation activation;
  bool batch_norm;
};

class TrainerModelGradient : public ::testing::TestWithParam<Case> {};

TEST_P(TrainerModelGradient, MatchesFiniteDifferencesOfFloat64Reference) {
  const Case c = GetParam();
  TrainerConfig spec;
  spec.hidden = {7, 5};  // not multiples of any vector width: the tails are exercised
  spec.activation = c.activation;
  spec.batch_norm = c.batch_norm;
  const std::size_t classes = 3;
  Sequential m(trainer_layers(spec, classes), {.input_shape = {2}, .batch_size = 9});
  Rng rng(42, 7);
  std::vector<Parameter> params = m.parameters();
  for (const Parameter& p : params) {
    const bool gamma = p.name.ends_with(".weight") && p.shape.size() == 1;
    for (float& f : p.value)
      f = float(gamma ? 1 + 0.3 * rng.normal() : (p.shape.size() == 2 ? 0.8 : 0.3) * rng.normal());
  }

  const std::size_t n = 9;
  const std::vector<float> x = random_floats(n * 2, rng);
  std::vector<std::uint8_t> labels(n);
  for (std::size_t r = 0; r < n; ++r) labels[r] = std::uint8_t(rng.below(3));

  const std::span<const float> out = m.forward(x);
  std::vector<float> dlogits(out.size());
  const LossResult loss = softmax_cross_entropy(out, n, classes, labels, dlogits);
  m.backward(dlogits);

  Params ps;
  for (const Parameter& p : params) ps.p.emplace_back(p.value.begin(), p.value.end());
  const Vec xd(x.begin(), x.end());
  const double ref = reference_loss(spec, classes, ps, xd, n, labels);
  // The float forward agrees with the double one to float rounding of a few ops (~1e-6 relative).
  EXPECT_NEAR(loss.loss, ref, 1e-5 * std::max(1.0, std::abs(ref)));

  // Central differences in double with h = 1e-5: truncation error O(h²·f''') ≈ 1e-10 and
  // rounding ≈ 1e-16/h ≈ 1e-11, far below the float gradients' own error (float accumulation
  // over ≤ 9 rows through BN's normalization: ~1e-5 relative). ReLU kinks: with these random
  // inputs no pre-activation lies within h of 0 (checked below by comparing h and h/10).
  const double h = 1e-5;
  for (std::size_t s = 0; s < ps.p.size(); ++s)
    for (std::size_t i = 0; i < ps.p[s].size(); ++i) {
      const double keep = ps.p[s][i];
      ps.p[s][i] = keep + h;
      const double up = reference_loss(spec, classes, ps, xd, n, labels);
      ps.p[s][i] = keep - h;
      const double down = reference_loss(spec, classes, ps, xd, n, labels);
      ps.p[s][i] = keep + h / 10;
      const double up10 = reference_loss(spec, classes, ps, xd, n, labels);
      ps.p[s][i] = keep - h / 10;
      const double down10 = reference_loss(spec, classes, ps, xd, n, labels);
      ps.p[s][i] = keep;
      const double fd = (up - down) / (2 * h);
      const double fd10 = (up10 - down10) / (2 * h / 10);
      ASSERT_NEAR(fd, fd10, 1e-6) << "non-smooth point at slot " << s << " index " << i;
      EXPECT_NEAR(params[s].grad[i], fd, 2e-5 + 1e-3 * std::abs(fd))
          << "isa " << active_isa() << ", " << params[s].name << "[" << i << "]";
    }
}

INSTANTIATE_TEST_SUITE_P(
    All, TrainerModelGradient,
    ::testing::Values(Case{Activation::relu, true}, Case{Activation::relu, false},
                      Case{Activation::tanh, true}, Case{Activation::tanh, false},
                      Case{Activation::sigmoid, true}, Case{Activation::sigmoid, false}),
    [](const auto& info) {
      return std::string(to_string(info.param.activation)) +
             (info.param.batch_norm ? "_bn" : "_plain");
    });

TEST(LossGradient, MatchesFiniteDifferences) {
  Rng rng(5, 9);
  for (const std::size_t k : {2u, 3u, 8u}) {
    const std::size_t n = 6;
    const std::vector<float> logits = random_floats(n * k, rng, 3);
    std::vector<std::uint8_t> labels(n);
    for (auto& l : labels) l = std::uint8_t(rng.below(k));
    std::vector<float> d(n * k);
    const LossResult r = softmax_cross_entropy(logits, n, k, labels, d);
    Vec ld(logits.begin(), logits.end());
    EXPECT_NEAR(r.loss, cross_entropy(ld, n, k, labels), 1e-6);
    const double h = 1e-5;  // smooth: truncation ~h²·|f'''| ≈ 1e-10
    for (std::size_t i = 0; i < ld.size(); ++i) {
      const double keep = ld[i];
      ld[i] = keep + h;
      const double up = cross_entropy(ld, n, k, labels);
      ld[i] = keep - h;
      const double down = cross_entropy(ld, n, k, labels);
      ld[i] = keep;
      EXPECT_NEAR(d[i], (up - down) / (2 * h), 1e-6) << "classes " << k << " index " << i;
    }
  }
}

TEST(LossGradient, LargeLogitsStayFinite) {
  // exp(1000) overflows double; the max shift keeps the loss exact: −log softmax = 0 here.
  const std::vector<float> logits = {1000.f, -1000.f, 0.f};
  const std::vector<std::uint8_t> labels = {0};
  std::vector<float> d(3);
  const LossResult r = softmax_cross_entropy(logits, 1, 3, labels, d);
  EXPECT_EQ(r.loss, 0.0);
  EXPECT_EQ(r.correct, 1u);
  for (float v : d) EXPECT_TRUE(std::isfinite(v));
}

}  // namespace
}  // namespace simdnorm::nn
