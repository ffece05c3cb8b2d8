// Every engine layer against an independent float64 implementation written here from the
// definitions (torch.nn's documentation): the float forward must match it, and the float backward
// must match central finite differences of it, for the input and every parameter. Conv2d with
// stride and padding, pooling with overlapping and padded windows, BatchNorm in both modes.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "layer_harness.hpp"
#include "nn/batch_norm_layer.hpp"

namespace simdnorm::nn {
namespace {

using Vec = std::vector<double>;
using Params = std::vector<Vec>;
// y = f(x, parameters) in double, for n samples; may read the layer (buffers, shapes).
using Reference = std::function<Vec(const Vec& x, const Params& p, std::size_t n, Layer& layer)>;

Vec to_double(std::span<const float> v) {
  return Vec(v.begin(), v.end());
}
std::vector<float> to_float(const Vec& v) {
  return std::vector<float>(v.begin(), v.end());
}

Vec linear_ref(const Vec& x, const Params& p, std::size_t n, Layer& l) {
  const std::size_t in = l.input_shape()[l.input_shape().rank - 1];
  const std::size_t out = l.output_shape()[l.output_shape().rank - 1];
  const std::size_t rows = n * l.input_shape().size() / in;
  Vec y(rows * out);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t o = 0; o < out; ++o) {
      double acc = p.size() > 1 ? p[1][o] : 0;
      for (std::size_t i = 0; i < in; ++i) acc += x[r * in + i] * p[0][o * in + i];
      y[r * out + o] = acc;
    }
  return y;
}

struct Window {
  std::size_t k, stride, pad;
};

// The direct definition: y[s, o, r, c] = b[o] + Σ W[o, ci, i, j]·x[s, ci, r·st − p + i, c·st − p +
// j].
Vec conv_ref(const Vec& x, const Params& p, std::size_t n, Layer& l, Window w) {
  const SampleShape& in = l.input_shape();
  const SampleShape& out = l.output_shape();
  Vec y(n * out.size());
  for (std::size_t s = 0; s < n; ++s)
    for (std::size_t o = 0; o < out[0]; ++o)
      for (std::size_t r = 0; r < out[1]; ++r)
        for (std::size_t c = 0; c < out[2]; ++c) {
          double acc = p.size() > 1 ? p[1][o] : 0;
          for (std::size_t ci = 0; ci < in[0]; ++ci)
            for (std::size_t i = 0; i < w.k; ++i)
              for (std::size_t j = 0; j < w.k; ++j) {
                const long yy = long(r * w.stride + i) - long(w.pad);
                const long xx = long(c * w.stride + j) - long(w.pad);
                if (yy < 0 || xx < 0 || yy >= long(in[1]) || xx >= long(in[2])) continue;
                acc += p[0][((o * in[0] + ci) * w.k + i) * w.k + j] *
                       x[((s * in[0] + ci) * in[1] + std::size_t(yy)) * in[2] + std::size_t(xx)];
              }
          y[((s * out[0] + o) * out[1] + r) * out[2] + c] = acc;
        }
  return y;
}

// Max or mean over each window's positions inside the image; `include_pad` divides by k².
Vec pool_ref(const Vec& x, std::size_t n, Layer& l, Window w, bool max, bool include_pad) {
  const SampleShape& in = l.input_shape();
  const SampleShape& out = l.output_shape();
  Vec y(n * out.size());
  for (std::size_t pl = 0; pl < n * in[0]; ++pl)
    for (std::size_t r = 0; r < out[1]; ++r)
      for (std::size_t c = 0; c < out[2]; ++c) {
        double best = -std::numeric_limits<double>::infinity(), sum = 0;
        std::size_t count = 0;
        for (std::size_t i = 0; i < w.k; ++i)
          for (std::size_t j = 0; j < w.k; ++j) {
            const long yy = long(r * w.stride + i) - long(w.pad);
            const long xx = long(c * w.stride + j) - long(w.pad);
            if (yy < 0 || xx < 0 || yy >= long(in[1]) || xx >= long(in[2])) continue;
            const double v = x[(pl * in[1] + std::size_t(yy)) * in[2] + std::size_t(xx)];
            best = std::max(best, v);
            sum += v;
            ++count;
          }
        y[(pl * out[1] + r) * out[2] + c] =
            max ? best : sum / double(include_pad ? w.k * w.k : count);
      }
  return y;
}

// Batch statistics over (n, spatial) per channel, biased variance; or the running ones.
Vec batch_norm_ref(const Vec& x, const Params& p, std::size_t n, Layer& l, bool train) {
  auto& bn = dynamic_cast<BatchNormLayer&>(l);
  const std::size_t c = bn.options().num_features, s = l.input_shape().size() / c;
  const double eps = bn.options().eps;
  Vec y(x.size());
  for (std::size_t ch = 0; ch < c; ++ch) {
    double mean = 0, var = 0;
    if (train) {
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t q = 0; q < s; ++q) mean += x[(i * c + ch) * s + q];
      mean /= double(n * s);
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t q = 0; q < s; ++q) {
          const double d = x[(i * c + ch) * s + q] - mean;
          var += d * d;
        }
      var /= double(n * s);
    } else {
      mean = bn.running_mean()[ch];
      var = bn.running_var()[ch];
    }
    const double g = p.empty() ? 1 : p[0][ch], b = p.empty() ? 0 : p[1][ch];
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t q = 0; q < s; ++q) {
        const std::size_t at = (i * c + ch) * s + q;
        y[at] = (x[at] - mean) / std::sqrt(var + eps) * g + b;
      }
  }
  return y;
}

