#include "nn/mlp.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/validate.hpp"
#include "nn/optimizer.hpp"
#include "simdnorm/functional.hpp"

namespace simdnorm::nn {
namespace {

std::span<float> rows_of(std::vector<float>& v, std::size_t n, std::size_t width) {
  return {v.data(), n * width};
}

NormLayer make_norm(std::size_t width) {
  NormLayer l;
  l.gamma.assign(width, 1.f);
  l.beta.assign(width, 0.f);
  l.dgamma.assign(width, 0.f);
  l.dbeta.assign(width, 0.f);
  l.running_mean.assign(width, 0.f);
  l.running_var.assign(width, 1.f);
  l.save_mean.assign(width, 0.f);
  l.save_invstd.assign(width, 0.f);
  l.batch_var.assign(width, 0.f);
  return l;
}

bool finite(std::span<const float> v) {
  return std::all_of(v.begin(), v.end(), [](float f) { return std::isfinite(f); });
}

}  // namespace

Mlp::Mlp(const ModelSpec& spec) : spec_(spec), output_(1, 1) {
  constexpr std::string_view fn = "nn::Mlp";
  if (spec.inputs == 0) detail::fail(ErrorCode::range, fn, "inputs", "at least 1", "0");
  if (spec.classes < 2)
    detail::fail(ErrorCode::range, fn, "classes", "at least 2", std::to_string(spec.classes));
  if (spec.hidden.empty())
    detail::fail(ErrorCode::range, fn, "hidden", "at least one width", "none");
  std::size_t in = spec.inputs;
  for (std::size_t l = 0; l < spec.hidden.size(); ++l) {
    const std::size_t w = spec.hidden[l];
    if (w == 0)
      detail::fail(ErrorCode::range, fn, "hidden[" + std::to_string(l) + "]",
                   "a width of at least 1", "0");
    HiddenLayer h{Dense(in, w), spec.batch_norm, {}};
    if (spec.batch_norm) h.norm = make_norm(w);
    hidden_.push_back(std::move(h));
    in = w;
  }
  output_ = Dense(in, spec.classes);
}

Workspace Mlp::make_workspace(std::size_t rows) const {
  Workspace ws;
  ws.rows = rows;
  std::size_t widest = spec_.classes;
  for (const HiddenLayer& h : hidden_) {
    const std::size_t w = h.dense.out();
    widest = std::max(widest, w);
    ws.z.emplace_back(rows * w);
    ws.u.emplace_back(h.has_norm ? rows * w : 0);
    ws.a.emplace_back(rows * w);
  }
  ws.logits.resize(rows * spec_.classes);
  ws.grad0.resize(rows * widest);
  ws.grad1.resize(rows * widest);
  ws.mean.resize(widest);
  ws.var.resize(widest);
  return ws;
}

void Mlp::forward(std::span<const float> x, std::size_t n, NormMode mode, Workspace& ws) {
  std::span<const float> input = x.first(n * spec_.inputs);
  for (std::size_t l = 0; l < hidden_.size(); ++l) {
    HiddenLayer& h = hidden_[l];
    const std::size_t w = h.dense.out();
    const std::span<float> z = rows_of(ws.z[l], n, w);
    const std::span<float> a = rows_of(ws.a[l], n, w);
    h.dense.forward(input, n, z);
    std::span<const float> act_in = z;
    if (h.has_norm) {
      NormLayer& bn = h.norm;
      const std::span<float> u = rows_of(ws.u[l], n, w);
      const Shape shape = Shape::nc(n, w);
      const NormParams params{bn.gamma, bn.beta, spec_.bn_eps, false};
      switch (mode) {
        case NormMode::train:
          forward_training(z, shape, params, u, bn.save_mean, bn.save_invstd, bn.batch_var);
          update_running_stats(bn.save_mean, bn.batch_var, n, spec_.bn_momentum, bn.running_mean,
                               bn.running_var);
          ++bn.batches_tracked;
          break;
        case NormMode::running:
          forward_inference(z, shape, params, bn.running_mean, bn.running_var, u);
          break;
        case NormMode::batch: {
          // The training-mode transform without its side effects; forward_inference with this
          // batch's biased moments is the same formula and, unlike forward_training, accepts n = 1.
          const std::span<float> mean(ws.mean.data(), w), var(ws.var.data(), w);
          batch_moments(z, shape, mean, var);
          forward_inference(z, shape, params, mean, var, u);
          break;
        }
      }
      act_in = u;
    }
    activation_forward(spec_.activation, act_in, a);
    input = a;
  }
  output_.forward(input, n, rows_of(ws.logits, n, spec_.classes));
}

void Mlp::backward(std::span<const float> x, std::size_t n, std::span<const float> dlogits,
                   Workspace& ws) {
  const std::size_t last = hidden_.size() - 1;
  // g holds ∂L/∂(output of layer l's activation), then is transformed in place down to ∂L/∂z.
  std::span<float> g = rows_of(ws.grad0, n, hidden_[last].dense.out());
  output_.backward(rows_of(ws.a[last], n, hidden_[last].dense.out()),
                   dlogits.first(n * spec_.classes), n, g);
  std::vector<float>* spare = &ws.grad1;
  for (std::size_t l = hidden_.size(); l-- > 0;) {
    HiddenLayer& h = hidden_[l];
    const std::size_t w = h.dense.out();
    activation_backward(spec_.activation, rows_of(ws.a[l], n, w), g, g);
    if (h.has_norm) {
      NormLayer& bn = h.norm;
      const NormParams params{bn.gamma, bn.beta, spec_.bn_eps, false};
      backward_training(g, rows_of(ws.z[l], n, w), Shape::nc(n, w), params, bn.save_mean,
                        bn.save_invstd, Gradients{g, bn.dgamma, bn.dbeta});
    }
    if (l == 0) {
      h.dense.backward(x.first(n * spec_.inputs), g, n, {});
    } else {
      const std::size_t in = h.dense.in();
      const std::span<float> dx = rows_of(*spare, n, in);
      h.dense.backward(rows_of(ws.a[l - 1], n, in), g, n, dx);
      spare = g.data() == ws.grad0.data() ? &ws.grad0 : &ws.grad1;
      g = dx;
    }
  }
}

void Mlp::register_parameters(Optimizer& opt) {
  for (HiddenLayer& h : hidden_) {
    opt.add(h.dense.weight_t(), h.dense.weight_t_grad());
    opt.add(h.dense.bias(), h.dense.bias_grad());
    if (h.has_norm) {
      opt.add(h.norm.gamma, h.norm.dgamma);
      opt.add(h.norm.beta, h.norm.dbeta);
    }
  }
  opt.add(output_.weight_t(), output_.weight_t_grad());
  opt.add(output_.bias(), output_.bias_grad());
}

bool Mlp::parameters_finite() const {
  for (const HiddenLayer& h : hidden_) {
    if (!finite(h.dense.weight_t()) || !finite(h.dense.bias())) return false;
    if (h.has_norm && (!finite(h.norm.gamma) || !finite(h.norm.beta) ||
                       !finite(h.norm.running_mean) || !finite(h.norm.running_var)))
      return false;
  }
  return finite(output_.weight_t()) && finite(output_.bias());
}

Mlp Mlp::folded() const {
  ModelSpec plain = spec_;
  plain.batch_norm = false;
  Mlp f(plain);
  for (std::size_t l = 0; l < hidden_.size(); ++l) {
    const HiddenLayer& h = hidden_[l];
    Dense& d = f.hidden_[l].dense;
    std::vector<float> w = h.dense.to_out_in();
    std::vector<float> b(h.dense.bias().begin(), h.dense.bias().end());
    if (h.has_norm) {
      const FoldSource src{h.norm.gamma, h.norm.beta, h.norm.running_mean, h.norm.running_var,
                           spec_.bn_eps};
      fold_into_linear(w, b, d.out(), d.in(), src, w, b);
    }
    d.from_out_in(w);
    std::copy(b.begin(), b.end(), d.bias().begin());
  }
  f.output_ = output_;
  return f;
}

}  // namespace simdnorm::nn
