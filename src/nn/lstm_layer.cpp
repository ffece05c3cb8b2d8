#include "nn/lstm_layer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "nn/parallel_matmul.hpp"
#include "nn/recurrent_shape.hpp"
#include "nn/torch_init.hpp"

namespace simdnorm::nn {
namespace {

float sigmoid(float v) {
  return 1.f / (1.f + std::exp(-v));
}

// Cooijmans et al. §4: "initializing γ to 0.1" keeps tanh and the sigmoids out of saturation.
constexpr float kInitialGamma = 0.1f;

void add_to(std::span<float> sum, std::span<const float> v) {
  for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += v[i];
}

}  // namespace

// Views of the saved workspace (layout in workspace_size's comment). Per-step statistics of a BN
// over C channels: mean [T, C] then 1/std [T, C].
struct Lstm::Saved {
  float* gates;
  float* cells;
  float* hidden;
  float* wx;  // W_ih·x_t, BN_ih's input
  float* wh;  // W_hh·h_{t−1}, BN_hh's input
  float* cells_bn;
  float* stats_ih;
  float* stats_hh;
  float* stats_c;
};

Lstm::Options Lstm::parse(const LayerSpec& spec) {
  SpecArgs args(spec);
  Options o;
  o.input_size = args.integer("inputSize", 1);
  o.hidden_size = args.integer("hiddenSize", 1);
  o.bias = args.flag("bias", true);
  o.return_sequences = args.flag("returnSequences", false);
  static const std::array<SpecValue, 3> modes = {false, std::string("per-step"),
                                                 std::string("shared")};
  o.batch_norm = RecurrentBatchNorm(args.choice("batchNorm", modes, 0));
  if (o.batch_norm == RecurrentBatchNorm::per_step) o.max_length = args.integer("maxLength", 1, 0);
  args.finish();
  return o;
}

SampleShape Lstm::output_shape_for(const Options& o, const SampleShape& in) {
  return recurrent_output_shape(o.input_size, o.hidden_size, 4, o.return_sequences, in);
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
      db_hh_(b_hh_.size()) {
  if (options.batch_norm == RecurrentBatchNorm::none) return;
  const std::size_t h = options.hidden_size;
  const std::size_t slots = options.batch_norm == RecurrentBatchNorm::shared ? 1
                            : options.max_length                             ? options.max_length
                                                                             : steps_;
  bn_ih_.emplace(4 * h, slots);
  bn_hh_.emplace(4 * h, slots);
  bn_c_.emplace(h, slots);
  dgamma_ih_.resize(4 * h);
  dgamma_hh_.resize(4 * h);
  dgamma_c_.resize(h);
  dbeta_c_.resize(h);
  for (StepBatchNorm* bn : {&*bn_ih_, &*bn_hh_, &*bn_c_})
    std::fill(bn->weight().begin(), bn->weight().end(), kInitialGamma);
}

std::size_t Lstm::slot_of(std::size_t t) const {
  return std::min(t, bn_ih_->time_steps() - 1);
}

WorkspaceSize Lstm::workspace_size(std::size_t n) const {
  const std::size_t h = options_.hidden_size, nt = n * steps_;
  // Scratch: one step's gate gradients [n, 4H] and three [n, H] carries.
  if (!bn_ih_) return {nt * 6 * h, n * 4 * h + 3 * n * h};
  // Saved: gates, W_ih·x, W_hh·h (4H each), cells, BN_c(cells), hidden (H each) per sample and
  // step; mean and 1/std of BN_ih, BN_hh (4H each) and BN_c (H) per step.
  // Scratch: three [n, 4H] and four [n, H] step gradients, two 4H per-step parameter gradients.
  return {nt * 15 * h + steps_ * 18 * h, 3 * n * 4 * h + 4 * n * h + 2 * 4 * h};
}

Lstm::Saved Lstm::saved_views(std::span<float> saved, std::size_t n) const {
  const std::size_t h = options_.hidden_size, nt = n * steps_;
  Saved s{};
  s.gates = saved.data();
  s.cells = s.gates + nt * 4 * h;
  s.hidden = s.cells + nt * h;
  if (!bn_ih_) return s;
  s.wx = s.hidden + nt * h;
  s.wh = s.wx + nt * 4 * h;
  s.cells_bn = s.wh + nt * 4 * h;
  s.stats_ih = s.cells_bn + nt * h;
  s.stats_hh = s.stats_ih + steps_ * 8 * h;
  s.stats_c = s.stats_hh + steps_ * 8 * h;
  return s;
}

namespace {

// Step t's saved statistics of a BN over c channels (mean [T, c], then 1/std [T, c]).
StepBatchNorm::StepStatistics step_stats(float* stats, std::size_t steps, std::size_t c,
                                         std::size_t t, std::span<float> var) {
  return {{stats + t * c, c}, {stats + (steps + t) * c, c}, var.empty() ? var : var.first(c)};
}

}  // namespace

void Lstm::forward(std::span<const float> x, std::size_t n, std::span<float> y, Mode mode,
                   LayerWorkspace ws) {
  const std::size_t h = options_.hidden_size, f = options_.input_size, t_max = steps_;
  const std::size_t g4 = 4 * h, step_gates = n * g4, step_cells = n * h;
  const Saved s = saved_views(ws.saved, n);
  const bool bn = bn_ih_.has_value();
  const Shape gate_shape = Shape::nc(n, g4), cell_shape = Shape::nc(n, h);
  float* wh_bn = ws.scratch.data();  // BN_hh(W_hh·h_{t−1}) of one step, [n, 4H]
  const std::span<float> var = bn ? ws.scratch.subspan(step_gates, g4) : std::span<float>();
  if (bn)
    for (StepBatchNorm* b : {&*bn_ih_, &*bn_hh_, &*bn_c_}) b->train(mode == Mode::train);
  const kernels::ParallelMatmul k = kernels::active_parallel_matmul();
  for (std::size_t t = 0; t < t_max; ++t) {
    float* g = s.gates + t * step_gates;
    float* c = s.cells + t * step_cells;
    float* hv = s.hidden + t * step_cells;
    const float* h_prev = t > 0 ? hv - step_cells : nullptr;
    const float* c_prev = t > 0 ? c - step_cells : nullptr;
    if (!bn) {
      for (std::size_t r = 0; r < n; ++r)
        for (std::size_t j = 0; j < g4; ++j)
          g[r * g4 + j] = options_.bias ? b_ih_[j] + b_hh_[j] : 0.f;
      k.nt(n, g4, f, x.data() + t * f, t_max * f, w_ih_.data(), f, g, g4, true);
      if (h_prev) k.nt(n, g4, h, h_prev, h, w_hh_.data(), h, g, g4, true);
    } else {
      float* wx = s.wx + t * step_gates;
      float* wh = s.wh + t * step_gates;
      const std::size_t slot = slot_of(t);
      k.nt(n, g4, f, x.data() + t * f, t_max * f, w_ih_.data(), f, wx, g4, false);
      if (h_prev)
        k.nt(n, g4, h, h_prev, h, w_hh_.data(), h, wh, g4, false);
      else
        std::fill(wh, wh + step_gates, 0.f);  // h_{−1} = 0
      bn_ih_->forward({wx, step_gates}, gate_shape, slot, {g, step_gates},
                      step_stats(s.stats_ih, t_max, g4, t, var));
      bn_hh_->forward({wh, step_gates}, gate_shape, slot, {wh_bn, step_gates},
                      step_stats(s.stats_hh, t_max, g4, t, var));
      for (std::size_t r = 0; r < n; ++r)
        for (std::size_t j = 0; j < g4; ++j)
          g[r * g4 + j] += wh_bn[r * g4 + j] + (options_.bias ? b_ih_[j] + b_hh_[j] : 0.f);
    }
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t u = 0; u < h; ++u) {
        float* gr = g + r * g4;
        const float i = sigmoid(gr[u]), fg = sigmoid(gr[h + u]), gg = std::tanh(gr[2 * h + u]),
                    o = sigmoid(gr[3 * h + u]);
        gr[u] = i;
        gr[h + u] = fg;
        gr[2 * h + u] = gg;
        gr[3 * h + u] = o;
        c[r * h + u] = (c_prev ? fg * c_prev[r * h + u] : 0.f) + i * gg;
      }
    const float* squashed = c;  // what the output tanh reads: c_t or BN_c(c_t)
    if (bn) {
      float* cb = s.cells_bn + t * step_cells;
      bn_c_->forward({c, step_cells}, cell_shape, slot_of(t), {cb, step_cells},
                     step_stats(s.stats_c, t_max, h, t, var));
      squashed = cb;
    }
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t u = 0; u < h; ++u)
        hv[r * h + u] = g[r * g4 + 3 * h + u] * std::tanh(squashed[r * h + u]);
  }
  for (std::size_t r = 0; r < n; ++r) {
    if (options_.return_sequences) {
      for (std::size_t t = 0; t < t_max; ++t) {
        const float* hv = s.hidden + t * step_cells + r * h;
        std::copy(hv, hv + h, y.begin() + std::ptrdiff_t((r * t_max + t) * h));
      }
    } else {
      const float* hv = s.hidden + (t_max - 1) * step_cells + r * h;
      std::copy(hv, hv + h, y.begin() + std::ptrdiff_t(r * h));
    }
  }
}