// nn.LSTM's equations (gates i, f, g, o; zero initial state) for [n, T, F] inputs; the last
// hidden state or every step's.
Vec lstm_ref(const Vec& x, const Params& p, std::size_t n, Layer& l, bool sequences) {
  const std::size_t t_max = l.input_shape()[0], f = l.input_shape()[1];
  const std::size_t hs =
      std::size_t(std::lround(std::sqrt(double(p[1].size()) / 4)));  // W_hh is [4H, H]
  auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
  Vec y(n * (sequences ? t_max : 1) * hs);
  for (std::size_t s = 0; s < n; ++s) {
    Vec hv(hs, 0), c(hs, 0);
    for (std::size_t t = 0; t < t_max; ++t) {
      Vec a(4 * hs);
      for (std::size_t j = 0; j < 4 * hs; ++j) {
        double acc = p.size() > 2 ? p[2][j] + p[3][j] : 0;
        for (std::size_t i = 0; i < f; ++i) acc += p[0][j * f + i] * x[(s * t_max + t) * f + i];
        for (std::size_t i = 0; i < hs; ++i) acc += p[1][j * hs + i] * hv[i];
        a[j] = acc;
      }
      for (std::size_t u = 0; u < hs; ++u) {
        c[u] = sig(a[hs + u]) * c[u] + sig(a[u]) * std::tanh(a[2 * hs + u]);
        hv[u] = sig(a[3 * hs + u]) * std::tanh(c[u]);
      }
      if (sequences)
        std::copy(hv.begin(), hv.end(), y.begin() + std::ptrdiff_t((s * t_max + t) * hs));
    }
    if (!sequences) std::copy(hv.begin(), hv.end(), y.begin() + std::ptrdiff_t(s * hs));
  }
  return y;
}

