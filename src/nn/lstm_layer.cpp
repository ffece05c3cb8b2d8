#include "nn/lstm_layer.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "nn/parallel_matmul.hpp"
#include "nn/torch_init.hpp"
#include "simdnorm/error.hpp"

namespace simdnorm::nn {
namespace {

float sigmoid(float v) {
  return 1.f / (1.f + std::exp(-v));
}

}  // namespace

Lstm::Options Lstm::parse(const LayerSpec& spec) {
  SpecArgs args(spec);
  Options o;
  o.input_size = args.integer("inputSize", 1);
  o.hidden_size = args.integer("hiddenSize", 1);
  o.bias = args.flag("bias", true);
  o.return_sequences = args.flag("returnSequences", false);
  args.finish();
  return o;
}

SampleShape Lstm::output_shape_for(const Options& o, const SampleShape& in) {
  if (in.rank != 2)
    throw Error(ErrorCode::shape, "input: expected [steps, features], given " + to_string(in));
  if (o.input_size != in[1])
    throw Error(ErrorCode::shape, "inputSize: expected " + std::to_string(in[1]) +
                                      " (the input's features), given " +
                                      std::to_string(o.input_size));
  check_tensor_floats("hiddenSize",
                      4.0 * double(o.hidden_size) * double(std::max(o.hidden_size, o.input_size)),
                      "the weights");
  check_tensor_floats("hiddenSize", double(in[0]) * double(o.hidden_size), "a sequence of states");
  return o.return_sequences ? SampleShape::of({in[0], o.hidden_size})
                            : SampleShape::of({o.hidden_size});
}

Lstm::Lstm(const Options& options, const SampleShape& in)
    : Layer(in, output_shape_for(options, in)),
      options_(options),
      steps_(in[0]),
      w_ih_(4 * options.hidden_size * options.input_size),
      w_hh_(4 * options.hidden_size * options.hidden_size),
      b_ih_(options.bias ? 4 * options.hidden_size : 0),
      b_hh_(b_ih_.size()),
      dw_ih_(w_ih_.size()),
      dw_hh_(w_hh_.size()),
      db_ih_(b_ih_.size()),
      db_hh_(b_hh_.size()) {}

WorkspaceSize Lstm::workspace_size(std::size_t n) const {
  const std::size_t h = options_.hidden_size, nt = n * steps_;
  return {nt * 6 * h, nt * 4 * h + 2 * n * h};
}

void Lstm::forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode,
                   LayerWorkspace ws) {
  const std::size_t h = options_.hidden_size, f = options_.input_size, t_max = steps_;
  const std::size_t g4 = 4 * h, nt = n * t_max;
  float* gates = ws.saved.data();  // [n, T, 4H]
  float* cells = gates + nt * g4;  // [n, T, H]
  float* hidden = cells + nt * h;  // [n, T, H]
  const kernels::ParallelMatmul k = kernels::active_parallel_matmul();
  // Input projections of every step at once, then the recurrent term step by step.
  for (std::size_t r = 0; r < nt; ++r)
    for (std::size_t j = 0; j < g4; ++j)
      gates[r * g4 + j] = options_.bias ? b_ih_[j] + b_hh_[j] : 0.f;
  k.nt(nt, g4, f, x.data(), f, w_ih_.data(), f, gates, g4, true);
  for (std::size_t t = 0; t < t_max; ++t) {
    if (t > 0)
      k.nt(n, g4, h, hidden + (t - 1) * h, t_max * h, w_hh_.data(), h, gates + t * g4, t_max * g4,
           true);
    for (std::size_t s = 0; s < n; ++s) {
      float* g = gates + (s * t_max + t) * g4;
      float* c = cells + (s * t_max + t) * h;
      float* hv = hidden + (s * t_max + t) * h;
      const float* c_prev = t > 0 ? c - h : nullptr;
      for (std::size_t u = 0; u < h; ++u) {
        const float i = sigmoid(g[u]), fg = sigmoid(g[h + u]), gg = std::tanh(g[2 * h + u]),
                    o = sigmoid(g[3 * h + u]);
        g[u] = i;
        g[h + u] = fg;
        g[2 * h + u] = gg;
        g[3 * h + u] = o;
        c[u] = (c_prev ? fg * c_prev[u] : 0.f) + i * gg;
        hv[u] = o * std::tanh(c[u]);
      }
    }
  }
  for (std::size_t s = 0; s < n; ++s) {
    const float* hs = hidden + s * t_max * h;
    if (options_.return_sequences)
      std::copy(hs, hs + t_max * h, y.begin() + std::ptrdiff_t(s * t_max * h));
    else
      std::copy(hs + (t_max - 1) * h, hs + t_max * h, y.begin() + std::ptrdiff_t(s * h));
  }
}