void Lstm::backward(std::span<const float> x, std::span<const float>, std::span<const float> dy,
                    std::size_t n, std::span<float> dx, LayerWorkspace ws) {
  const std::size_t h = options_.hidden_size, f = options_.input_size, t_max = steps_;
  const std::size_t g4 = 4 * h, step_gates = n * g4, step_cells = n * h;
  const bool bn = bn_ih_.has_value();
  const Saved s = saved_views(ws.saved, n);
  const Shape gate_shape = Shape::nc(n, g4), cell_shape = Shape::nc(n, h);
  // Scratch: dG (pre-activation gate gradients of one step), with BN ∂/∂(W_ih·x_t) and
  // ∂/∂(W_hh·h_{t−1}), then the carries ∂L/∂h_t and ∂L/∂c_t through step t + 1, with BN
  // ∂L/∂BN_c(c_t) and ∂L/∂c_t through BN_c, and one step's share of dγ and dβ.
  float* dg = ws.scratch.data();
  float* dwx = bn ? dg + step_gates : dg;
  float* dwh = bn ? dwx + step_gates : dg;
  float* dh_next = (bn ? dwh : dg) + step_gates;
  float* dc_next = dh_next + step_cells;
  float* dcb = dc_next + step_cells;
  float* dc_through_bn = dcb + step_cells;
  const std::span<float> step_dgamma{dc_through_bn + step_cells, g4},
      step_dbeta{dc_through_bn + step_cells + g4, g4};
  const std::span<float> unused_var;  // backward reads only the mean and 1/std
  std::fill(dh_next, dh_next + 2 * step_cells, 0.f);
  std::fill(dw_hh_.begin(), dw_hh_.end(), 0.f);
  std::fill(db_ih_.begin(), db_ih_.end(), 0.f);
  for (auto* v : {&dgamma_ih_, &dgamma_hh_, &dgamma_c_, &dbeta_c_})
    std::fill(v->begin(), v->end(), 0.f);
  const kernels::ParallelMatmul k = kernels::active_parallel_matmul();
  for (std::size_t t = t_max; t-- > 0;) {
    const float* g = s.gates + t * step_gates;
    const float* c = s.cells + t * step_cells;
    const float* squashed = bn ? s.cells_bn + t * step_cells : c;
    const std::size_t slot = bn ? slot_of(t) : 0;
    // ∂L/∂h_t, then the output gate and ∂L/∂(the output tanh's input).
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t u = 0; u < h; ++u) {
        float dh = dh_next[r * h + u];
        if (options_.return_sequences)
          dh += dy[(r * t_max + t) * h + u];
        else if (t == t_max - 1)
          dh += dy[r * h + u];
        const float o = g[r * g4 + 3 * h + u], tc = std::tanh(squashed[r * h + u]);
        dg[r * g4 + 3 * h + u] = dh * tc * o * (1 - o);
        dcb[r * h + u] = dh * o * (1 - tc * tc);
      }
    const float* dc_out = dcb;
    if (bn) {
      bn_c_->backward({dcb, step_cells}, {c, step_cells}, cell_shape, slot,
                      step_stats(s.stats_c, t_max, h, t, unused_var), {dc_through_bn, step_cells},
                      step_dgamma.first(h), step_dbeta.first(h));
      add_to(dgamma_c_, step_dgamma.first(h));
      add_to(dbeta_c_, step_dbeta.first(h));
      dc_out = dc_through_bn;
    }
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t u = 0; u < h; ++u) {
        const float* gr = g + r * g4;
        const float i = gr[u], fg = gr[h + u], gg = gr[2 * h + u];
        const float dc = dc_next[r * h + u] + dc_out[r * h + u];
        const float c_prev = t > 0 ? (c - step_cells)[r * h + u] : 0.f;
        float* dgr = dg + r * g4;
        dgr[u] = dc * gg * i * (1 - i);
        dgr[h + u] = dc * c_prev * fg * (1 - fg);
        dgr[2 * h + u] = dc * i * (1 - gg * gg);
        dc_next[r * h + u] = dc * fg;
      }
    if (options_.bias)
      for (std::size_t r = 0; r < n; ++r) add_to(db_ih_, {dg + r * g4, g4});
    if (bn) {
      bn_ih_->backward({dg, step_gates}, {s.wx + t * step_gates, step_gates}, gate_shape, slot,
                       step_stats(s.stats_ih, t_max, g4, t, unused_var), {dwx, step_gates},
                       step_dgamma, step_dbeta);
      add_to(dgamma_ih_, step_dgamma);
      bn_hh_->backward({dg, step_gates}, {s.wh + t * step_gates, step_gates}, gate_shape, slot,
                       step_stats(s.stats_hh, t_max, g4, t, unused_var), {dwh, step_gates},
                       step_dgamma, step_dbeta);
      add_to(dgamma_hh_, step_dgamma);
    }
    // dW_ih += dWXᵀ·x_t, dx_t = dWX·W_ih; dW_hh += dWHᵀ·h_{t−1}, ∂L/∂h_{t−1} = dWH·W_hh.
    k.tn(g4, f, n, dwx, g4, x.data() + t * f, t_max * f, dw_ih_.data(), f, t != t_max - 1);
    if (!dx.empty()) k.nn(n, f, g4, dwx, g4, w_ih_.data(), f, dx.data() + t * f, t_max * f, false);
    if (t > 0) {
      k.tn(g4, h, n, dwh, g4, s.hidden + (t - 1) * step_cells, h, dw_hh_.data(), h, true);
      k.nn(n, h, g4, dwh, g4, w_hh_.data(), h, dh_next, h, false);
    }
  }
  std::copy(db_ih_.begin(), db_ih_.end(), db_hh_.begin());
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
  if (bn_ih_) {
    p.push_back({"bn_ih.weight", {4 * h}, bn_ih_->weight(), dgamma_ih_});
    p.push_back({"bn_hh.weight", {4 * h}, bn_hh_->weight(), dgamma_hh_});
    p.push_back({"bn_c.weight", {h}, bn_c_->weight(), dgamma_c_});
    p.push_back({"bn_c.bias", {h}, bn_c_->bias(), dbeta_c_});
  }
  return p;
}