// Recurrent batch normalization (Cooijmans et al. 2016) in the LSTM: gates = BN_ih(W_ih·x_t) +
// BN_hh(W_hh·h_{t−1}) + b, h_t = o·tanh(BN_c(c_t)); BN_ih and BN_hh scale only (γ), BN_c scales
// and shifts. Training mode normalizes every step over the batch (biased variance); eval mode
// reads the running statistics of the step's slot from the layer's buffers: slot min(t, slots − 1)
// (one slot when shared), as no slot has been trained here.
struct BnLstmRef {
  bool sequences, bias, train;
  Vec operator()(const Vec& x, const Params& p, std::size_t n, Layer& l) const {
    const std::size_t t_max = l.input_shape()[0], f = l.input_shape()[1];
    const std::size_t hs = std::size_t(std::lround(std::sqrt(double(p[1].size()) / 4)));
    const std::size_t g4 = 4 * hs, first_bn = bias ? 4 : 2;
    auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
    std::vector<std::span<float>> running;  // ih mean, ih var, hh mean, hh var, c mean, c var
    for (Buffer& b : l.buffers())
      if (auto* v = std::get_if<std::span<float>>(&b.value)) running.push_back(*v);
    const std::size_t slots = running[0].size() / g4;
    // BN over the batch of v ([n, c]) for step t, in place; which: 0 ih, 1 hh, 2 c.
    auto norm = [&](Vec& v, std::size_t c, std::size_t t, int which, const Vec& gamma,
                    const Vec* beta) {
      const std::size_t slot = std::min(t, slots - 1);
      for (std::size_t j = 0; j < c; ++j) {
        double mean = 0, var = 0;
        if (train) {
          for (std::size_t s = 0; s < n; ++s) mean += v[s * c + j];
          mean /= double(n);
          for (std::size_t s = 0; s < n; ++s) var += (v[s * c + j] - mean) * (v[s * c + j] - mean);
          var /= double(n);
        } else {
          mean = running[std::size_t(2 * which)][slot * c + j];
          var = running[std::size_t(2 * which + 1)][slot * c + j];
        }
        for (std::size_t s = 0; s < n; ++s)
          v[s * c + j] =
              (v[s * c + j] - mean) / std::sqrt(var + 1e-5) * gamma[j] + (beta ? (*beta)[j] : 0.0);
      }
    };
    Vec y(n * (sequences ? t_max : 1) * hs);
    Vec hv(n * hs, 0), c(n * hs, 0);
    for (std::size_t t = 0; t < t_max; ++t) {
      Vec wx(n * g4), wh(n * g4);
      for (std::size_t s = 0; s < n; ++s)
        for (std::size_t j = 0; j < g4; ++j) {
          for (std::size_t i = 0; i < f; ++i)
            wx[s * g4 + j] += p[0][j * f + i] * x[(s * t_max + t) * f + i];
          for (std::size_t i = 0; i < hs; ++i) wh[s * g4 + j] += p[1][j * hs + i] * hv[s * hs + i];
        }
      norm(wx, g4, t, 0, p[first_bn], nullptr);
      norm(wh, g4, t, 1, p[first_bn + 1], nullptr);
      Vec cb(n * hs);
      for (std::size_t s = 0; s < n; ++s) {
        Vec a(g4);
        for (std::size_t j = 0; j < g4; ++j)
          a[j] = wx[s * g4 + j] + wh[s * g4 + j] + (bias ? p[2][j] + p[3][j] : 0);
        for (std::size_t u = 0; u < hs; ++u) {
          c[s * hs + u] = sig(a[hs + u]) * c[s * hs + u] + sig(a[u]) * std::tanh(a[2 * hs + u]);
          cb[s * hs + u] = c[s * hs + u];
          hv[s * hs + u] = sig(a[3 * hs + u]);  // o, times tanh(BN_c(c)) below
        }
      }
      norm(cb, hs, t, 2, p[first_bn + 2], &p[first_bn + 3]);
      for (std::size_t i = 0; i < n * hs; ++i) hv[i] *= std::tanh(cb[i]);
      for (std::size_t s = 0; s < n; ++s)
        if (sequences || t == t_max - 1)
          std::copy(hv.begin() + std::ptrdiff_t(s * hs), hv.begin() + std::ptrdiff_t((s + 1) * hs),
                    y.begin() + std::ptrdiff_t(((sequences ? s * t_max + t : s)) * hs));
    }
    return y;
  }
};

// nn.RNN's equation h_t = tanh(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh), zero initial state.
Vec rnn_ref(const Vec& x, const Params& p, std::size_t n, Layer& l, bool sequences) {
  const std::size_t t_max = l.input_shape()[0], f = l.input_shape()[1];
  const std::size_t hs = std::size_t(std::lround(std::sqrt(double(p[1].size()))));  // W_hh [H, H]
  Vec y(n * (sequences ? t_max : 1) * hs);
  for (std::size_t s = 0; s < n; ++s) {
    Vec hv(hs, 0);
    for (std::size_t t = 0; t < t_max; ++t) {
      Vec next(hs);
      for (std::size_t j = 0; j < hs; ++j) {
        double acc = p.size() > 2 ? p[2][j] + p[3][j] : 0;
        for (std::size_t i = 0; i < f; ++i) acc += p[0][j * f + i] * x[(s * t_max + t) * f + i];
        for (std::size_t i = 0; i < hs; ++i) acc += p[1][j * hs + i] * hv[i];
        next[j] = std::tanh(acc);
      }
      hv = next;
      if (sequences)
        std::copy(hv.begin(), hv.end(), y.begin() + std::ptrdiff_t((s * t_max + t) * hs));
    }
    if (!sequences) std::copy(hv.begin(), hv.end(), y.begin() + std::ptrdiff_t(s * hs));
  }
  return y;
}

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// The float results are sums of at most a few hundred O(1) terms: rounding error ≲ 300·2⁻²⁴·300
// ≈ 5e-3 in the worst case, far less in practice; finite differences in double with h = 1e-6 are
// accurate to ~1e-9. We allow 1e-4 relative to the tensor's largest magnitude (at least 1).
void expect_close(std::span<const float> actual, const Vec& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  double scale = 1;
  for (double e : expected) scale = std::max(scale, std::fabs(e));
  for (std::size_t i = 0; i < expected.size(); ++i)
    ASSERT_NEAR(actual[i], expected[i], 1e-4 * scale) << what << " at index " << i;
}

