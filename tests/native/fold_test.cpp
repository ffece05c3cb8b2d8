// fold_into_linear: a dense layer and a convolution (same per-output-channel form) followed by an
// eval-mode BatchNorm, folded into one layer; layer'(x) must equal BN(layer(x)). Both sides are
// evaluated in double from the float parameters, so the only error is the float rounding of W'
// and b'.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "random_batch.hpp"
#include "simdnorm/simdnorm.hpp"
#include "tolerance.hpp"

namespace simdnorm_test {
namespace {

using simdnorm::FoldSource;

// W'[o, i] = float(s_o·W[o, i]) and b'[o] = float(s_o·(b_o − μ_o) + β_o) are each one rounding
// of a value computed in double (fold.cpp), so layer'(x) is off by at most
// u·(Σ_i |s_o·W[o, i]·x_i| + |s_o·(b_o − μ_o)| + |β_o|), u = 2⁻²⁴. 4u leaves room for the
// double arithmetic on both sides.
constexpr double kFoldTol = 4 * 0x1p-24;

struct Layer {
  std::size_t out, fan_in;
  std::vector<float> weight, bias;  // bias may be empty
};

struct BnState {
  std::vector<float> gamma, beta, mean, var;  // gamma/beta empty: affine = false
  float eps;
  FoldSource source() const { return {gamma, beta, mean, var, eps}; }
};

double scale_of(const BnState& bn, std::size_t o) {
  return (bn.gamma.empty() ? 1.0 : bn.gamma[o]) / std::sqrt(double(bn.var[o]) + double(bn.eps));
}

// Output channel o of a layer whose output o is row o · input + b[o], at one input vector
// (a dense input, or a convolution's receptive field).
double row(const Layer& l, std::size_t o, const std::vector<double>& input) {
  double v = l.bias.empty() ? 0.0 : l.bias[o];
  for (std::size_t i = 0; i < l.fan_in; ++i) v += double(l.weight[o * l.fan_in + i]) * input[i];
  return v;
}

double bn_eval(const BnState& bn, std::size_t o, double v) {
  return (v - bn.mean[o]) * scale_of(bn, o) + (bn.beta.empty() ? 0.0 : bn.beta[o]);
}

// Checks folded(input) against BN(layer(input)) for every output channel, both in double.
void expect_folded_matches(const Layer& layer, const BnState& bn, const Layer& folded,
                           const std::vector<std::vector<double>>& inputs) {
  for (const std::vector<double>& input : inputs) {
    for (std::size_t o = 0; o < layer.out; ++o) {
      const double expected = bn_eval(bn, o, row(layer, o, input));
      const double actual = row(folded, o, input);
      const double s = scale_of(bn, o);
      double magnitude = std::abs(s * ((layer.bias.empty() ? 0.0 : layer.bias[o]) - bn.mean[o])) +
                         (bn.beta.empty() ? 0.0 : std::abs(bn.beta[o]));
      for (std::size_t i = 0; i < layer.fan_in; ++i)
        magnitude += std::abs(s * layer.weight[o * layer.fan_in + i] * input[i]);
      if (!within(actual, expected, magnitude, kFoldTol))
        ADD_FAILURE() << "output channel " << o << ": folded " << actual << ", BN(layer) "
                      << expected << ", allowed error " << kFoldTol * magnitude;
    }
  }
}

Layer fold(const Layer& layer, const BnState& bn) {
  Layer f{layer.out, layer.fan_in, std::vector<float>(layer.weight.size()),
          std::vector<float>(layer.out)};
  simdnorm::fold_into_linear(layer.weight, layer.bias, layer.out, layer.fan_in, bn.source(),
                             f.weight, f.bias);
  return f;
}

BnState random_bn(RandomBatch& rnd, std::size_t c, bool affine) {
  BnState bn{{}, {}, rnd.uniform_vector(c, -2, 2), rnd.uniform_vector(c, 0.05, 4), 1e-3f};
  if (affine) {
    bn.gamma = rnd.weight(c);
    bn.beta = rnd.uniform_vector(c, -1, 1);
  }
  return bn;
}

TEST(Fold, DenseLayer) {
  for (bool with_bias : {true, false}) {
    for (bool affine : {true, false}) {
      SCOPED_TRACE("bias=" + std::to_string(with_bias) + " affine=" + std::to_string(affine));
      RandomBatch rnd(31);
      Layer dense{5, 7, rnd.normal(35), with_bias ? rnd.normal(5) : std::vector<float>{}};
      const BnState bn = random_bn(rnd, 5, affine);
      const Layer folded = fold(dense, bn);
      std::vector<std::vector<double>> inputs;
      for (int k = 0; k < 6; ++k) {
        const std::vector<float> x = rnd.normal(7);
        inputs.emplace_back(x.begin(), x.end());
      }
      expect_folded_matches(dense, bn, folded, inputs);
    }
  }
}

// A 3×3 convolution, 3 → 4 channels, on a 6×5 image without padding: weight [4, 3·3·3], every
// output pixel is row o · (its receptive field) + b[o].
TEST(Fold, ConvolutionWeight) {
  constexpr std::size_t in_c = 3, out_c = 4, k = 3, h = 6, w = 5;
  for (bool with_bias : {true, false}) {
    for (bool affine : {true, false}) {
      SCOPED_TRACE("bias=" + std::to_string(with_bias) + " affine=" + std::to_string(affine));
      RandomBatch rnd(32);
      Layer conv{out_c, in_c * k * k, rnd.normal(out_c * in_c * k * k),
                 with_bias ? rnd.normal(out_c) : std::vector<float>{}};
      const BnState bn = random_bn(rnd, out_c, affine);
      const Layer folded = fold(conv, bn);
      const std::vector<float> image = rnd.normal(in_c * h * w);  // CHW
      std::vector<std::vector<double>> fields;
      for (std::size_t y = 0; y + k <= h; ++y)
        for (std::size_t x = 0; x + k <= w; ++x) {
          std::vector<double> field;  // [in_c, k, k], the weight's row order
          for (std::size_t c = 0; c < in_c; ++c)
            for (std::size_t dy = 0; dy < k; ++dy)
              for (std::size_t dx = 0; dx < k; ++dx)
                field.push_back(image[(c * h + y + dy) * w + x + dx]);
          fields.push_back(std::move(field));
        }
      expect_folded_matches(conv, bn, folded, fields);
    }
  }
}

// weight_out/bias_out may alias weight/bias: same results as out of place.
TEST(Fold, InPlace) {
  RandomBatch rnd(33);
  Layer dense{6, 4, rnd.normal(24), rnd.normal(6)};
  const BnState bn = random_bn(rnd, 6, true);
  const Layer expected = fold(dense, bn);
  simdnorm::fold_into_linear(dense.weight, dense.bias, 6, 4, bn.source(), dense.weight, dense.bias);
  EXPECT_EQ(dense.weight, expected.weight);
  EXPECT_EQ(dense.bias, expected.bias);
}

// End to end with the module: dense → BatchNorm trained for a few steps, then eval; the folded
// dense layer reproduces the module's eval output (float, to kRelTol of its magnitude).
TEST(Fold, FromTrainedModule) {
  RandomBatch rnd(34);
  constexpr std::size_t in = 6, out = 5, batch = 16;
  Layer dense{out, in, rnd.normal(out * in), rnd.normal(out)};
  auto apply = [](const Layer& l, const std::vector<float>& x, std::size_t n) {
    std::vector<float> y(n * l.out);
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t o = 0; o < l.out; ++o)
        y[b * l.out + o] = float(row(
            l, o, std::vector<double>(x.begin() + b * l.fan_in, x.begin() + (b + 1) * l.fan_in)));
    return y;
  };
  simdnorm::BatchNorm bn(out);
  const std::vector<float> g = rnd.weight(out), be = rnd.uniform_vector(out, -1, 1);
  std::copy(g.begin(), g.end(), bn.weight().begin());
  std::copy(be.begin(), be.end(), bn.bias().begin());
  std::vector<float> y(batch * out);
  for (int step = 0; step < 4; ++step)
    bn.forward(apply(dense, rnd.input(Shape::nc(batch, in)), batch), Shape::nc(batch, out), y);
  bn.eval();
  Layer folded{out, in, std::vector<float>(out * in), std::vector<float>(out)};
  simdnorm::fold_into_linear(
      dense.weight, dense.bias, out, in,
      {bn.weight(), bn.bias(), bn.running_mean(), bn.running_var(), bn.options().eps},
      folded.weight, folded.bias);
  const std::vector<float> x = rnd.input(Shape::nc(batch, in));
  bn.forward(apply(dense, x, batch), Shape::nc(batch, out), y);
  const std::vector<float> z = apply(folded, x, batch);
  // Both paths round a few times in float: magnitude = |s|·(Σ|W·x| + |b| + |μ|) + |β|, the
  // terms either path adds up, with s = γ/sqrt(running_var + eps); tolerance kRelTol.
  std::vector<double> expected(y.begin(), y.end()), magnitude(y.size());
  for (std::size_t b = 0; b < batch; ++b)
    for (std::size_t o = 0; o < out; ++o) {
      const double s = std::abs(g[o]) / std::sqrt(double(bn.running_var()[o]) + 1e-5);
      double terms = std::abs(dense.bias[o]) + std::abs(bn.running_mean()[o]);
      for (std::size_t i = 0; i < in; ++i)
        terms += std::abs(double(dense.weight[o * in + i]) * x[b * in + i]);
      magnitude[b * out + o] = s * terms + std::abs(be[o]);
    }
  EXPECT_TRUE(all_close("folded dense vs dense → BatchNorm(eval)", z, expected, magnitude));
}

}  // namespace
}  // namespace simdnorm_test