std::vector<Buffer> Lstm::buffers() {
  std::vector<Buffer> b;
  if (!bn_ih_) return b;
  for (const auto& [name, bn] : {std::pair{"bn_ih.", &*bn_ih_}, std::pair{"bn_hh.", &*bn_hh_},
                                 std::pair{"bn_c.", &*bn_c_}}) {
    const std::vector<std::size_t> stats{bn->time_steps(), bn->num_features()};
    b.push_back({std::string(name) + "running_mean", stats, bn->running_mean()});
    b.push_back({std::string(name) + "running_var", stats, bn->running_var()});
    b.push_back(
        {std::string(name) + "num_batches_tracked", {bn->time_steps()}, bn->num_batches_tracked()});
  }
  return b;
}

void Lstm::reset_parameters(Rng& rng) {
  // torch.nn.RNNBase.reset_parameters: every parameter U(−1/√H, 1/√H), in registration order.
  const double bound = default_init_bound(options_.hidden_size);
  for (auto* v : {&w_ih_, &w_hh_, &b_ih_, &b_hh_}) fill_uniform(*v, bound, rng);
  if (!bn_ih_) return;
  for (StepBatchNorm* bn : {&*bn_ih_, &*bn_hh_, &*bn_c_}) {
    bn->reset_parameters();
    std::fill(bn->weight().begin(), bn->weight().end(), kInitialGamma);
  }
}

}  // namespace simdnorm::nn