struct Case {
  std::string name;
  LayerSpec spec;
  SampleShape in;
  std::size_t n;
  Mode mode;
  Reference reference;
};

void check(const Case& c) {
  SCOPED_TRACE(c.name);
  test::LayerHarness h(c.spec, c.in, c.n);
  Layer& layer = *h.layer;
  Rng rng(std::hash<std::string>{}(c.name), 5);
  // Parameters N(0, 1) (γ around 1), running variance positive: every term of the gradient shows.
  std::vector<Parameter> params = layer.parameters();
  for (Parameter& p : params)
    for (float& v : p.value)
      v = float(rng.normal() +
                (p.name == "weight" && c.spec.type.starts_with("batchNorm") ? 1 : 0));
  for (Buffer& b : layer.buffers())
    if (auto* f = std::get_if<std::span<float>>(&b.value))
      for (float& v : *f)
        v = float(b.name.ends_with("running_var") ? 0.5 + rng.uniform() : rng.normal());
  std::vector<float> x(c.n * c.in.size());
  for (float& v : x) v = float(rng.normal());

  Params p;
  for (const Parameter& q : params) p.push_back(to_double(q.value));
  const Vec xd = to_double(x);
  // Buffers the forward updates (running statistics) are restored before the reference reads
  // them, so both see the same state: the reference reads them only in eval mode.
  const Vec y_ref = c.reference(xd, p, c.n, layer);
  h.forward(x, c.mode);
  expect_close(h.y, y_ref, "forward");

  Vec r(y_ref.size());
  for (double& v : r) v = rng.normal();
  const std::vector<float> dx = h.backward(x, to_float(r));

  const double step = 1e-6;
  auto objective = [&](const Vec& xv, const Params& pv) {
    return dot(r, c.reference(xv, pv, c.n, layer));
  };
  Vec dx_num(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    Vec plus = xd, minus = xd;
    plus[i] += step;
    minus[i] -= step;
    dx_num[i] = (objective(plus, p) - objective(minus, p)) / (2 * step);
  }
  expect_close(dx, dx_num, "dx");
  for (std::size_t k = 0; k < p.size(); ++k) {
    Vec g(p[k].size());
    for (std::size_t i = 0; i < p[k].size(); ++i) {
      Params plus = p, minus = p;
      plus[k][i] += step;
      minus[k][i] -= step;
      g[i] = (objective(xd, plus) - objective(xd, minus)) / (2 * step);
    }
    expect_close(params[k].grad, g, "d" + params[k].name);
  }
}

LayerSpec spec(std::string type, std::vector<std::pair<std::string, SpecValue>> args = {}) {
  return {std::move(type), std::move(args)};
}

TEST(LayerGradients, Linear) {
  for (const bool bias : {true, false})
    check({"linear bias=" + std::to_string(bias),
           spec("linear", {{"inFeatures", 7}, {"outFeatures", 5}, {"bias", bias}}),
           SampleShape::of({7}), 3, Mode::train, linear_ref});
  // Over the last dimension of [T, features] samples, as nn.Linear does.
  check({"linear on [3, 6]", spec("linear", {{"inFeatures", 6}, {"outFeatures", 4}}),
         SampleShape::of({3, 6}), 2, Mode::train, linear_ref});
}

