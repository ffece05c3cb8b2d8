#include "nn/rnn_layer.hpp"

#include <algorithm>
#include <cmath>

#include "nn/parallel_matmul.hpp"
#include "nn/recurrent_shape.hpp"
#include "nn/torch_init.hpp"

namespace simdnorm::nn {

Rnn::Options Rnn::parse(const LayerSpec& spec) {
  SpecArgs args(spec);
  Options o;
  o.input_size = args.integer("inputSize", 1);
  o.hidden_size = args.integer("hiddenSize", 1);
  o.bias = args.flag("bias", true);
  o.return_sequences = args.flag("returnSequences", false);
  args.finish();
  return o;
}

SampleShape Rnn::output_shape_for(const Options& o, const SampleShape& in) {
  return recurrent_output_shape(o.input_size, o.hidden_size, 1, o.return_sequences, in);
}

Rnn::Rnn(const Options& options, const SampleShape& in)
    : Layer(in, output_shape_for(options, in)),
      options_(options),
      steps_(in[0]),
      w_ih_(options.hidden_size * options.input_size),
      w_hh_(options.hidden_size * options.hidden_size),
      b_ih_(options.bias ? options.hidden_size : 0),
      b_hh_(b_ih_.size()),
      dw_ih_(w_ih_.size()),
      dw_hh_(w_hh_.size()),
      db_ih_(b_ih_.size()),
      db_hh_(b_hh_.size()) {}

WorkspaceSize Rnn::workspace_size(std::size_t n) const {
  const std::size_t h = options_.hidden_size, nt = n * steps_;
  return {nt * h, nt * h + n * h};
}

void Rnn::forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode,
                  LayerWorkspace ws) {
  const std::size_t h = options_.hidden_size, f = options_.input_size, t_max = steps_;
  const std::size_t nt = n * t_max;
  float* hidden = ws.saved.data();  // [n, T, H]: pre-activations, then h_t step by step
  const kernels::ParallelMatmul k = kernels::active_parallel_matmul();
  for (std::size_t r = 0; r < nt; ++r)
    for (std::size_t j = 0; j < h; ++j)
      hidden[r * h + j] = options_.bias ? b_ih_[j] + b_hh_[j] : 0.f;
  k.nt(nt, h, f, x.data(), f, w_ih_.data(), f, hidden, h, true);
  for (std::size_t t = 0; t < t_max; ++t) {
    if (t > 0)
      k.nt(n, h, h, hidden + (t - 1) * h, t_max * h, w_hh_.data(), h, hidden + t * h, t_max * h,
           true);
    for (std::size_t s = 0; s < n; ++s) {
      float* hv = hidden + (s * t_max + t) * h;
      for (std::size_t u = 0; u < h; ++u) hv[u] = std::tanh(hv[u]);
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

void Rnn::backward(std::span<const float> x, std::span<const float>, std::span<const float> dy,
                   std::size_t n, std::span<float> dx, LayerWorkspace ws) {
  const std::size_t h = options_.hidden_size, f = options_.input_size, t_max = steps_;
  const std::size_t nt = n * t_max;
  const float* hidden = ws.saved.data();
  float* da = ws.scratch.data();  // [n, T, H]: ∂L/∂(pre-activation)
  float* dh_next = da + nt * h;   // [n, H]
  std::fill(dh_next, dh_next + n * h, 0.f);
  const kernels::ParallelMatmul k = kernels::active_parallel_matmul();
  for (std::size_t t = t_max; t-- > 0;) {
    for (std::size_t s = 0; s < n; ++s) {
      const std::size_t at = s * t_max + t;
      for (std::size_t u = 0; u < h; ++u) {
        float dh = dh_next[s * h + u];
        if (options_.return_sequences)
          dh += dy[at * h + u];
        else if (t == t_max - 1)
          dh += dy[s * h + u];
        const float hv = hidden[at * h + u];
        da[at * h + u] = dh * (1 - hv * hv);
      }
    }
    if (t > 0) k.nn(n, h, h, da + t * h, t_max * h, w_hh_.data(), h, dh_next, h, false);
  }
  k.tn(h, f, nt, da, h, x.data(), f, dw_ih_.data(), f, false);
  std::fill(dw_hh_.begin(), dw_hh_.end(), 0.f);
  for (std::size_t t = 1; t < t_max; ++t)
    k.tn(h, h, n, da + t * h, t_max * h, hidden + (t - 1) * h, t_max * h, dw_hh_.data(), h, true);
  if (options_.bias) {
    std::fill(db_ih_.begin(), db_ih_.end(), 0.f);
    for (std::size_t r = 0; r < nt; ++r)
      for (std::size_t j = 0; j < h; ++j) db_ih_[j] += da[r * h + j];
    std::copy(db_ih_.begin(), db_ih_.end(), db_hh_.begin());
  }
  if (!dx.empty()) k.nn(nt, f, h, da, h, w_ih_.data(), f, dx.data(), f, false);
}

std::vector<Parameter> Rnn::parameters() {
  const std::size_t h = options_.hidden_size;
  std::vector<Parameter> p;
  p.push_back({"weight_ih_l0", {h, options_.input_size}, w_ih_, dw_ih_});
  p.push_back({"weight_hh_l0", {h, h}, w_hh_, dw_hh_});
  if (options_.bias) {
    p.push_back({"bias_ih_l0", {h}, b_ih_, db_ih_});
    p.push_back({"bias_hh_l0", {h}, b_hh_, db_hh_});
  }
  return p;
}

void Rnn::reset_parameters(Rng& rng) {
  const double bound = default_init_bound(options_.hidden_size);
  for (auto* v : {&w_ih_, &w_hh_, &b_ih_, &b_hh_}) fill_uniform(*v, bound, rng);
}

}  // namespace simdnorm::nn