void Lstm::backward(std::span<const float> x, std::span<const float>, std::span<const float> dy,
                    std::size_t n, std::span<float> dx, LayerWorkspace ws) {
  const std::size_t h = options_.hidden_size, f = options_.input_size, t_max = steps_;
  const std::size_t g4 = 4 * h, nt = n * t_max;
  const float* gates = ws.saved.data();
  const float* cells = gates + nt * g4;
  const float* hidden = cells + nt * h;
  float* dgates = ws.scratch.data();  // [n, T, 4H], pre-activation
  float* dh_next = dgates + nt * g4;  // [n, H]: ∂L/∂h_t through step t + 1
  float* dc_next = dh_next + n * h;   // [n, H]
  std::fill(dh_next, dh_next + 2 * n * h, 0.f);
  const kernels::ParallelMatmul k = kernels::active_parallel_matmul();
  for (std::size_t t = t_max; t-- > 0;) {
    for (std::size_t s = 0; s < n; ++s) {
      const std::size_t at = s * t_max + t;
      const float* g = gates + at * g4;
      const float* c = cells + at * h;
      float* dg = dgates + at * g4;
      for (std::size_t u = 0; u < h; ++u) {
        float dh = dh_next[s * h + u];
        if (options_.return_sequences)
          dh += dy[at * h + u];
        else if (t == t_max - 1)
          dh += dy[s * h + u];
        const float i = g[u], fg = g[h + u], gg = g[2 * h + u], o = g[3 * h + u];
        const float tc = std::tanh(c[u]);
        const float dc = dc_next[s * h + u] + dh * o * (1 - tc * tc);
        const float c_prev = t > 0 ? (c - h)[u] : 0.f;
        dg[u] = dc * gg * i * (1 - i);
        dg[h + u] = dc * c_prev * fg * (1 - fg);
        dg[2 * h + u] = dc * i * (1 - gg * gg);
        dg[3 * h + u] = dh * tc * o * (1 - o);
        dc_next[s * h + u] = dc * fg;
      }
    }
    // ∂L/∂h_{t−1} = dgates_t·W_hh
    if (t > 0) k.nn(n, h, g4, dgates + t * g4, t_max * g4, w_hh_.data(), h, dh_next, h, false);
  }
  // Weight gradients over all steps: dW_ih = dGᵀ·x, dW_hh = Σ_t dG_tᵀ·h_{t−1}, biases Σ dG.
  k.tn(g4, f, nt, dgates, g4, x.data(), f, dw_ih_.data(), f, false);
  std::fill(dw_hh_.begin(), dw_hh_.end(), 0.f);
  for (std::size_t t = 1; t < t_max; ++t)
    k.tn(g4, h, n, dgates + t * g4, t_max * g4, hidden + (t - 1) * h, t_max * h, dw_hh_.data(), h,
         true);
  if (options_.bias) {
    std::fill(db_ih_.begin(), db_ih_.end(), 0.f);
    for (std::size_t r = 0; r < nt; ++r)
      for (std::size_t j = 0; j < g4; ++j) db_ih_[j] += dgates[r * g4 + j];
    std::copy(db_ih_.begin(), db_ih_.end(), db_hh_.begin());
  }
  if (!dx.empty()) k.nn(nt, f, g4, dgates, g4, w_ih_.data(), f, dx.data(), f, false);
}

std::vector<Parameter> Lstm::parameters() {
  const std::size_t h = options_.hidden_size;
  std::vector<Parameter> p;
  p.push_back({"weight_ih_l0", {4 * h, options_.input_size}, w_ih_, dw_ih_});
  p.push_back({"weight_hh_l0", {4 * h, h}, w_hh_, dw_hh_});
  if (options_.bias) {
    p.push_back({"bias_ih_l0", {4 * h}, b_ih_, db_ih_});
    p.push_back({"bias_hh_l0", {4 * h}, b_hh_, db_hh_});
  }
  return p;
}

void Lstm::reset_parameters(Rng& rng) {
  // torch.nn.RNNBase.reset_parameters: every parameter U(−1/√H, 1/√H), in registration order.
  const double bound = default_init_bound(options_.hidden_size);
  for (auto* v : {&w_ih_, &w_hh_, &b_ih_, &b_hh_}) fill_uniform(*v, bound, rng);
}

}  // namespace simdnorm::nn