TEST(LayerGradients, Conv2dStridePadding) {
  struct Geometry {
    std::size_t cin, cout, h, w, k, stride, pad;
    bool bias;
  };
  for (const Geometry g :
       {Geometry{1, 2, 5, 5, 3, 1, 0, true}, Geometry{2, 3, 6, 5, 3, 1, 1, true},
        Geometry{2, 2, 7, 6, 3, 2, 1, false}, Geometry{3, 2, 5, 5, 2, 3, 2, true},
        Geometry{1, 1, 4, 4, 4, 1, 0, true}, Geometry{2, 17, 3, 3, 1, 1, 0, true}}) {
    const Window w{g.k, g.stride, g.pad};
    check({"conv2d cin=" + std::to_string(g.cin) + " k=" + std::to_string(g.k) +
               " s=" + std::to_string(g.stride) + " p=" + std::to_string(g.pad),
           spec("conv2d", {{"inChannels", std::int64_t(g.cin)},
                           {"outChannels", std::int64_t(g.cout)},
                           {"kernelSize", std::int64_t(g.k)},
                           {"stride", std::int64_t(g.stride)},
                           {"padding", std::int64_t(g.pad)},
                           {"bias", g.bias}}),
           SampleShape::of({g.cin, g.h, g.w}), 2, Mode::train,
           [w](const Vec& x, const Params& p, std::size_t n, Layer& l) {
             return conv_ref(x, p, n, l, w);
           }});
  }
}

TEST(LayerGradients, Pooling) {
  for (const Window w : {Window{2, 2, 0}, Window{3, 2, 1}, Window{3, 1, 1}, Window{2, 1, 0}})
    for (const bool max : {true, false})
      for (const bool include_pad : {true, false}) {
        if (max && !include_pad) continue;
        std::vector<std::pair<std::string, SpecValue>> args = {{"kernelSize", std::int64_t(w.k)},
                                                               {"stride", std::int64_t(w.stride)},
                                                               {"padding", std::int64_t(w.pad)}};
        if (!max) args.push_back({"countIncludePad", include_pad});
        check({std::string(max ? "maxPool2d" : "avgPool2d") + " k=" + std::to_string(w.k) +
                   " s=" + std::to_string(w.stride) + " p=" + std::to_string(w.pad) +
                   " include_pad=" + std::to_string(include_pad),
               spec(max ? "maxPool2d" : "avgPool2d", args), SampleShape::of({2, 5, 6}), 2,
               Mode::train, [=](const Vec& x, const Params&, std::size_t n, Layer& l) {
                 return pool_ref(x, n, l, w, max, include_pad);
               }});
      }
}

TEST(LayerGradients, ElementwiseAndFlatten) {
  auto apply = [](double (*f)(double)) {
    return [f](const Vec& x, const Params&, std::size_t, Layer&) {
      Vec y(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) y[i] = f(x[i]);
      return y;
    };
  };
  const SampleShape in = SampleShape::of({3, 2, 2});
  check({"relu", spec("relu"), in, 2, Mode::train, apply([](double v) { return v > 0 ? v : 0; })});
  check({"tanh", spec("tanh"), in, 2, Mode::train, apply([](double v) { return std::tanh(v); })});
  check({"sigmoid", spec("sigmoid"), in, 2, Mode::train,
         apply([](double v) { return 1 / (1 + std::exp(-v)); })});
  check({"flatten", spec("flatten"), in, 2, Mode::train, apply([](double v) { return v; })});
  check({"dropout eval", spec("dropout", {{"p", 0.3}}), in, 2, Mode::eval,
         apply([](double v) { return v; })});
}

TEST(LayerGradients, BatchNorm) {
  for (const Mode mode : {Mode::train, Mode::eval})
    for (const bool affine : {true, false}) {
      const bool train = mode == Mode::train;
      const std::string suffix =
          std::string(train ? " train" : " eval") + " affine=" + std::to_string(affine);
      auto ref = [train](const Vec& x, const Params& p, std::size_t n, Layer& l) {
        return batch_norm_ref(x, p, n, l, train);
      };
      check({"batchNorm1d [C]" + suffix,
             spec("batchNorm1d", {{"numFeatures", 4}, {"affine", affine}}), SampleShape::of({4}), 5,
             mode, ref});
      check({"batchNorm1d [C, L]" + suffix,
             spec("batchNorm1d", {{"numFeatures", 3}, {"affine", affine}}), SampleShape::of({3, 4}),
             2, mode, ref});
      check({"batchNorm2d" + suffix,
             spec("batchNorm2d", {{"numFeatures", 3}, {"affine", affine}, {"eps", 1e-3}}),
             SampleShape::of({3, 2, 3}), 2, mode, ref});
    }
  // Without running statistics, eval mode normalizes with the batch's (as torch does).
  check({"batchNorm2d eval without running stats",
         spec("batchNorm2d", {{"numFeatures", 2}, {"trackRunningStats", false}}),
         SampleShape::of({2, 3, 3}), 2, Mode::eval,
         [](const Vec& x, const Params& p, std::size_t n, Layer& l) {
           return batch_norm_ref(x, p, n, l, true);
         }});
}

TEST(LayerGradients, LstmThroughTime) {
  for (const bool sequences : {false, true})
    for (const bool bias : {true, false})
      check({"lstm sequences=" + std::to_string(sequences) + " bias=" + std::to_string(bias),
             spec("lstm", {{"inputSize", 3},
                           {"hiddenSize", 5},
                           {"bias", bias},
                           {"returnSequences", sequences}}),
             SampleShape::of({4, 3}), 2, Mode::train,
             [sequences](const Vec& x, const Params& p, std::size_t n, Layer& l) {
               return lstm_ref(x, p, n, l, sequences);
             }});
}

// Per-step and shared statistics, train and eval, a sequence longer than the statistics slots
// (maxLength 2 for 4 steps: steps 2 and 3 share slot 1).
TEST(LayerGradients, BatchNormLstmThroughTime) {
  for (const std::string mode : {"per-step", "shared"})
    for (const Mode m : {Mode::train, Mode::eval})
      for (const bool sequences : {false, true})
        for (const bool bias : {true, false}) {
          std::vector<std::pair<std::string, SpecValue>> args = {{"inputSize", 3},
                                                                 {"hiddenSize", 5},
                                                                 {"bias", bias},
                                                                 {"returnSequences", sequences},
                                                                 {"batchNorm", mode}};
          if (mode == "per-step" && !sequences) args.push_back({"maxLength", 2});
          check({"bn lstm " + mode + (m == Mode::train ? " train" : " eval") +
                     " sequences=" + std::to_string(sequences) + " bias=" + std::to_string(bias),
                 spec("lstm", args), SampleShape::of({4, 3}), 4, m,
                 BnLstmRef{sequences, bias, m == Mode::train}});
        }
}

TEST(LayerGradients, RnnThroughTime) {
  for (const bool sequences : {false, true})
    for (const bool bias : {true, false})
      check({"rnn sequences=" + std::to_string(sequences) + " bias=" + std::to_string(bias),
             spec("rnn", {{"inputSize", 3},
                          {"hiddenSize", 5},
                          {"bias", bias},
                          {"returnSequences", sequences}}),
             SampleShape::of({4, 3}), 2, Mode::train,
             [sequences](const Vec& x, const Params& p, std::size_t n, Layer& l) {
               return rnn_ref(x, p, n, l, sequences);
             }});
}

// Ties go to the first maximum in the window's row-major order (PyTorch's CPU kernel: a later
// value replaces the best only when strictly greater), and a NaN wins the window.
TEST(MaxPool2d, TiesRouteToTheFirstMaximumAndNaNWins) {
  test::LayerHarness h(spec("maxPool2d", {{"kernelSize", 2}}), SampleShape::of({1, 2, 4}), 1);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {3, 3, 1, nan,  //
                                3, 1, 2, 5};
  h.forward(x, Mode::train);
  EXPECT_EQ(h.y[0], 3.f);
  EXPECT_TRUE(std::isnan(h.y[1]));
  const std::vector<float> dx = h.backward(x, {10, 20});
  EXPECT_EQ(dx, (std::vector<float>{10, 0, 0, 20, 0, 0, 0, 0}));
}

TEST(Dropout, TrainingMaskScalesSurvivorsAndBackwardUsesIt) {
  const std::size_t n = 4000;
  test::LayerHarness h(spec("dropout", {{"p", 0.25}}), SampleShape::of({1}), n);
  std::vector<float> x(n, 2.f);
  h.forward(x, Mode::train);
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(h.y[i] == 0.f || std::fabs(h.y[i] - 2.f / 0.75f) < 1e-6) << h.y[i];
    zeros += h.y[i] == 0.f;
  }
  // Binomial(4000, 0.25): mean 1000, sd ≈ 27; 6 sd either side.
  EXPECT_NEAR(double(zeros), 1000.0, 165.0);
  std::vector<float> dy(n, 1.f);
  const std::vector<float> dx = h.backward(x, dy);
  for (std::size_t i = 0; i < n; ++i) ASSERT_FLOAT_EQ(dx[i], h.y[i] / 2.f);
}

}  // namespace
}  // namespace simdnorm::nn
